package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunnerArgsTest {
  @TempDir Path dir;

  private String[] expand(String config, String... args) throws Exception {
    Path file = dir.resolve("x.args");
    Files.writeString(file, config);
    String[] all = new String[args.length + 1];
    all[0] = "--runnerConfig=" + file;
    System.arraycopy(args, 0, all, 1, args.length);
    return RunnerArgs.withRunnerConfig(all);
  }

  @Test
  void theFilesOptionsComeFirstAndTheCommandLineReplacesThem() throws Exception {
    String[] args =
        expand(
            "# a comment\n\n--runner=FlinkRunner\n  --parallelism=2  \n--windowSeconds=60\n",
            "--windowSeconds=5",
            "--lake=x");

    assertThat(List.of(args).subList(0, 2), contains("--runner=FlinkRunner", "--parallelism=2"));
    assertThat(List.of(args).subList(3, 5), contains("--windowSeconds=5", "--lake=x"));
    assertThat(args.length, equalTo(5));
  }

  @Test
  void aLineThatIsNotOneOptionIsABadRunnerConfig() {
    InvalidOptionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidOptionException.class, () -> expand("--runner=FlinkRunner --parallelism=2\n"));
    assertThat(e.getMessage(), containsString("line 1: expected one --option=value"));
  }

  @Test
  void aMissingFileEndsTheRunWithExitTwo() {
    MainTest.Run run =
        MainTest.run("--runnerConfig=" + dir.resolve("missing.args"), "--input=" + dir);
    assertThat(run.code(), equalTo(2));
    assertThat(run.err(), containsString("--runnerConfig=" + dir.resolve("missing.args")));
  }

  @Test
  void flinkStreamsCheckpointToDiskAndRunDetachedUnlessTold() {
    assertThat(
        RunnerArgs.streamingDefaults("FlinkRunner", new String[0], "cp", "file:///f/", "kafka"),
        contains(
            "--checkpointingInterval=10000",
            "--stateBackend=filesystem",
            "--stateBackendStoragePath=file:///f/",
            "--attachedMode=false",
            "--autoWatermarkInterval=1000",
            "--maxBundleTimeMills=2000"));
    assertThat(
        RunnerArgs.streamingDefaults(
            "FlinkRunner",
            new String[] {
              "--checkpointingInterval=500",
              "--attachedMode=true",
              "--stateBackend=rocksdb",
              "--autoWatermarkInterval=200",
              "--maxBundleTimeMills=1000"
            },
            "cp",
            "file:///f/",
            "kafka"),
        contains("--stateBackendStoragePath=file:///f/"));
    assertThat(
        RunnerArgs.streamingDefaults(
            "FlinkRunner",
            new String[] {
              "--checkpointingInterval=500",
              "--attachedMode=true",
              "--stateBackend=rocksdb",
              "--stateBackendStoragePath=file:///g/",
              "--autoWatermarkInterval=200",
              "--maxBundleTimeMills=1000"
            },
            "cp",
            "file:///f/",
            "kafka"),
        empty());
    assertThat(
        RunnerArgs.streamingDefaults("SparkRunner", new String[0], "/c", "file:///f/", "kafka"),
        contains("--checkpointDir=/c", "--landingShards=32", "--batchIntervalMillis=10000"));
    assertThat(
        RunnerArgs.streamingDefaults("DirectRunner", new String[0], "/c", "file:///f/", "kafka"),
        empty());
    assertThat(
        RunnerDefaults.flinkCheckpointUri("/data/lake"),
        startsWith("file:///data/lake/_checkpoints/flink"));
    assertThat(
        RunnerDefaults.flinkCheckpointUri("s3://bucket/lake"),
        containsString("zonestream-flink-checkpoints"));
    // A folder per lake: a restarted stream resumes from the newest checkpoint in its folder.
    assertThat(
        RunnerDefaults.flinkCheckpointUri("s3://bucket/lake"),
        not(equalTo(RunnerDefaults.flinkCheckpointUri("s3://bucket/other"))));
  }

  @Test
  void aRunnerNotOnTheClasspathEndsWithExitTwoAndSaysWhereRunnersComeFrom() {
    MainTest.Run run = MainTest.run("--runner=FlinkRunner", "--input=" + dir);
    assertThat(run.code(), equalTo(2));
    assertThat(run.err(), containsString("Unknown 'runner' specified 'FlinkRunner'"));
    assertThat(run.err(), containsString("runners-config/README.md"));
    assertThat(run.err().lines().count(), equalTo(1L));
  }
}
