package dev.zonestream.trusted;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.Parsed;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class DeduplicateRecordsTest {
  private static final Coder<AccelerometerReading> CODER =
      JsonRecordCoder.of(AccelerometerReading.class);

  private static AccelerometerReading reading(int i) {
    return new AccelerometerReading(
        "user" + (i % 7) + "@test.com", 1_700_000_000_000L + i, i, 0, 0);
  }

  @Test
  void aStreamKeepsTheFirstOfEachRecordAndNoneAnEarlierJobKept() {
    TestPipeline pipeline = TestPipeline.create().enableAbandonedNodeEnforcement(false);
    Coder<Parsed<AccelerometerReading>> parsedCoder = Parsed.ParsedCoder.of(CODER);
    TestStream.Builder<Parsed<AccelerometerReading>> stream =
        TestStream.create(parsedCoder).advanceWatermarkTo(new Instant(0));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      // Each record twice (a redelivery: another message, the same record), records 0-99 a third
      // time much later; records 1900-1999 were kept by an earlier job.
      stream = stream.addElements(Messages.parsed(reading(i)), Messages.parsed(reading(i)));
      if (i < 1_900) {
        expected.add(reading(i).toString());
      }
    }
    for (int i = 0; i < 100; i++) {
      stream = stream.addElements(Messages.parsed(reading(i)));
    }
    List<AccelerometerReading> known = new ArrayList<>();
    for (int i = 1_900; i < 2_000; i++) {
      known.add(reading(i));
    }
    PCollection<String> kept =
        pipeline
            .apply(stream.advanceWatermarkToInfinity())
            .apply(
                DeduplicateRecords.of(CODER)
                    .withHorizon(Duration.standardHours(24))
                    .withKnown(pipeline.apply("Known", Create.of(known).withCoder(CODER))))
            .apply(MapElements.into(TypeDescriptors.strings()).via(p -> p.record().toString()));

    PAssert.that(kept).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void digestsAreKeptPerGenerationAndForgottenOnceTheHorizonPassedThem() throws Exception {
    SeenRecords seen = new SeenRecords();
    long hour = SeenRecords.GENERATION_MILLIS;
    long t0 = 1_000 * hour;
    for (int i = 0; i < 50_000; i++) {
      if (i == 25_000) {
        seen.rotate(t0 + hour, 24 * hour);
      }
      byte[] d = digest(i);
      assertThat(seen.add(d), equalTo(true));
    }
    assertThat(seen.size(), equalTo(50_000L));
    for (int i = 0; i < 50_000; i++) {
      byte[] d = digest(i);
      assertThat(seen.add(d), equalTo(false));
    }
    // A coded and decoded copy knows the same records.
    SeenRecords copy =
        CoderUtils.decodeFromByteArray(
            SeenRecords.SeenRecordsCoder.of(),
            CoderUtils.encodeToByteArray(SeenRecords.SeenRecordsCoder.of(), seen));
    assertThat(copy.size(), equalTo(50_000L));
    byte[] first = digest(0);
    assertThat(copy.add(first), equalTo(false));

    // The first generation ended at t0 + 1 h: 24 h later it is forgotten, the second is not.
    seen.rotate(t0 + 25 * hour - 1, 24 * hour);
    assertThat(seen.size(), equalTo(50_000L));
    seen.rotate(t0 + 25 * hour, 24 * hour);
    assertThat(seen.size(), equalTo(25_000L));
    assertThat(seen.add(first), equalTo(true));
    byte[] late = digest(30_000);
    assertThat(seen.add(late), equalTo(false));
  }

  private static byte[] digest(int i) {
    return SeenRecords.digest(("record " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
