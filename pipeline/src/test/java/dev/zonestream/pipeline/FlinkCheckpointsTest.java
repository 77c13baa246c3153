package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which checkpoint a Flink stream resumes from, with which run id, and what it tells Flink, on
 * checkpoint folders laid out as Flink 1.19 leaves them ({@code <job id>/chk-N/_metadata}). That
 * Flink restores from them is {@code FlinkResumeIT}'s part (dist/flink).
 */
class FlinkCheckpointsTest {
  private static final String JOB_A = "97569faa5b15563e4c422d87e0f666bc";
  private static final String JOB_B = "8aa08e5edce2caac169f4369399fd19c";

  @TempDir Path dir;

  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  private Path folder() {
    return dir.resolve("lake").resolve("_checkpoints").resolve("flink");
  }

  private String lake() {
    return dir.resolve("lake").toString();
  }

  /** A completed checkpoint (with {@code _metadata}) written {@code secondsAgo} ago. */
  private Path completed(String job, int n, long secondsAgo) throws Exception {
    Path checkpoint = folder().resolve(job).resolve("chk-" + n);
    Files.createDirectories(checkpoint);
    Path metadata = checkpoint.resolve("_metadata");
    Files.write(metadata, new byte[] {1, 2, 3});
    Files.setLastModifiedTime(
        metadata, FileTime.fromMillis(System.currentTimeMillis() - secondsAgo * 1000));
    return checkpoint;
  }

