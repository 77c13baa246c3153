package dev.zonestream.ingest;

import dev.zonestream.landing.LandingLine;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.SourceKind;
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
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
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
    Envelope message =
        new Envelope(
            "accelerometer",
            SourceKind.KAFKA,
            "stedi.accelerometer",
            "0",
            "5",
            1_691_348_231_425L,
            7L,
            deep.getBytes(StandardCharsets.UTF_8));
    String line = LandingLine.of(message).json();
    org.hamcrest.MatcherAssert.assertThat(
        "the payload landed as JSON, not base64",
        line.contains(deep),
        org.hamcrest.Matchers.is(true));

    Envelope read =
        ReadLandingZone.ParseLandingLinesFn.toEnvelope(
            line.getBytes(StandardCharsets.UTF_8), "/lake/landing/x.jsonl.gz", 1);

    org.hamcrest.MatcherAssert.assertThat(
        read.dataset(), org.hamcrest.Matchers.is("accelerometer"));
    org.hamcrest.MatcherAssert.assertThat(
        read.brokerTimestamp(), org.hamcrest.Matchers.is(1_691_348_231_425L));
    org.hamcrest.MatcherAssert.assertThat(
        new String(read.payload(), StandardCharsets.UTF_8), org.hamcrest.Matchers.is(deep));
  }
}
