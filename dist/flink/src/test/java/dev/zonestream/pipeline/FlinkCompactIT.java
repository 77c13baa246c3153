package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/zonestream compact} on Flink's mini cluster with the runner file users pass ({@code
 * flink-local.args}, whose {@code --attachedMode=false} is for streams): the job is waited for,
 * every landing line kept, fewer files.
 */
class FlinkCompactIT {
  private static final Path DATA =
      Path.of("..", "..", "testdata", "generated", "seed-7-customers-20");

  @TempDir Path lake;

  @Test
  void compactsLandingOnFlinkWithTheLocalRunnerFile() throws Exception {
    MainTest.Run run = MainTest.run("--input=" + DATA, "--lake=" + lake);
    assertThat(run.err(), run.code(), equalTo(0));
    var linesBefore = CompactLandingIT.landingLines(lake);
    int filesBefore = CompactLandingIT.landingFiles(lake).size();

    CompactLandingIT.Run compact =
        CompactLandingIT.compact(
            "--runnerConfig=../../runners-config/flink-local.args",
            "--lake=" + lake,
            "--compactQuietMinutes=0");

    assertThat(compact.err(), compact.code(), equalTo(0));
    assertThat(compact.out(), org.hamcrest.Matchers.startsWith("compacted "));
    assertThat(CompactLandingIT.landingFiles(lake).size(), lessThan(filesBefore));
    assertThat(CompactLandingIT.landingLines(lake), equalTo(linesBefore));
  }
}
