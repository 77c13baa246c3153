package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.zonestream.demo.StediGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runner conformance: the generator's data (shuffled, duplicated, late and broken messages) run on
 * another runner, bounded from files and streamed through a real Kafka broker as real life sends it
 * ({@link RealLifeStream}: customers first, readings more than three consent waits after them over
 * weeks of broker time, redeliveries six hours on, then two withdrawals), gives byte-for-byte the
 * trusted and curated tables and the rejects of the Direct runner's bounded run without the
 * withdrawals (which {@link ZonesIT} proves equal to the Direct runner's stream); the runner's
 * backfill of that stream's landing zone gives the Direct runner's bounded run with them. The
 * runner modules (dist/) extend it with their runner's options; everything runs in the test's JVM,
 * from the Maven-built classpath.
 */
public abstract class RunnerConformance {
  static final Path DATA = Path.of("..", "..", "testdata", "generated", "seed-7-customers-20");

  private static final long WAIT_SECONDS = 5;

  private static Path scratch;
  private static Map<String, List<byte[]>> byFolder;
  private static List<byte[]> withdrawals;
  private static Map<String, List<String>> directTables;
  private static Map<String, List<String>> directWithWithdrawalsTables;
  private static List<String> directRejects;

  /** The runner's options, for example {@code --runner=FlinkRunner}. */
  protected abstract List<String> runnerArgs();

  @BeforeAll
  static void runOnTheDirectRunner() throws Exception {
    scratch = Files.createTempDirectory("zonestream-conformance");
    Path lake = scratch.resolve("direct");
    MainTest.Run run = MainTest.run("--input=" + DATA, "--lake=" + lake);
    assertThat(run.err(), run.code(), equalTo(0));
    directTables = ZonesIT.tables(lake);
    directRejects = ZonesIT.rejects(lake);
    for (String table : ZonesIT.TABLES) {
      assertThat(table, directTables.get(table), not(empty()));
    }
    byFolder = EmbeddedDemo.readFolders(DATA);
    withdrawals =
        RealLifeStream.withdrawals(
            byFolder.get("customer"), directTables.get("trusted/accelerometer"), new ArrayList<>());
    Path withWithdrawals = scratch.resolve("with-withdrawals");
    StediGenerator.writeTo(RealLifeStream.withWithdrawals(byFolder, withdrawals), withWithdrawals);
    Path all = scratch.resolve("direct-all");
    MainTest.Run allRun = MainTest.run("--input=" + withWithdrawals, "--lake=" + all);
    assertThat(allRun.err(), allRun.code(), equalTo(0));
    directWithWithdrawalsTables = ZonesIT.tables(all);
  }

  @AfterAll
  static void deleteScratch() throws Exception {
    try (var paths = Files.walk(scratch)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  protected MainTest.Run run(String... args) {
    List<String> all = new ArrayList<>(runnerArgs());
    all.addAll(List.of(args));
    return MainTest.run(all.toArray(String[]::new));
  }

  @Test
  void boundedRunGivesTheDirectRunnersTables() throws Exception {
    Path lake = scratch.resolve("bounded");
    MainTest.Run run = run("--input=" + DATA, "--lake=" + lake);

    assertThat(run.err(), run.code(), equalTo(0));
    assertSameZones(lake);
  }

  @Test
  void aDatasetTheSpecDeclaresIsTrustedByItsSchemaRulesAndIdentity() throws Exception {
    Path lake = scratch.resolve("thermostat");
    Path testdata = Path.of("..", "..", "testdata");
    MainTest.Run run =
        run(
            "--spec=" + testdata.resolve("specs/thermostat.yaml"),
            "--input=" + testdata.resolve("fixtures/thermostat-small"),
            "--lake=" + lake);

    assertThat(run.err(), run.code(), equalTo(0));
    DeclaredDatasetsIT.assertLake(lake);
  }

  @Test
  void aSchemaThatChangesHalfWayThroughAStreamLosesNothing() throws Exception {
    Path lake = scratch.resolve("evolving");
    EvolvingSchemaStream.stream(
        lake,
        runnerArgs(),
        Files.createTempDirectory(scratch, "evolving-spark-checkpoint"),
        Path.of("..", "..", "testdata", "specs", "thermostat.yaml"));
    EvolvingSchemaStream.assertLake(lake);
  }

  @Test
  void streamLikeRealLifeGivesTheDirectRunnersTablesAndItsBackfillTheWithdrawals()
      throws Exception {
    Path lake = scratch.resolve("streamed");
    RealLifeStream.stream(lake, runnerArgs(), WAIT_SECONDS, byFolder, withdrawals);
    assertSameZones(lake);

    MainTest.Run backfill = run("--source=landing", "--lake=" + lake);
    assertThat(backfill.err(), backfill.code(), equalTo(0));
    Map<String, List<String>> tables = ZonesIT.tables(lake);
    for (String table : ZonesIT.TABLES) {
      assertThat(table, tables.get(table), equalTo(directWithWithdrawalsTables.get(table)));
    }
  }

  private static void assertSameZones(Path lake) throws Exception {
    Map<String, List<String>> tables = ZonesIT.tables(lake);
    for (String table : ZonesIT.TABLES) {
      assertThat(table, tables.get(table), equalTo(directTables.get(table)));
    }
    assertThat(ZonesIT.rejects(lake), equalTo(directRejects));
  }
}
