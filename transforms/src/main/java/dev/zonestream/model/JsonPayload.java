package dev.zonestream.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
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

/**
 * What can be told about a raw message payload without interpreting its dataset's rules, and the
 * limits every JSON reader of the job applies.
 *
 * <p><b>Limits.</b> Each reader accepts at least what the step before it accepted, so that no
 * message that passed one step can stop a later one: landing checks a payload with {@link
 * #PAYLOAD_LIMITS}; the trusted zone parses it with the same ones (after {@code --maxPayloadBytes}
 * has turned larger payloads away); a landing line, which holds its payload one level deeper and a
 * base64 payload or a key as strings of any length, is read back with {@link #LANDING_LINE_LIMITS};
 * the zone records' coder reads strings of any length (see {@link JsonRecordCoder}). Jackson 2.15
 * has no limit on names or on a document's length (2.16 adds both); the job's bound on a document
 * is {@code --maxPayloadBytes}.
 */
public final class JsonPayload {
  /**
   * What a payload may hold: nesting to 1,000 levels and numbers of up to 1,000 characters
   * (Jackson's defaults, stated so that every reader here applies the same whatever another library
   * sets as the process-wide default), strings of any length: the payload's size is bounded before
   * it is parsed into a tree.
   */
  public static final StreamReadConstraints PAYLOAD_LIMITS =
      StreamReadConstraints.builder()
          .maxNestingDepth(1000)
          .maxNumberLength(1000)
          .maxStringLength(Integer.MAX_VALUE)
          .build();

  /**
   * What a landing line may hold: its payload, one level below the line's own object, under {@link
   * #PAYLOAD_LIMITS}, and strings of any length (a base64 payload is 4/3 of the payload's size).
   */
  public static final StreamReadConstraints LANDING_LINE_LIMITS =
      PAYLOAD_LIMITS.rebuild().maxNestingDepth(PAYLOAD_LIMITS.getMaxNestingDepth() + 1).build();

  /**
   * The shared, thread-safe mapper: strict JSON, nothing after the value, {@link #PAYLOAD_LIMITS}.
   */
  public static final ObjectMapper MAPPER = mapper(PAYLOAD_LIMITS);

  /** For reading landing lines back: {@link #LANDING_LINE_LIMITS}. */
  public static final ObjectMapper LANDING_LINE_MAPPER = mapper(LANDING_LINE_LIMITS);

  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private static ObjectMapper mapper(StreamReadConstraints limits) {
    return new ObjectMapper(JsonFactory.builder().streamReadConstraints(limits).build())
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

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

  /**
   * Reads the payload once into a tree, with the same reasons as {@link #problem}, and one more: an
   * object that holds a name twice is ambiguous (readers differ on which value wins), so it is no
   * value here ({@code "ambiguous JSON: duplicate field 'x'"}).
   */
  public static Parsed parse(byte[] payload) {
    Optional<String> encoding = encodingProblem(payload);
    if (encoding.isPresent()) {
      return new Parsed(null, encoding.get());
    }
    try (JsonParser parser = FACTORY.createParser(payload)) {
      parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
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

  /** How Jackson's duplicate detection begins its message: {@code Duplicate field 'x'}. */
  private static final String DUPLICATE = "Duplicate field";

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
    String message =
        e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
    if (e instanceof JsonParseException && message != null && message.startsWith(DUPLICATE)) {
      return "ambiguous JSON: duplicate field" + message.substring(DUPLICATE.length());
    }
    return "not JSON: " + message;
  }

  /**
   * One JSON value's text without the whitespace between its tokens, every other character kept as
   * it is (numbers, escapes, the order and repetition of names): for a payload that spans several
   * lines. {@code json} must be one JSON value (see {@link #problem}).
   */
  public static String compact(String json) {
    StringBuilder out = new StringBuilder(json.length());
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        out.append(c);
        if (c == '\\') {
          out.append(json.charAt(++i));
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
        out.append(c);
      } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * The payload's event time for this dataset, when the payload is one JSON object whose event-time
   * field is an integral number of plausible epoch milliseconds (the last, if the name repeats).
   * Reads tokens without building a tree, so a line of megabytes costs no more than its bytes.
   */
  public static OptionalLong eventTime(byte[] payload, Dataset dataset) {
    return eventTime(payload, dataset.eventTimeField());
  }

  /** As {@link #eventTime(byte[], Dataset)}, for the event-time field {@code field}. */
  public static OptionalLong eventTime(byte[] payload, String field) {
    try (JsonParser parser = FACTORY.createParser(payload)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return OptionalLong.empty();
      }
      OptionalLong time = OptionalLong.empty();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        boolean wanted = field.equals(parser.currentName());
        JsonToken value = parser.nextToken();
        if (wanted) {
          time =
              value == JsonToken.VALUE_NUMBER_INT
                      && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                      && isPlausibleEpochMillis(parser.getLongValue())
                  ? OptionalLong.of(parser.getLongValue())
                  : OptionalLong.empty();
        } else {
          parser.skipChildren();
        }
      }
      return parser.nextToken() == null ? time : OptionalLong.empty();
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  /** Whether a number can be an epoch-millisecond time of a device reading. */
  public static boolean isPlausibleEpochMillis(long millis) {
    return millis >= 0 && millis < MAX_PLAUSIBLE_EPOCH_MS;
  }
}
