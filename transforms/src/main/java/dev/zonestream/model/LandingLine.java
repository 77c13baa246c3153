package dev.zonestream.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One landing-zone line: a message's metadata and its payload, as one JSON object.
 *
 * <p>A payload that is one UTF-8 JSON value is embedded as that value, byte for byte (re-serialised
 * compactly only when it spans several lines, which JSON Lines cannot hold). Any other payload is
 * kept as {@code payloadBase64} with the reason in {@code payloadError}, so nothing is lost. A
 * message key is kept as {@code key} (UTF-8 text) or {@code keyBase64}.
 *
 * @param dataset the folder this line lands under
 * @param json the line, without its newline
 * @param payloadError why the payload is not JSON, or {@code null} when it is
 */
@DefaultCoder(LandingLine.LandingLineCoder.class)
public record LandingLine(String dataset, String json, @Nullable String payloadError) {

  /** Field names of a landing line, read back by the trusted zone and by backfill. */
  public static final class Fields {
    public static final String DATASET = "dataset";
    public static final String SOURCE_KIND = "sourceKind";
    public static final String SOURCE = "source";
    public static final String PARTITION = "partition";
    public static final String OFFSET = "offset";
    public static final String BROKER_TIMESTAMP = "brokerTimestamp";
    public static final String INGEST_TIME = "ingestTime";
    public static final String PAYLOAD = "payload";
    public static final String PAYLOAD_BASE64 = "payloadBase64";
    public static final String PAYLOAD_ERROR = "payloadError";
    public static final String KEY = "key";
    public static final String KEY_BASE64 = "keyBase64";

    private Fields() {}
  }

