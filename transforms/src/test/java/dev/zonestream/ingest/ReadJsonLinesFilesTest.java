package dev.zonestream.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.zonestream.model.Envelope;
import dev.zonestream.model.SourceKind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.hamcrest.Matchers;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class ReadJsonLinesFilesTest {
  private static final long MTIME = 1_690_000_000_000L;

  @TempDir Path input;

  private void write(String relative, byte[] bytes) throws IOException {
    Path file = input.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    Files.setLastModifiedTime(file, FileTime.fromMillis(MTIME));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** dataset | file relative to the input | line | element timestamp | payload as text. */
  static final class DescribeFn extends DoFn<Envelope, String> {
    private final String root;

    DescribeFn(String root) {
      this.root = root;
    }

    @ProcessElement
    public void process(
        @Element Envelope e, @Timestamp Instant timestamp, OutputReceiver<String> out) {
      if (e.sourceKind() != SourceKind.FILES
          || e.partition() != null
          || e.brokerTimestamp() != timestamp.getMillis()) {
        throw new AssertionError("unexpected metadata " + e);
      }
      out.output(
          String.join(
              "|",
              e.dataset(),
              e.source().substring(root.length()),
              e.offset(),
              Long.toString(timestamp.getMillis()),
              new String(e.payload(), StandardCharsets.ISO_8859_1)));
    }
  }

  @Test
  void readsEveryLineRoutedByFolderStampedWithEventTimeOrFileTime(TestPipeline pipeline)
      throws Exception {
    write(
        "customer/c.json",
        utf8(
            "{\"email\":\"a@test.com\",\"lastUpdateDate\":1655564376361}\r\n"
                + "\n"
                + "{\"email\":\"b@test.com\"}\n"
                + "{\"email\": broken\n"));
    try (OutputStream out =
        new GZIPOutputStream(
            Files.newOutputStream(
                Files.createDirectories(input.resolve("step_trainer")).resolve("s.json.gz")))) {
      out.write(utf8("{\"sensorReadingTime\":1655564444444,\"serialNumber\":\"x\"}\n"));
    }
    Files.setLastModifiedTime(input.resolve("step_trainer/s.json.gz"), FileTime.fromMillis(MTIME));
    write(
        "accelerometer/2022/a.json",
        utf8("{\"user\":\"a@test.com\",\"timestamp\":99999999999999999}\n"));
    write("thermostat/t.json", utf8("{\"deviceId\":\"t1\",\"time\":1655564376361}\n"));
    write("README.md", utf8("# not messages\n"));
    write("customer/.hidden.json", utf8("{\"email\":\"hidden@test.com\"}\n"));
    write("_SUCCESS", new byte[0]);

    String root = input.toString() + "/";
    PCollection<String> described =
        pipeline
            .apply(ReadJsonLinesFiles.create().from(input.toString()))
            .apply(ParDo.of(new DescribeFn(root)));

    PAssert.that(described)
        .containsInAnyOrder(
            "customer|customer/c.json|1|1655564376361|{\"email\":\"a@test.com\",\"lastUpdateDate\":1655564376361}",
            "customer|customer/c.json|3|" + MTIME + "|{\"email\":\"b@test.com\"}",
            "customer|customer/c.json|4|" + MTIME + "|{\"email\": broken",
            "step_trainer|step_trainer/s.json.gz|1|1655564444444|{\"sensorReadingTime\":1655564444444,\"serialNumber\":\"x\"}",
            // an implausible event time falls back to the file's time
            "accelerometer|accelerometer/2022/a.json|1|"
                + MTIME
                + "|{\"user\":\"a@test.com\",\"timestamp\":99999999999999999}",
            // unknown folder: routed to _unrouted, no event-time field known
            "_unrouted|thermostat/t.json|1|"
                + MTIME
                + "|{\"deviceId\":\"t1\",\"time\":1655564376361}");
    pipeline.run().waitUntilFinish();
  }

  @Test
  void rejectsAnEmptyFolderName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReadJsonLinesFiles.create().from(" "));
    assertThat(e.getMessage(), Matchers.containsString("input folder"));
  }
}
