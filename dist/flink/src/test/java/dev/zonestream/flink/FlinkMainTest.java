package dev.zonestream.flink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What Flink's client settings become on the job's command line. */
class FlinkMainTest {
  private static FlinkMain.ClientSettings client(
      boolean attached, String savepoint, String checkpointsDir) {
    return new FlinkMain.ClientSettings(
        true, false, attached, Optional.ofNullable(savepoint), Optional.ofNullable(checkpointsDir));
  }

  @Test
  void outsideFlinksClientOnlyTheRunnerIsAdded() {
    FlinkMain.ClientSettings plain =
        new FlinkMain.ClientSettings(false, false, true, Optional.empty(), Optional.empty());
    assertThat(
        plain.withDefaults(new String[] {"--lake=/l"}),
        equalTo(List.of("--lake=/l", "--runner=FlinkRunner")));
  }

  @Test
  void aNewStreamIsWatchedThroughItsJobClient() {
    assertThat(
        client(true, null, null).withDefaults(new String[] {"--lake=/l"}),
        equalTo(List.of("--lake=/l", "--runner=FlinkRunner", "--attachedMode=false")));
  }

  @Test
  void dashSBecomesTheSavepointThatNamesTheRunId() {
    assertThat(
        client(false, "/c/job/chk-7", null).withDefaults(new String[] {"--lake=/l"}),
        equalTo(
            List.of(
                "--lake=/l",
                "--runner=FlinkRunner",
                "--attachedMode=false",
                "--savepointPath=/c/job/chk-7")));
  }

  @Test
  void theClustersCheckpointFolderIsUsedUnlessOneIsGiven() {
    assertThat(
        client(true, null, "s3://b/chk").withDefaults(new String[] {"--lake=s3://b/lake"}),
        equalTo(
            List.of(
                "--lake=s3://b/lake",
                "--runner=FlinkRunner",
                "--attachedMode=false",
                "--stateBackendStoragePath=s3://b/chk")));
    List<String> given =
        client(true, null, "s3://b/chk")
            .withDefaults(new String[] {"--stateBackendStoragePath=file:///shared/chk"});
    assertThat(
        given.stream().filter(a -> a.startsWith("--stateBackendStoragePath")).count(), equalTo(1L));
  }

  @Test
  void anApplicationClusterDoesNotRebuildTheTablesUnlessTold() {
    FlinkMain.ClientSettings application =
        new FlinkMain.ClientSettings(true, true, false, Optional.empty(), Optional.empty());
    assertThat(
        application.withDefaults(new String[] {"--lake=/l"}),
        equalTo(
            List.of(
                "--lake=/l",
                "--runner=FlinkRunner",
                "--attachedMode=false",
                "--rebuildTablesOnStart=false")));
    assertThat(
        application.withDefaults(new String[] {"--rebuildTablesOnStart=true"}).stream()
            .filter(a -> a.startsWith("--rebuildTablesOnStart"))
            .toList(),
        equalTo(List.of("--rebuildTablesOnStart=true")));
  }

  @Test
  void aRunnerGivenOnTheCommandLineIsKept() {
    assertThat(
        client(true, null, null).withDefaults(new String[] {"--runner=DirectRunner"}).get(0),
        equalTo("--runner=DirectRunner"));
  }

  @Test
  void resumingByItselfUnderTheClientIsRefusedWithTheWayThatWorks() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> client(true, null, null).withDefaults(new String[] {"--flinkResume=true"}));
    assertThat(e.getMessage(), containsString("flink run -s"));
  }
}
