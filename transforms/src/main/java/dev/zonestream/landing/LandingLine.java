package dev.zonestream.landing;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.model.SourceKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
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
   * Reads a landing line back into the envelope it was written from (the inverse of {@link #of}):
   * dataset, source coordinates, broker and ingest times, key, and the payload (a JSON payload as
   * the text of its value, a base64 one as its original bytes). A line that is not a landing record
   * (hand-edited, truncated) becomes an envelope of {@link Dataset#UNROUTED_FOLDER} whose payload
   * is the line, so the trusted zone rejects it with a reason instead of losing it.
   *
   * @param path the file the line was read from (the unrouted envelope's source)
   * @param lineNumber its 1-based line number (the unrouted envelope's offset)
   */
  public static Envelope toEnvelope(byte[] line, String path, long lineNumber) {
    try {
      JsonNode json = JsonPayload.LANDING_LINE_MAPPER.readTree(line);
      byte[] payload =
          json.has(Fields.PAYLOAD)
              ? json.get(Fields.PAYLOAD).toString().getBytes(StandardCharsets.UTF_8)
              : Base64.getDecoder().decode(json.get(Fields.PAYLOAD_BASE64).asText());
      JsonNode partition = json.get(Fields.PARTITION);
      byte[] key =
          json.has(Fields.KEY)
              ? json.get(Fields.KEY).asText().getBytes(StandardCharsets.UTF_8)
              : json.has(Fields.KEY_BASE64)
                  ? Base64.getDecoder().decode(json.get(Fields.KEY_BASE64).asText())
                  : null;
      return new Envelope(
          json.get(Fields.DATASET).asText(),
          SourceKind.valueOf(json.get(Fields.SOURCE_KIND).asText().toUpperCase(Locale.ROOT)),
          json.get(Fields.SOURCE).asText(),
          partition == null ? null : partition.asText(),
          json.get(Fields.OFFSET).asText(),
          json.get(Fields.BROKER_TIMESTAMP).asLong(),
          json.get(Fields.INGEST_TIME).asLong(),
          payload,
          key);
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
    if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
      json.writeRawValue(text.strip());
    } else {
      JsonNode tree = JsonPayload.MAPPER.readTree(payload);
      json.writeTree(tree);
    }
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
