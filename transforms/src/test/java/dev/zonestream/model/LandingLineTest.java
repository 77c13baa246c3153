package dev.zonestream.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class LandingLineTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static Envelope kafka(byte[] payload) {
    return new Envelope(
        "accelerometer",
        SourceKind.KAFKA,
        "stedi.accelerometer",
        "1",
        "99",
        1_691_280_000_000L,
        1_691_280_000_500L,
        payload);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void validPayloadIsEmbeddedVerbatimWithItsMetadata() throws Exception {
    String payload =
        "{\"user\":\"a@test.com\",\"timestamp\":1691280000000,\"x\":1.50,\"y\":-0.0,\"z\":1e-3}";
    LandingLine line = LandingLine.of(kafka(utf8(payload)));

    assertThat(line.payloadError(), nullValue());
    assertThat(line.dataset(), equalTo("accelerometer"));
    assertThat(
        line.json(),
        equalTo(
            "{\"dataset\":\"accelerometer\",\"sourceKind\":\"kafka\",\"source\":\"stedi.accelerometer\","
                + "\"partition\":\"1\",\"offset\":\"99\",\"brokerTimestamp\":1691280000000,"
                + "\"ingestTime\":1691280000500,\"payload\":"
                + payload
                + "}"));
  }

  @Test
  void multiLinePayloadIsCompactedToOneLineWithTheSameValue() throws Exception {
    String payload = "{\n  \"user\": \"a@test.com\",\r\n  \"timestamp\": 1\n}";
    LandingLine line = LandingLine.of(kafka(utf8(payload)));

    assertThat(line.json().contains("\n"), is(false));
    assertThat(MAPPER.readTree(line.json()).get("payload"), equalTo(MAPPER.readTree(payload)));
  }

  @Test
  void malformedJsonIsKeptAsBase64WithTheReason() throws Exception {
    byte[] payload = utf8("{\"user\": \"a@test.com\", \"timestamp\": 16");
    LandingLine line = LandingLine.of(kafka(payload));

    JsonNode json = MAPPER.readTree(line.json());
    assertThat(json.has("payload"), is(false));
    assertThat(Base64.getDecoder().decode(json.get("payloadBase64").asText()), equalTo(payload));
    assertThat(json.get("payloadError").asText(), startsWith("not JSON"));
    assertThat(line.payloadError(), startsWith("not JSON"));
  }

  @Test
  void binaryPayloadIsKeptAsBase64AndFlaggedNotUtf8() throws Exception {
    byte[] payload = {(byte) 0xc3, (byte) 0x28, '{', '}', 0, (byte) 0xff};
    JsonNode json = MAPPER.readTree(LandingLine.of(kafka(payload)).json());

    assertThat(Base64.getDecoder().decode(json.get("payloadBase64").asText()), equalTo(payload));
    assertThat(json.get("payloadError").asText(), equalTo("not UTF-8"));
  }

  @Test
  void trailingGarbageAndEmptyPayloadsAreNotJson() throws Exception {
    assertThat(
        LandingLine.of(kafka(utf8("{} {}"))).payloadError(),
        equalTo("not JSON: more than one value"));
    assertThat(LandingLine.of(kafka(new byte[0])).payloadError(), equalTo("empty payload"));
  }

  @Test
  void fileMessagesHaveNoPartitionField() throws Exception {
    Envelope file =
        new Envelope(
            "customer", SourceKind.FILES, "/in/customer/a.json", null, "3", 5L, 6L, utf8("{}"));
    JsonNode json = MAPPER.readTree(LandingLine.of(file).json());

    assertThat(json.has("partition"), is(false));
    assertThat(json.get("sourceKind").asText(), equalTo("files"));
    assertThat(json.get("offset").asText(), equalTo("3"));
  }

  @Test
  void keyIsKeptAsTextOrBase64() throws Exception {
    Envelope textKey =
        new Envelope(
            "accelerometer",
            SourceKind.KAFKA,
            "t",
            "0",
            "1",
            5L,
            6L,
            utf8("{}"),
            utf8("device-42"));
    Envelope binaryKey =
        new Envelope(
            "accelerometer",
            SourceKind.KAFKA,
            "t",
            "0",
            "2",
            5L,
            6L,
            utf8("{}"),
            new byte[] {(byte) 0xfe});

    JsonNode text = MAPPER.readTree(LandingLine.of(textKey).json());
    JsonNode binary = MAPPER.readTree(LandingLine.of(binaryKey).json());

    assertThat(text.get("key").asText(), equalTo("device-42"));
    assertThat(binary.has("key"), is(false));
    assertThat(binary.get("keyBase64").asText(), equalTo("/g=="));
    assertThat(MAPPER.readTree(LandingLine.of(kafka(utf8("{}"))).json()).has("key"), is(false));
  }

  /** The envelope read back from {@code line}, its payload as text (base64 ones as bytes). */
  private static Envelope roundTrip(Envelope envelope) throws Exception {
    return LandingLine.parse(utf8(LandingLine.of(envelope).json()));
  }

  @Test
  void everyLineReadsBackIntoItsEnvelope() throws Exception {
    Envelope withKey =
        new Envelope(
            "customer",
            SourceKind.KAFKA,
            "stedi.customer",
            "2",
            "41",
            1_691_280_000_000L,
            7L,
            utf8("{\"email\":\"a@test.com\"}"),
            new byte[] {(byte) 0xfe, 1});
    Envelope file =
        new Envelope(
            "accelerometer", SourceKind.FILES, "/in/a.jsonl", null, "3", 1L, 2L, new byte[0]);

    assertThat(roundTrip(withKey), equalTo(withKey));
    assertThat(roundTrip(file), equalTo(file));
  }

  @Test
  void payloadsAtTheLimitsReadBackByteForByte() throws Exception {
    // Landing accepted each of these; reading its line back must not refuse it (the line nests
    // one level deeper, and holds a base64 payload as one string of 4/3 its size).
    String deep = "[".repeat(1000) + "]".repeat(1000);
    String longString = "{\"s\":\"" + "s".repeat(20_000_001) + "\"}";
    byte[] binary = new byte[16 << 20];
    Arrays.fill(binary, (byte) 0xff);
    String repeatedNames = "{\"x\":1e400,\"x\":0.10000000000000000000001,\"x\":\"\\ud800\"}";

    for (byte[] payload :
        new byte[][] {utf8(deep), utf8(longString), binary, utf8(repeatedNames)}) {
      Envelope read = roundTrip(kafka(payload));
      assertThat(Arrays.equals(read.payload(), payload), is(true));
    }
  }

  @Test
  void aPayloadOverSeveralLinesKeepsItsTokensExactly() throws Exception {
    String pretty = "{\n  \"x\": 1e400,\r\n  \"x\": 0.10000000000000000000001\n}";

    Envelope read = roundTrip(kafka(utf8(pretty)));

    // A tree would have written "Infinity" and 0.1, and kept one x.
    assertThat(
        new String(read.payload(), StandardCharsets.UTF_8),
        equalTo("{\"x\":1e400,\"x\":0.10000000000000000000001}"));
  }

  @Test
  void aLineThatIsNoLandingLineIsRefused() {
    for (String line : new String[] {"[1]", "{\"dataset\":\"customer\"}", "{\"truncated\": "}) {
      boolean refused;
      try {
        LandingLine.parse(utf8(line));
        refused = false;
      } catch (IOException | IllegalArgumentException e) {
        refused = true;
      }
      assertThat(line, refused, is(true));
    }
  }
}