  /** Formats one envelope. */
  public static LandingLine of(Envelope envelope) {
    Optional<String> problem = JsonPayload.problem(envelope.payload());
    StringWriter out = new StringWriter(envelope.payload().length + 200);
    try (JsonGenerator json = JsonPayload.MAPPER.getFactory().createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField(Fields.DATASET, envelope.dataset());
      json.writeStringField(Fields.SOURCE_KIND, envelope.sourceKind().label());
      json.writeStringField(Fields.SOURCE, envelope.source());
      if (envelope.partition() != null) {
        json.writeStringField(Fields.PARTITION, envelope.partition());
      }
      json.writeStringField(Fields.OFFSET, envelope.offset());
      json.writeNumberField(Fields.BROKER_TIMESTAMP, envelope.brokerTimestamp());
      json.writeNumberField(Fields.INGEST_TIME, envelope.ingestTime());
      writeKey(json, envelope.key());
      if (problem.isEmpty()) {
        json.writeFieldName(Fields.PAYLOAD);
        writePayload(json, envelope.payload());
      } else {
        json.writeStringField(
            Fields.PAYLOAD_BASE64, Base64.getEncoder().encodeToString(envelope.payload()));
        json.writeStringField(Fields.PAYLOAD_ERROR, problem.get());
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot format landing line for " + envelope, e);
    }
    return new LandingLine(envelope.dataset(), out.toString(), problem.orElse(null));
  }

  /** A key that is UTF-8 text is written as a string, any other as base64. */
  private static void writeKey(JsonGenerator json, byte @Nullable [] key) throws IOException {
    if (key == null) {
      return;
    }
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(key))
              .toString();
      json.writeStringField(Fields.KEY, text);
    } catch (CharacterCodingException e) {
      json.writeStringField(Fields.KEY_BASE64, Base64.getEncoder().encodeToString(key));
    }
  }

  /**
   * Reads a landing line back into the envelope it was written from (see {@link #parse}). A line
   * that is not a landing record (hand-edited, truncated) becomes an envelope of {@link
   * Dataset#UNROUTED_FOLDER} whose payload is the line, so the trusted zone rejects it with a
   * reason instead of losing it.
   *
   * @param path the file the line was read from (the unrouted envelope's source)
   * @param lineNumber its 1-based line number (the unrouted envelope's offset)
   */
  public static Envelope toEnvelope(byte[] line, String path, long lineNumber) {
    try {
      return parse(line);
    } catch (IOException | RuntimeException e) {
      return new Envelope(
          Dataset.UNROUTED_FOLDER,
          SourceKind.FILES,
          path,
          null,
          Long.toString(lineNumber),
          0L,
          System.currentTimeMillis(),
          line);
    }
  }

  private static void writePayload(JsonGenerator json, byte[] payload) throws IOException {
    String text = new String(payload, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1); // a byte-order mark is not part of the value
    }
    // JSON Lines cannot hold a line break: a value spread over lines loses the whitespace between
    // its tokens, nothing else (a tree would re-format numbers and drop repeated names).
    json.writeRawValue(
        text.indexOf('\n') < 0 && text.indexOf('\r') < 0
            ? text.strip()
            : JsonPayload.compact(text));
  }

  /**
   * The envelope a landing line was written from (the inverse of {@link #of}): its metadata, and
   * its payload as it landed: a JSON payload byte for byte as it stands in the line (the line is
   * not parsed into a tree, so nothing in the payload is re-formatted), a base64 one as its
   * original bytes. Reads with {@link JsonPayload#LANDING_LINE_LIMITS}, so any line {@link #of}
   * wrote reads back.
   *
   * @throws IOException when the line is not JSON
   * @throws IllegalArgumentException when it is JSON but no landing line (a field missing or of the
   *     wrong type)
   */
  public static Envelope parse(byte[] line) throws IOException {
    try (JsonParser parser = JsonPayload.LANDING_LINE_MAPPER.getFactory().createParser(line)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("a landing line is one JSON object");
      }
      Map<String, String> text = new HashMap<>();
      Map<String, Long> numbers = new HashMap<>();
      byte[] payload = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals(Fields.PAYLOAD)) {
          int start = (int) parser.getTokenLocation().getByteOffset();
          parser.skipChildren();
          parser.finishToken();
          int end = (int) parser.getCurrentLocation().getByteOffset();
          payload = Arrays.copyOfRange(line, start, end);
        } else if (value == JsonToken.VALUE_STRING) {
          text.put(name, parser.getText());
        } else if (value == JsonToken.VALUE_NUMBER_INT) {
          numbers.put(name, parser.getLongValue());
        } else {
          parser.skipChildren();
        }
      }
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException("more than one value on a landing line");
      }
      if (payload == null) {
        payload = Base64.getDecoder().decode(required(text, Fields.PAYLOAD_BASE64));
      }
      String key = text.get(Fields.KEY);
      String keyBase64 = text.get(Fields.KEY_BASE64);
      return new Envelope(
          required(text, Fields.DATASET),
          SourceKind.valueOf(required(text, Fields.SOURCE_KIND).toUpperCase(Locale.ROOT)),
          required(text, Fields.SOURCE),
          text.get(Fields.PARTITION),
          required(text, Fields.OFFSET),
          required(numbers, Fields.BROKER_TIMESTAMP),
          required(numbers, Fields.INGEST_TIME),
          payload,
          key != null
              ? key.getBytes(StandardCharsets.UTF_8)
              : keyBase64 != null ? Base64.getDecoder().decode(keyBase64) : null);
    }
  }

  private static <T> T required(Map<String, T> fields, String name) {
    T value = fields.get(name);
    if (value == null) {
      throw new IllegalArgumentException("a landing line needs " + name);
    }
    return value;
  }

  /** Coder for {@link LandingLine}. */
  public static final class LandingLineCoder extends CustomCoder<LandingLine> {
    private static final LandingLineCoder INSTANCE = new LandingLineCoder();
    private static final Coder<String> STRING = StringUtf8Coder.of();
    private static final Coder<String> NULLABLE_STRING = NullableCoder.of(StringUtf8Coder.of());

    public static LandingLineCoder of() {
      return INSTANCE;
    }

    /** Lets {@code @DefaultCoder} find this coder for {@link LandingLine}. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(LandingLine.class), INSTANCE);
    }

    @Override
    public void encode(LandingLine value, OutputStream out) throws IOException {
      STRING.encode(value.dataset(), out);
      STRING.encode(value.json(), out);
      NULLABLE_STRING.encode(value.payloadError(), out);
    }

    @Override
    public LandingLine decode(InputStream in) throws IOException {
      return new LandingLine(STRING.decode(in), STRING.decode(in), NULLABLE_STRING.decode(in));
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of();
    }
  }
}
