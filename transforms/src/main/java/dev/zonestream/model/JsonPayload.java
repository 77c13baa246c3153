package dev.zonestream.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;

/** What can be told about a raw message payload without interpreting its dataset's rules. */
public final class JsonPayload {
  /** The shared, thread-safe mapper: strict JSON, nothing after the value. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final JsonFactory FACTORY = MAPPER.getFactory();

  /** Event times outside [1970-01-01, 2100-01-01) are not plausible epoch milliseconds. */
  public static final long MAX_PLAUSIBLE_EPOCH_MS = 4_102_444_800_000L;

  private JsonPayload() {}

  /**
   * Why these bytes are not one UTF-8 JSON value, or empty when they are.
   *
   * @return a short reason such as {@code "not UTF-8"} or {@code "not JSON: Unexpected character"}
   */
  public static Optional<String> problem(byte[] payload) {
    if (payload.length == 0) {
      return Optional.of("empty payload");
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(payload));
    } catch (CharacterCodingException e) {
      return Optional.of("not UTF-8");
    }
    try (JsonParser parser = FACTORY.createParser(payload)) {
      if (parser.nextToken() == null) {
        return Optional.of("not JSON: no value");
      }
      parser.skipChildren();
      JsonToken after = parser.nextToken();
      if (after != null) {
        return Optional.of("not JSON: more than one value");
      }
      return Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.of("not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return Optional.of("not JSON: " + e.getMessage());
    }
  }

  /**
   * The payload's event time for this dataset, when the payload is a JSON object whose event-time
   * field is an integral number of plausible epoch milliseconds.
   */
  public static OptionalLong eventTime(byte[] payload, Dataset dataset) {
    try {
      JsonNode tree = MAPPER.readTree(payload);
      if (tree == null || !tree.isObject()) {
        return OptionalLong.empty();
      }
      JsonNode time = tree.get(dataset.eventTimeField());
      if (time == null || !time.isIntegralNumber() || !time.canConvertToLong()) {
        return OptionalLong.empty();
      }
      long millis = time.longValue();
      return isPlausibleEpochMillis(millis) ? OptionalLong.of(millis) : OptionalLong.empty();
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  /** Whether a number can be an epoch-millisecond time of a device reading. */
  public static boolean isPlausibleEpochMillis(long millis) {
    return millis >= 0 && millis < MAX_PLAUSIBLE_EPOCH_MS;
  }
}
