package dev.zonestream.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/**
 * A record's unknown fields cross the record coder and reach its JSON row as {@code _extra}, in an
 * order of their own (so equal records code alike), and a record without them codes as before.
 */
class UnknownFieldsTest {
  @Test
  void recordsKeepTheirUnknownFieldsThroughTheCoderSortedByName() throws Exception {
    Map<String, String> payloadOrder = new LinkedHashMap<>();
    payloadOrder.put("firmware", "\"2.1\"");
    payloadOrder.put("battery", "87");
    AccelerometerReading reading =
        new AccelerometerReading("a@test.com", 1655564444000L, 1.0, -0.5, 0.0, payloadOrder);
    JsonRecordCoder<AccelerometerReading> coder = JsonRecordCoder.of(AccelerometerReading.class);

    byte[] coded = CoderUtils.encodeToByteArray(coder, reading);
    AccelerometerReading decoded = CoderUtils.decodeFromByteArray(coder, coded);

    assertThat(decoded, equalTo(reading));
    assertThat(
        JsonRecordCoder.MAPPER.writeValueAsString(reading),
        equalTo(
            "{\"user\":\"a@test.com\",\"timestamp\":1655564444000,\"x\":1.0,\"y\":-0.5,\"z\":0.0,"
                + "\"_extra\":{\"battery\":\"87\",\"firmware\":\"\\\"2.1\\\"\"}}"));
    Map<String, String> otherOrder = new LinkedHashMap<>();
    otherOrder.put("battery", "87");
    otherOrder.put("firmware", "\"2.1\"");
    assertThat(
        CoderUtils.encodeToByteArray(
            coder,
            new AccelerometerReading("a@test.com", 1655564444000L, 1.0, -0.5, 0.0, otherOrder)),
        equalTo(coded));
    assertThat(
        JsonRecordCoder.MAPPER.writeValueAsString(
            new AccelerometerReading("a@test.com", 1655564444000L, 1.0, -0.5, 0.0)),
        equalTo(
            "{\"user\":\"a@test.com\",\"timestamp\":1655564444000,\"x\":1.0,\"y\":-0.5,\"z\":0.0}"));
  }
}
