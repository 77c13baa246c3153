package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/zonestream}, as a user runs it from the repository root. */
class LauncherIT {
  private static final File ROOT = Path.of("..").toAbsolutePath().normalize().toFile();

  record Result(int code, String out, String err) {}

  private static Result launch(Path scratch, String... args) throws Exception {
    File out = scratch.resolve("out.txt").toFile();
    File err = scratch.resolve("err.txt").toFile();
    List<String> command = new java.util.ArrayList<>(List.of("bin/zonestream"));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).directory(ROOT).redirectOutput(out).redirectError(err).start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("bin/zonestream did not finish in 5 minutes");
    }
    return new Result(
        process.exitValue(),
        java.nio.file.Files.readString(out.toPath(), StandardCharsets.UTF_8),
        java.nio.file.Files.readString(err.toPath(), StandardCharsets.UTF_8));
  }

  @Test
  void boundedRunOverAFilesFolderExitsZeroOnceTheLandingZoneIsWritten(@TempDir Path scratch)
      throws Exception {
    Path lake = scratch.resolve("lake");
    Result result = launch(scratch, "--input=testdata/fixtures/stedi-small", "--lake=" + lake);

    assertThat(result.err(), result.code(), equalTo(0));
    assertThat(result.out(), containsString("landing  accelerometer"));
    assertThat(
        LakeFiles.readJson(lake.resolve("_summary.json"))
            .get("zones")
            .get("landing")
            .get("customer")
            .asLong(),
        equalTo(4L));
  }

  @Test
  void theReadmesHelpAndSpecCommandsWorkAsWritten(@TempDir Path scratch) throws Exception {
    Result help = launch(scratch, "--help");
    assertThat(help.err(), help.code(), equalTo(0));
    assertThat(help.out(), containsString("--metricsPort"));
    assertThat(help.out(), containsString("--catalogS3Location"));

    Result check = launch(scratch, "spec", "check", "specs/stedi.yaml");
    assertThat(check.err(), check.code(), equalTo(0));
    assertThat(check.out(), containsString("specs/stedi.yaml: ok: datasets customer"));
  }

  @Test
  void badOptionExitsTwoWithOneLine(@TempDir Path scratch) throws Exception {
    Result result =
        launch(
            scratch,
            "--input=testdata/fixtures/stedi-small",
            "--windowSeconds=-1",
            "--lake=" + scratch);

    // The launcher may first say that it builds; the job itself says one line.
    List<String> jobLines =
        result.err().lines().filter(l -> !l.startsWith("zonestream: building")).toList();
    assertThat(result.code(), equalTo(2));
    assertThat(jobLines, equalTo(List.of("zonestream: --windowSeconds=-1: must be at least 1")));
  }
}