  private FlinkCheckpoints.Start prepare(boolean resume, String... extra) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--runner=FlinkRunner",
                "--flinkMaster=[local]",
                "--stateBackendStoragePath=" + RunnerDefaults.flinkCheckpointUri(lake())));
    args.addAll(List.of(extra));
    return FlinkCheckpoints.prepare(args.toArray(String[]::new), lake(), resume, err);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aStreamWithoutCheckpointsIsANewJobThatKeepsItsCheckpointsAndRecordsItsRunId()
      throws Exception {
    FlinkCheckpoints.Start start = prepare(true);

    assertThat(start.resumedFrom(), nullValue());
    // A configuration of its own only for the output flush interval (nothing to restore).
    assertThat(
        Files.readString(start.confDir().resolve("config.yaml")),
        equalTo("execution.buffer-timeout.interval: " + FlinkCheckpoints.BUFFER_TIMEOUT + "\n"));
    assertThat(
        List.of(start.args()),
        hasItems(
            "--externalizedCheckpointsEnabled=true",
            "--retainExternalizedCheckpointsOnCancellation=true"));
    assertThat(List.of(start.args()).toString(), not(containsString("--savepointPath")));
    assertThat(err(), containsString("a new Flink job, run id " + start.runId()));
    assertThat(
        Files.readString(folder().resolve(FlinkCheckpoints.STREAM_FILE)),
        containsString("runId=" + start.runId()));
  }

  @Test
  void aRestartResumesFromTheNewestCompletedCheckpointWithTheRunIdOfItsJob() throws Exception {
    FlinkCheckpoints.Start first = prepare(true);
    completed(JOB_A, 14, 60);
    Path newest = completed(JOB_A, 15, 30);
    // A job that died before its first checkpoint completed: no _metadata.
    Files.createDirectories(folder().resolve(JOB_B).resolve("chk-16"));

    FlinkCheckpoints.Start start = prepare(true);

    assertThat(start.runId(), equalTo(first.runId()));
    assertThat(start.resumedFrom(), equalTo(newest.toUri().toString()));
    assertThat(List.of(start.args()), hasItem("--savepointPath=" + newest.toUri()));
    assertThat(err(), containsString("resuming from Flink checkpoint " + newest.toUri()));
    assertThat(err(), containsString("--flinkResume=false"));
    // Beam hands --savepointPath only to a cluster: the mini cluster gets it in its configuration.
    assertThat(start.confDir(), notNullValue());
    assertThat(List.of(start.args()), hasItem("--flinkConfDir=" + start.confDir()));
    assertThat(
        Files.readString(start.confDir().resolve("config.yaml")),
        equalTo(
            "execution.savepoint.path: "
                + newest.toUri()
                + "\nexecution.buffer-timeout.interval: "
                + FlinkCheckpoints.BUFFER_TIMEOUT
                + "\n"));
    assertThat(
        "the dead job's folder is gone", Files.exists(folder().resolve(JOB_B)), equalTo(false));
    assertThat(Files.exists(newest.resolve("_metadata")), equalTo(true));
  }

  @Test
  void underFlinksOwnClientNothingIsSearchedOrMovedAndDashSNamesTheRestore() throws Exception {
    FlinkCheckpoints.Start first = prepare(true);
    Path checkpoint = completed(JOB_A, 15, 30);
    String[] args = {
      "--runner=FlinkRunner",
      "--stateBackendStoragePath=" + RunnerDefaults.flinkCheckpointUri(lake())
    };

    // flink run without -s: a new job, the earlier job's checkpoints left in place.
    FlinkCheckpoints.Start fresh = FlinkCheckpoints.prepare(args, lake(), true, true, err);
    assertThat(fresh.resumedFrom(), nullValue());
    assertThat(fresh.runId(), not(equalTo(first.runId())));
    assertThat(List.of(fresh.args()).toString(), not(containsString("--savepointPath")));
    assertThat(Files.exists(checkpoint.resolve("_metadata")), equalTo(true));
    assertThat(err(), containsString("flink run -s CHECKPOINT"));

    // flink run -s CHECKPOINT (FlinkMain passes it on as --savepointPath): the run id recorded
    // beside the checkpoints, which the last job wrote.
    String[] resume = {
      "--runner=FlinkRunner",
      "--stateBackendStoragePath=" + RunnerDefaults.flinkCheckpointUri(lake()),
      "--savepointPath=" + checkpoint
    };
    FlinkCheckpoints.Start resumed = FlinkCheckpoints.prepare(resume, lake(), true, true, err);
    assertThat(resumed.runId(), equalTo(fresh.runId()));
    assertThat(resumed.resumedFrom(), equalTo(checkpoint.toString()));
  }

  @Test
  void theNewestIsChosenByCompletionTimeAcrossJobs() throws Exception {
    completed(JOB_A, 40, 120);
    Path newer = completed(JOB_B, 3, 10);

    assertThat(FlinkCheckpoints.newest(folder()).folder(), equalTo(newer));
  }

  @Test
  void flinkResumeFalseSetsTheCheckpointsAsideAndStartsANewRunId() throws Exception {
    FlinkCheckpoints.Start first = prepare(true);
    completed(JOB_A, 15, 30);

    FlinkCheckpoints.Start start = prepare(false);

    assertThat(start.resumedFrom(), nullValue());
    assertThat(start.runId(), not(equalTo(first.runId())));
    assertThat(FlinkCheckpoints.newest(folder()), nullValue());
    try (Stream<Path> aside = Files.list(folder())) {
      Path setAside =
          aside.filter(p -> p.getFileName().toString().startsWith("set-aside-")).findFirst().get();
      assertThat(Files.exists(setAside.resolve(JOB_A).resolve("chk-15/_metadata")), equalTo(true));
    }
    assertThat(err(), containsString("set aside in"));
  }

  @Test
  void aFolderHoldingAnotherLakesStreamIsRefused() throws Exception {
    FlinkCheckpoints.Start other =
        FlinkCheckpoints.prepare(
            new String[] {"--stateBackendStoragePath=" + RunnerDefaults.flinkCheckpointUri(lake())},
            dir.resolve("other-lake").toString(),
            true,
            err);
    assertThat(other.resumedFrom(), nullValue());
    completed(JOB_A, 5, 10);

    InvalidOptionException e = assertThrows(InvalidOptionException.class, () -> prepare(true));

    assertThat(e.getMessage(), containsString("holds the checkpoints of a stream into --lake="));
    assertThat(e.getMessage(), containsString("--flinkResume=false"));
  }

  @Test
  void aGivenSavepointWinsAndAGivenFlinkConfigurationIsKept() throws Exception {
    completed(JOB_A, 15, 30);
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(
        conf.resolve("flink-conf.yaml"),
        "taskmanager.numberOfTaskSlots: 4\nexecution.buffer-timeout: 10 ms");

    FlinkCheckpoints.Start start =
        prepare(
            true,
            "--savepointPath=file:///elsewhere/savepoint-1",
            "--flinkConfDir=" + conf,
            "--allowNonRestoredState=true");

    assertThat(start.resumedFrom(), equalTo("file:///elsewhere/savepoint-1"));
    assertThat(start.savepointGiven(), equalTo(true));
    assertThat(
        List.of(start.args()).stream().filter(a -> a.startsWith("--flinkConfDir=")).toList(),
        equalTo(List.of("--flinkConfDir=" + start.confDir())));
    assertThat(
        Files.readString(start.confDir().resolve("flink-conf.yaml")),
        equalTo(
            "taskmanager.numberOfTaskSlots: 4\nexecution.buffer-timeout: 10 ms\n"
                + "execution.savepoint.path: file:///elsewhere/savepoint-1\n"
                + "execution.savepoint.ignore-unclaimed-state: true\n"));
    assertThat(
        err(), containsString("resuming from --savepointPath=file:///elsewhere/savepoint-1"));
  }

  @Test
  void aClusterTakesTheSavepointPathItselfAndARemoteFolderIsNotSearched() throws Exception {
    Path newest = completed(JOB_A, 15, 30);
    FlinkCheckpoints.Start cluster = prepare(true, "--flinkMaster=127.0.0.1:8081");
    assertThat(cluster.resumedFrom(), equalTo(newest.toUri().toString()));
    assertThat(
        Files.readString(cluster.confDir().resolve("config.yaml")),
        not(containsString("execution.savepoint.path")));

    FlinkCheckpoints.Start remote =
        FlinkCheckpoints.prepare(
            new String[] {"--stateBackendStoragePath=s3://bucket/checkpoints"}, lake(), true, err);
    assertThat(remote.resumedFrom(), nullValue());
    assertThat(err(), containsString("are not searched"));
  }
}
