package dev.zonestream.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.zonestream.model.Envelope;
import dev.zonestream.model.LandingLine;
import dev.zonestream.model.SourceKind;
import dev.zonestream.trusted.Messages;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class ReadLandingZoneTest {
  @TempDir Path landing;

  @Test
  void readsFinalLandingFilesBackIntoTheEnvelopesTheyWereWrittenFrom(TestPipeline pipeline)
      throws Exception {
    Envelope json =
        new Envelope(
            "customer",
            SourceKind.KAFKA,
            "stedi.customer",
            "1",
            "41",
            1_691_348_231_425L,
            7L,
            "{\"email\":\"a@test.com\"}".getBytes(StandardCharsets.UTF_8),
            "device-1".getBytes(StandardCharsets.UTF_8));
    Envelope binary =
        new Envelope(
            "accelerometer",
            SourceKind.FILES,
            "/in/accelerometer/a.json",
            null,
            "3",
            1_691_348_231_000L,
            8L,
            new byte[] {(byte) 0xff, 0, 1});
    Path folder = Files.createDirectories(landing.resolve("customer/dt=2023-08-06/hr=18"));
    try (OutputStream out =
        new GZIPOutputStream(
            Files.newOutputStream(folder.resolve("customer-x-0-00000-of-00001.jsonl.gz")))) {
      out.write(
          (LandingLine.of(json).json() + "\n" + LandingLine.of(binary).json() + "\n")
              .getBytes(StandardCharsets.UTF_8));
      out.write("{\"truncated\": \n".getBytes(StandardCharsets.UTF_8));
    }
    // A running writer's temporary file is not landed yet.
    Path temp = Files.createDirectories(landing.resolve(".temp-beam-1"));
    Files.writeString(temp.resolve("x.jsonl"), LandingLine.of(json).json() + "\n");

    PCollection<Envelope> read = pipeline.apply(ReadLandingZone.create().from(landing.toString()));

    PCollection<String> described =
        read.apply(
            MapElements.into(TypeDescriptors.strings())
                .via(
                    e ->
                        e.dataset()
                            + " "
                            + new String(e.payload(), StandardCharsets.UTF_8).strip()));
    PAssert.that(described)
        .containsInAnyOrder(
            "customer {\"email\":\"a@test.com\"}",
            "accelerometer " + new String(binary.payload(), StandardCharsets.UTF_8).strip(),
            "_unrouted {\"truncated\":");
    PAssert.that(
            read.apply(
                    "LandingRecords", Filter.by((Envelope e) -> !e.dataset().equals("_unrouted")))
                .apply(
                    "Describe",
                    MapElements.into(TypeDescriptors.strings()).via(Envelope::toString)))
        .containsInAnyOrder(json.toString(), binary.toString());
    pipeline.run().waitUntilFinish();
  }

  @Test
  void aPayloadAtTheParsersNestingLimitReadsBackFromItsLandingLine() {
    String deep = "[".repeat(1000) + "]".repeat(1000);
    Envelope message = Messages.of("accelerometer", deep);
    String line = LandingLine.of(message).json();
    assertThat("the payload landed as JSON, not base64", line.contains(deep), is(true));

    Envelope read =
        dev.zonestream.model.LandingLine.toEnvelope(
            line.getBytes(StandardCharsets.UTF_8), "/lake/landing/x.jsonl.gz", 1);

    assertThat(read.dataset(), is("accelerometer"));
    assertThat(read.brokerTimestamp(), is(message.brokerTimestamp()));
    assertThat(new String(read.payload(), StandardCharsets.UTF_8), is(deep));
  }

  @Test
  void aBrokerTimeOutsideTheRunnersRangeBecomesATimestampWithinIt() {
    // A producer's clock (a CreateTime topic) or an edited line can say year 292278994.
    assertThat(
        ReadLandingZone.ParseLandingLinesFn.elementTimestamp(Long.MAX_VALUE),
        is(GlobalWindow.INSTANCE.maxTimestamp()));
    assertThat(
        ReadLandingZone.ParseLandingLinesFn.elementTimestamp(Long.MIN_VALUE),
        is(BoundedWindow.TIMESTAMP_MIN_VALUE));
    assertThat(
        ReadLandingZone.ParseLandingLinesFn.elementTimestamp(1_691_280_000_000L),
        is(new Instant(1_691_280_000_000L)));
  }
}
