package dev.zonestream.landing;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zonestream.lake.LandedFile;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.EnvelopeCoder;
import dev.zonestream.model.SourceKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class LandWindowedFilesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** 2023-08-06T18:57:00Z, the start of a one-minute window. */
  private static final long T0 = 1_691_348_220_000L;

  @TempDir Path lake;

  private static Envelope message(String dataset, long brokerTime, String payload) {
    return message(dataset, brokerTime, payload.getBytes(StandardCharsets.UTF_8));
  }

  private static Envelope message(String dataset, long brokerTime, byte[] payload) {
    return new Envelope(
        dataset,
        SourceKind.KAFKA,
        "stedi." + dataset,
        "0",
        Long.toString(brokerTime),
        brokerTime,
        brokerTime + 5,
        payload);
  }

  private static TimestampedValue<Envelope> at(Envelope e) {
    return TimestampedValue.of(e, new Instant(e.brokerTimestamp()));
  }

  private String file(String dataset, String start, String end, int pane, String suffix) {
    return lake
        + "/"
        + dataset
        + "/dt=2023-08-06/hr=18/"
        // Without a leading '_': Spark, Hive and Athena skip such files.
        + dataset.replaceFirst("^_+", "")
        + "-"
        + start
        + "-"
        + end
        + "-"
        + pane
        + "-00000-of-00001.jsonl"
        + suffix;
  }

  private static List<JsonNode> readLines(String path) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(Path.of(path));
        InputStream in = path.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        lines.add(MAPPER.readTree(line));
      }
    }
    return lines;
  }

  private static List<String> payloadEmails(String path) throws IOException {
    return readLines(path).stream().map(n -> n.get("payload").get("email").asText()).toList();
  }

  @Test
  void landsEachWindowOnTimeThenLateDataAsAFurtherPaneAndDropsOnlyTheTooLate(TestPipeline pipeline)
      throws Exception {
    Envelope first = message("customer", T0, "{\"email\":\"first@test.com\"}");
    Envelope lastMillisecond = message("customer", T0 + 59_999, "{\"email\":\"last-ms@test.com\"}");
    Envelope nextWindow = message("customer", T0 + 60_000, "{\"email\":\"next@test.com\"}");
    Envelope binary = message("accelerometer", T0 + 1_000, new byte[] {(byte) 0xff, 0, 1});
    Envelope unrouted = message("_unrouted", T0 + 2_000, "{\"deviceId\":\"t1\"}");
    Envelope lateButAllowed = message("customer", T0 + 30_000, "{\"email\":\"late@test.com\"}");
    Envelope tooLate = message("customer", T0 + 10_000, "{\"email\":\"too-late@test.com\"}");

    TestStream<Envelope> stream =
        TestStream.create(EnvelopeCoder.of())
            .advanceWatermarkTo(new Instant(T0))
            .addElements(at(first), at(lastMillisecond), at(nextWindow), at(binary), at(unrouted))
            .advanceWatermarkTo(new Instant(T0 + 61_000))
            .addElements(at(lateButAllowed))
            .advanceWatermarkTo(new Instant(T0 + 60_000 + Duration.standardMinutes(11).getMillis()))
            .addElements(at(tooLate))
            .advanceWatermarkToInfinity();

    PCollectionTuple output =
        pipeline
            .apply(stream)
            .apply(
                LandWindowedFiles.create()
                    .to(lake.toString())
                    .withWindow(Duration.standardMinutes(1))
                    .withAllowedLateness(Duration.standardMinutes(10)));
    PCollection<LandedFile> landed = output.get(LandWindowedFiles.FILES);
    // What trusted is built from: exactly the messages in final files, as they were sent.
    PAssert.that(output.get(LandWindowedFiles.MESSAGES))
        .containsInAnyOrder(first, lastMillisecond, nextWindow, binary, unrouted, lateButAllowed);

    String w1 = "20230806T185700Z";
    String w2 = "20230806T185800Z";
    String w3 = "20230806T185900Z";
    PAssert.that(landed)
        .containsInAnyOrder(
            new LandedFile("customer", file("customer", w1, w2, 0, ".gz"), 2),
            new LandedFile("customer", file("customer", w1, w2, 1, ".gz"), 1),
            new LandedFile("customer", file("customer", w2, w3, 0, ".gz"), 1),
            new LandedFile("accelerometer", file("accelerometer", w1, w2, 0, ".gz"), 1),
            new LandedFile("_unrouted", file("_unrouted", w1, w2, 0, ".gz"), 1));
    pipeline.run().waitUntilFinish();

    assertThat(
        payloadEmails(file("customer", w1, w2, 0, ".gz")),
        containsInAnyOrder("first@test.com", "last-ms@test.com"));
    assertThat(
        payloadEmails(file("customer", w1, w2, 1, ".gz")), containsInAnyOrder("late@test.com"));
    assertThat(
        payloadEmails(file("customer", w2, w3, 0, ".gz")), containsInAnyOrder("next@test.com"));
    JsonNode kept = readLines(file("accelerometer", w1, w2, 0, ".gz")).get(0);
    assertThat(kept.get("payloadBase64").asText(), equalTo("/wAB"));
    assertThat(kept.get("payloadError").asText(), equalTo("not UTF-8"));
    try (Stream<Path> all = Files.walk(lake)) {
      long tooLateFiles =
          all.filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".gz"))
              .filter(p -> uncheckedRead(p).contains("too-late@test.com"))
              .count();
      assertThat(tooLateFiles, equalTo(0L));
    }
  }

  @Test
  void boundedInputWritesPlainJsonLinesWhenGzipIsOff(TestPipeline pipeline) throws Exception {
    Envelope a =
        message("step_trainer", T0 + 5, "{\"serialNumber\":\"s\",\"sensorReadingTime\":1}");
    Envelope b =
        message("step_trainer", T0 + 6, "{\"serialNumber\":\"s\",\"sensorReadingTime\":2}");

    PCollection<LandedFile> landed =
        pipeline
            .apply(Create.timestamped(at(a), at(b)).withCoder(EnvelopeCoder.of()))
            .apply(
                LandWindowedFiles.create()
                    .to(lake.toString())
                    .withCompression(Compression.UNCOMPRESSED)
                    .withShards(1))
            .get(LandWindowedFiles.FILES);

    String path = file("step_trainer", "20230806T185700Z", "20230806T185800Z", 0, "");
    PAssert.that(landed).containsInAnyOrder(new LandedFile("step_trainer", path, 2));
    pipeline.run().waitUntilFinish();

    List<JsonNode> lines = readLines(path);
    assertThat(
        lines.stream().map(n -> n.get("payload").get("sensorReadingTime").asLong()).toList(),
        containsInAnyOrder(1L, 2L));
    assertThat(lines.get(0).get("sourceKind").asText(), equalTo("kafka"));
  }

  @Test
  void rejectsSettingsThatCannotWork() {
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> LandWindowedFiles.create().withWindow(Duration.ZERO))
            .getMessage(),
        containsString("window length must be positive"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> LandWindowedFiles.create().withShards(0))
            .getMessage(),
        containsString("shard count"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> LandWindowedFiles.create().withCompression(Compression.ZSTD))
            .getMessage(),
        containsString("gzip or uncompressed"));
  }

  private static String uncheckedRead(Path gz) {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void twoRunsOfDifferentMessagesInOneWindowKeepBothWhenEachNamesItsFiles() throws Exception {
    List<String> emails = new ArrayList<>();
    for (String run : List.of("run-1", "run-2")) {
      Envelope message = message("customer", T0 + 1_000, "{\"email\":\"" + run + "@test.com\"}");
      org.apache.beam.sdk.Pipeline pipeline = org.apache.beam.sdk.Pipeline.create();
      pipeline
          .apply(Create.timestamped(List.of(at(message))).withCoder(EnvelopeCoder.of()))
          .apply(LandWindowedFiles.create().to(lake.toString()).withRunId(run));
      pipeline.run().waitUntilFinish();
    }
    try (Stream<Path> files = Files.walk(lake)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".jsonl.gz")).toList()) {
        assertThat(file.getFileName().toString(), containsString("-of-00001-run-"));
        emails.addAll(payloadEmails(file.toString()));
      }
    }

    assertThat(emails, containsInAnyOrder("run-1@test.com", "run-2@test.com"));
  }

  @Test
  void aRunIdIsLettersDigitsAndDashes() {
    assertThrows(
        IllegalArgumentException.class, () -> LandWindowedFiles.create().withRunId("../x"));
  }
}
