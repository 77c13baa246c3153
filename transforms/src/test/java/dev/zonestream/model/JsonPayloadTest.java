package dev.zonestream.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.core.StreamReadConstraints;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The limits at their boundaries: what landing accepts ({@link JsonPayload#problem}) the trusted
 * zone parses ({@link JsonPayload#parse}) or rejects with a reason, never with an exception.
 */
class JsonPayloadTest {
  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  @Test
  void nestingTo1000LevelsIsJsonAnd1001IsNot() {
    for (int depth : new int[] {999, 1000}) {
      assertThat(JsonPayload.problem(utf8(nested(depth))), equalTo(Optional.empty()));
      assertThat(JsonPayload.parse(utf8(nested(depth))).problem(), nullValue());
    }
    for (int depth : new int[] {1001, 10_000}) {
      assertThat(
          JsonPayload.problem(utf8(nested(depth))).orElseThrow(),
          startsWith("not JSON: Depth (1001) exceeds the maximum allowed nesting depth (1000)"));
      assertThat(
          JsonPayload.parse(utf8(nested(depth))).problem(),
          equalTo(JsonPayload.problem(utf8(nested(depth))).orElseThrow()));
    }
  }

  @Test
  void numbersOfUpTo1000CharactersAreJson() {
    String digits = "7".repeat(1000);
    assertThat(JsonPayload.problem(utf8("{\"x\":" + digits + "}")), equalTo(Optional.empty()));
    assertThat(
        JsonPayload.parse(utf8("{\"x\":" + digits + "}")).value().get("x").bigIntegerValue(),
        equalTo(new java.math.BigInteger(digits)));
    for (String number : new String[] {"7".repeat(1001), "7".repeat(10_000), "0." + digits}) {
      String payload = "{\"x\":" + number + "}";
      assertThat(
          JsonPayload.problem(utf8(payload)).orElseThrow(), startsWith("not JSON: Number length"));
      assertThat(JsonPayload.parse(utf8(payload)).problem(), startsWith("not JSON: Number length"));
    }
  }

  @Test
  void aStringLongerThanJacksonsDefaultLimitParses() {
    // Jackson's default would refuse 20,000,001 characters when building the tree, though landing's
    // check (which skips strings) let it through: strings here have no limit of their own; the
    // payload's size (--maxPayloadBytes) bounds what is parsed.
    int length = StreamReadConstraints.DEFAULT_MAX_STRING_LEN + 1;
    byte[] payload = utf8("{\"s\":\"" + "s".repeat(length) + "\"}");

    assertThat(JsonPayload.problem(payload), equalTo(Optional.empty()));
    JsonPayload.Parsed parsed = JsonPayload.parse(payload);
    assertThat(parsed.problem(), nullValue());
    assertThat(parsed.value().get("s").asText().length(), equalTo(length));
  }

  @Test
  void aRepeatedNameIsJsonToLandingButAmbiguousToTheTrustedZone() {
    byte[] payload = utf8("{\"x\":1,\"y\":{\"a\":1},\"x\":2}");

    assertThat(JsonPayload.problem(payload), equalTo(Optional.empty()));
    assertThat(
        JsonPayload.parse(payload).problem(), equalTo("ambiguous JSON: duplicate field 'x'"));
    assertThat(
        JsonPayload.parse(utf8("{\"y\":{\"a\":1,\"a\":1}}")).problem(),
        equalTo("ambiguous JSON: duplicate field 'a'"));
  }

  @Test
  void compactingDropsOnlyTheWhitespaceBetweenTokens() {
    String pretty = "{\r\n  \"x\" : 1e400 ,\n\t\"x\":\"a \\\" b\\\\\",\n \"s\": \" in  string \" }";

    assertThat(
        JsonPayload.compact(pretty),
        equalTo("{\"x\":1e400,\"x\":\"a \\\" b\\\\\",\"s\":\" in  string \"}"));
  }

  @Test
  void eventTimeIsReadWithoutATreeAndOnlyFromOneValidObject() {
    String time = "\"timestamp\":1691280000000";
    assertThat(
        JsonPayload.eventTime(
            utf8("{\"big\":\"" + "b".repeat(3 << 20) + "\"," + time + "}"), Dataset.ACCELEROMETER),
        equalTo(OptionalLong.of(1_691_280_000_000L)));
    assertThat(
        JsonPayload.eventTime(utf8("{" + time + "} trailing"), Dataset.ACCELEROMETER),
        equalTo(OptionalLong.empty()));
    assertThat(
        JsonPayload.eventTime(utf8("{\"timestamp\":9223372036854775808}"), Dataset.ACCELEROMETER),
        equalTo(OptionalLong.empty()));
    assertThat(
        JsonPayload.eventTime(utf8("{\"timestamp\":-1}"), Dataset.ACCELEROMETER),
        equalTo(OptionalLong.empty()));
    assertThat(
        JsonPayload.eventTime(utf8("{\"timestamp\":\"1691280000000\"}"), Dataset.ACCELEROMETER),
        equalTo(OptionalLong.empty()));
  }

  @Test
  void eachReaderAcceptsWhatTheReaderBeforeItAccepted() {
    StreamReadConstraints payload = JsonPayload.PAYLOAD_LIMITS;
    StreamReadConstraints landingLine =
        JsonPayload.LANDING_LINE_MAPPER.getFactory().streamReadConstraints();
    StreamReadConstraints records = JsonRecordCoder.MAPPER.getFactory().streamReadConstraints();

    assertThat(
        JsonPayload.MAPPER.getFactory().streamReadConstraints().getMaxNestingDepth(),
        is(payload.getMaxNestingDepth()));
    // A landing line holds its payload one level down, and a base64 payload of any size.
    assertThat(landingLine.getMaxNestingDepth(), is(payload.getMaxNestingDepth() + 1));
    assertThat(
        landingLine.getMaxNumberLength(), greaterThanOrEqualTo(payload.getMaxNumberLength()));
    assertThat(landingLine.getMaxStringLength(), is(Integer.MAX_VALUE));
    // A record's strings are a payload's strings.
    assertThat(records.getMaxStringLength(), greaterThanOrEqualTo(payload.getMaxStringLength()));
  }
}
