package dev.zonestream.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
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
import org.checkerframework.checker.nullness.qual.Nullable;

/** What can be told about a raw message payload without interpreting its dataset's rules. */
public final class JsonPayload {
  /** The shared, thread-safe mapper: strict JSON, nothing after the value. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * For reading landing lines back (a backfill): a line holds its payload one level below its own
   * object, so it may nest one level deeper than {@link #MAPPER} accepted of the payload.
   */
  public static final ObjectMapper LANDING_LINE_MAPPER =
      new ObjectMapper(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(
                              MAPPER.getFactory().streamReadConstraints().getMaxNestingDepth() + 1)
                          .build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final JsonFactory FACTORY = MAPPER.getFactory();

  /** Event times outside [1970-01-01, 2100-01-01) are not plausible epoch milliseconds. */
  public static final long MAX_PLAUSIBLE_EPOCH_MS = 4_102_444_800_000L;

  private JsonPayload() {}

  /**
   * A payload read as JSON: its value, or why it is not one UTF-8 JSON value.
   *
   * @param value the JSON value, or {@code null} when there is a problem
   * @param problem a short reason such as {@code "not UTF-8"}, or {@code null}
   */
  public record Parsed(@Nullable JsonNode value, @Nullable String problem) {}

  /**
   * Why these bytes are not one UTF-8 JSON value, or empty when they are. Reads without building a
   * tree: for landing, which keeps the bytes as they are.
   *
   * @return a short reason such as {@code "not UTF-8"} or {@code "not JSON: Unexpected character"}
   */
  public static Optional<String> problem(byte[] payload) {
    Optional<String> encoding = encodingProblem(payload);
    if (encoding.isPresent()) {
      return encoding;
    }
    try (JsonParser parser = FACTORY.createParser(payload)) {
      if (parser.nextToken() == null) {
        return Optional.of(NO_VALUE);
      }
      parser.skipChildren();
      return parser.nextToken() == null ? Optional.empty() : Optional.of(MORE_THAN_ONE_VALUE);
    } catch (IOException e) {
      return Optional.of(notJson(e));
    }
  }

  /** Reads the payload once into a tree, with the same reasons as {@link #problem}. */
  public static Parsed parse(byte[] payload) {
    Optional<String> encoding = encodingProblem(payload);
    if (encoding.isPresent()) {
      return new Parsed(null, encoding.get());
    }
    try (JsonParser parser = FACTORY.createParser(payload)) {
      if (parser.nextToken() == null) {
        return new Parsed(null, NO_VALUE);
      }
      JsonNode value = MAPPER.readTree(parser);
      return parser.nextToken() == null
          ? new Parsed(value, null)
          : new Parsed(null, MORE_THAN_ONE_VALUE);
    } catch (IOException e) {
      return new Parsed(null, notJson(e));
    }
  }

  private static final String NO_VALUE = "not JSON: no value";
  private static final String MORE_THAN_ONE_VALUE = "not JSON: more than one value";

  private static Optional<String> encodingProblem(byte[] payload) {
    if (payload.length == 0) {
      return Optional.of("empty payload");
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(payload));
      return Optional.empty();
    } catch (CharacterCodingException e) {
      return Optional.of("not UTF-8");
    }
  }

  private static String notJson(IOException e) {
    return "not JSON: "
        + (e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage());
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
