package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which landing files tell where a Kinesis stream starts, and the start they give. */
class KinesisStartsTest {
  @TempDir Path lake;

  @Test
  void aStreamStartsTwoWindowsAndTheLatenessBeforeItsNewestFinalWindow() throws IOException {
    record("r20261130T080000Z-aaaa", "s.customer,s.accelerometer", 4);
    land("customer", "20261130T080010Z", "20261130T080012Z", "r20261130T080000Z-aaaa", "");
    land("accelerometer", "20261130T080012Z", "20261130T080014Z", "r20261130T080000Z-aaaa", "");
    // Not final: a running writer's temporary file.
    land("customer", "20261130T080100Z", "20261130T080102Z", "r20261130T080000Z-aaaa", ".temp/");
    // No record: a bounded run's (or a Kafka run's) files prove nothing.
    land("customer", "20261130T090000Z", "20261130T090002Z", "r20261130T085900Z-bbbb", "");

    Map<String, KinesisStarts.Landed> landed =
        KinesisStarts.landed(lake.toString(), Set.of("s.customer", "s.accelerometer", "s.other"));

    // Any final file of the run counts for every stream it read: its watermark is theirs.
    KinesisStarts.Landed expected =
        new KinesisStarts.Landed(
            Instant.parse("2026-11-30T08:00:06Z"),
            Instant.parse("2026-11-30T08:00:14Z"),
            Duration.standardSeconds(2),
            Duration.standardSeconds(4),
            "r20261130T080000Z-aaaa",
            lake.resolve(
                    "landing/accelerometer/dt=2026-11-30/hr=08/accelerometer-20261130T080012Z"
                        + "-20261130T080014Z-0-00000-of-00001-r20261130T080000Z-aaaa.jsonl.gz")
                .toString());
    assertThat(landed, equalTo(Map.of("s.customer", expected, "s.accelerometer", expected)));
    // Compaction keeps that one file, so the next job still finds where landing ends.
    assertThat(KinesisStarts.evidenceFiles(lake.toString()), equalTo(Set.of(expected.path())));
  }

  @Test
  void aLakeWithoutARecordOfTheStreamHasNoStart() throws IOException {
    land("customer", "20261130T080010Z", "20261130T080012Z", "r20261130T080000Z-aaaa", "");
    record("r20261130T080000Z-aaaa", "s.elsewhere", 4);

    assertThat(KinesisStarts.landed(lake.toString(), Set.of("s.customer")), equalTo(Map.of()));
  }

  private void record(String runId, String streams, int latenessSeconds) throws IOException {
    Path file = lake.resolve(KinesisStarts.RUNS_FOLDER).resolve(runId + ".properties");
    Files.createDirectories(file.getParent());
    Files.writeString(
        file,
        "source=kinesis\nstreams="
            + streams
            + "\nallowedLatenessSeconds="
            + latenessSeconds
            + "\n");
  }

  private void land(String dataset, String start, String end, String runId, String folder)
      throws IOException {
    Path file =
        lake.resolve("landing")
            .resolve(dataset)
            .resolve("dt=2026-11-30/hr=08")
            .resolve(
                folder
                    + dataset
                    + "-"
                    + start
                    + "-"
                    + end
                    + "-0-00000-of-00001-"
                    + runId
                    + ".jsonl.gz");
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[0]);
  }
}
