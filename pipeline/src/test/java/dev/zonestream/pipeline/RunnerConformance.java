package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

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
 * another runner, bounded from files and streamed through a real Kafka broker (customers first, the
 * readings more than three consent waits after them), gives byte-for-byte the trusted and curated
 * tables and the rejects of the Direct runner's bounded run (which {@link ZonesIT} proves equal to
 * the Direct runner's stream). The runner modules (dist/) extend it with their runner's options;
 * everything runs in the test's JVM, from the Maven-built classpath.
 */
public abstract class RunnerConformance {
  static final Path DATA = Path.of("..", "..", "testdata", "generated", "seed-7-customers-20");

  private static Path scratch;
  private static Map<String, List<String>> directTables;
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
  void streamThroughKafkaGivesTheDirectRunnersTables() throws Exception {
    Path lake = scratch.resolve("streamed");
    MainTest.Run run =
        run(
            "--source=embedded-kafka",
            "--input=" + DATA,
            "--lake=" + lake,
            "--windowSeconds=2",
            "--maxBrokerDelaySeconds=1",
            "--consentWaitSeconds=5",
            // The readings follow the customers by more than three waits, as in real life.
            "--readingsDelaySeconds=16",
            "--runTimeoutSeconds=300");

    assertThat(run.err(), run.code(), equalTo(0));
    assertSameZones(lake);
  }

  private static void assertSameZones(Path lake) throws Exception {
    Map<String, List<String>> tables = ZonesIT.tables(lake);
    for (String table : ZonesIT.TABLES) {
      assertThat(table, tables.get(table), equalTo(directTables.get(table)));
    }
    assertThat(ZonesIT.rejects(lake), equalTo(directRejects));
  }
}
