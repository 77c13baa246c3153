package dev.zonestream.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

class EnvelopeCoderTest {
  private static final Envelope KAFKA =
      new Envelope(
          "customer",
          SourceKind.KAFKA,
          "stedi.customer",
          "2",
          "41",
          1_691_280_000_000L,
          1_691_280_000_123L,
          "{\"email\":\"a@test.com\"}".getBytes(StandardCharsets.UTF_8),
          "device-7".getBytes(StandardCharsets.UTF_8));
  private static final Envelope FILE_WITHOUT_PARTITION =
      new Envelope(
          "_unrouted",
          SourceKind.FILES,
          "/in/x/y.jsonl",
          null,
          "7",
          0L,
          5L,
          new byte[] {(byte) 0xff, 0, '\n'});

  @Test
  void roundTripsEveryField() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(EnvelopeCoder.of(), KAFKA);
    CoderProperties.coderDecodeEncodeEqual(EnvelopeCoder.of(), FILE_WITHOUT_PARTITION);
  }

  @Test
  void isDeterministicSoThatEqualMessagesGroupTogether() throws Exception {
    CoderProperties.coderDeterministic(EnvelopeCoder.of(), KAFKA, copy(KAFKA));
  }

  @Test
  void payloadBytesTakePartInEquality() {
    Envelope other =
        new Envelope(
            KAFKA.dataset(),
            KAFKA.sourceKind(),
            KAFKA.source(),
            KAFKA.partition(),
            KAFKA.offset(),
            KAFKA.brokerTimestamp(),
            KAFKA.ingestTime(),
            "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(KAFKA, equalTo(copy(KAFKA)));
    assertThat(KAFKA, not(equalTo(copy(KAFKA, null))));
    assertThat(KAFKA, not(equalTo(other)));
  }

  @Test
  void isFoundByDefaultCoderAnnotation() throws Exception {
    byte[] encoded = CoderUtils.encodeToByteArray(EnvelopeCoder.of(), KAFKA);
    assertThat(
        CoderUtils.decodeFromByteArray(
            CoderRegistry.createDefault().getCoder(Envelope.class), encoded),
        equalTo(KAFKA));
  }

  private static Envelope copy(Envelope e) {
    return copy(e, e.key() == null ? null : e.key().clone());
  }

  private static Envelope copy(Envelope e, byte[] key) {
    return new Envelope(
        e.dataset(),
        e.sourceKind(),
        e.source(),
        e.partition(),
        e.offset(),
        e.brokerTimestamp(),
        e.ingestTime(),
        e.payload().clone(),
        key);
  }
}
