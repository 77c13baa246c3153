package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.StediGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The course's queries over a lake's catalog tables, in SQL that DuckDB and Spark both run, and the
 * counts the job computed for them ({@code _summary.json}).
 */
public final class CourseQueries {
  private CourseQueries() {}

  /** Runs a query of one number. */
  @FunctionalInterface
  public interface Count {
    long of(String sql) throws Exception;
  }

  static long summary(Path lake, String zone, String table) {
    JsonNode summary = LakeFiles.readJson(lake.resolve("_summary.json"));
    JsonNode count = summary.get("zones").get(zone).get(table);
    return count == null ? 0 : count.asLong();
  }

  /** A lake from a bounded run over clean generated data (no rejects), under {@code work}. */
  static Path cleanLake(Path work) throws java.io.IOException {
    Path input = work.resolve("clean-input");
    StediGenerator.writeTo(new StediGenerator(8, 3, false).generate(), input);
    Path lake = work.resolve("clean");
    MainTest.Run run = MainTest.run("--input=" + input, "--lake=" + lake);
    assertThat(run.err(), run.code(), equalTo(0));
    return lake;
  }

  /** The message of the wrong type that {@link #awkwardLake} lands (and rejects). */
  static final String WRONG_TYPE =
      "{\"user\":\"Wrong.Type@test.com\",\"timestamp\":\"in a minute\",\"x\":1,\"y\":2,\"z\":3}";

  /**
   * A lake as users leave it: written by a job that ran in another folder ({@code work/elsewhere},
   * a separate JVM) with {@code --lake=lake}, a path relative to that folder; holding a message
   * whose payload has a field of the wrong type ({@link #WRONG_TYPE}, in landing and in the
   * rejects); and a compaction of one landing hour half done (its temporary file and its list of
   * sources, as a compaction that died leaves them). Returns the lake's absolute path.
   */
  static Path awkwardLake(Path data, Path work) throws Exception {
    Path input = work.resolve("awkward-input");
    for (String dataset : List.of("customer", "accelerometer", "step_trainer")) {
      Path from = data.resolve(dataset);
      Files.createDirectories(input.resolve(dataset));
      try (Stream<Path> files = Files.list(from)) {
        for (Path file : files.toList()) {
          Files.copy(file, input.resolve(dataset).resolve(file.getFileName()));
        }
      }
    }
    Files.writeString(
        input.resolve("accelerometer").resolve("wrong-type.jsonl"), WRONG_TYPE + "\n");
    Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
    Path log = work.resolve("awkward-job.log");
    Process job =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "--input=" + input.toAbsolutePath(),
                "--lake=lake")
            .directory(elsewhere.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!job.waitFor(5, TimeUnit.MINUTES)) {
      job.destroyForcibly();
      throw new AssertionError("the job did not end in 5 minutes: " + Files.readString(log));
    }
    assertThat(Files.readString(log), job.exitValue(), equalTo(0));
    Path lake = elsewhere.resolve("lake").toAbsolutePath();

    // A compaction of the first customer hour that died after writing its file and the list of
    // its sources, before the rename: both names start with a dot.
    Path hour;
    try (Stream<Path> files = Files.walk(lake.resolve("landing").resolve("customer"))) {
      hour =
          files
              .filter(f -> f.getFileName().toString().startsWith("customer-"))
              .findFirst()
              .orElseThrow()
              .getParent();
    }
    List<Path> sources;
    try (Stream<Path> files = Files.list(hour)) {
      sources = files.filter(f -> f.getFileName().toString().startsWith("customer-")).toList();
    }
    Files.copy(sources.get(0), hour.resolve(".compacting-cdead-0001.jsonl.gz"));
    Files.writeString(
        hour.resolve(".compacted-customer-compacted.jsonl.gz.sources"),
        sources.stream().map(Path::toString).collect(Collectors.joining("\n")) + "\n");
    return lake;
  }

  /**
   * On {@link #awkwardLake}: the course's counts hold (the half-done compaction counted nothing),
   * and the wrong-typed message reads, its payload as JSON text beside the typed struct.
   */
  static void assertAwkwardLake(Count count, Path lake) throws Exception {
    assertCounts(count, lake);
    for (String table : List.of("accelerometer_landing", "accelerometer_rejected")) {
      assertThat(
          table,
          count.of("SELECT count(*) FROM " + table + " WHERE payloadJson LIKE '%in a minute%'"),
          equalTo(1L));
      assertThat(
          table,
          count.of(
              "SELECT count(*) FROM "
                  + table
                  + " WHERE payloadJson LIKE '%in a minute%' AND payload.timestamp IS NOT NULL"),
          equalTo(0L));
    }
    // Every message that passed validation has its typed fields; the wrong-typed one has none.
    long landed = summary(lake, "landing", "accelerometer");
    long typed = count.of("SELECT count(*) FROM accelerometer_landing WHERE payload.timestamp > 0");
    assertThat(typed, greaterThanOrEqualTo(landed - summary(lake, "rejected", "accelerometer")));
    assertThat(typed, lessThan(landed));
  }

  /** Asserts each course query's count against the job's. */
  public static void assertCounts(Count count, Path lake) throws Exception {
    long customers = summary(lake, "trusted", "customer");
    assertThat(customers, greaterThan(0L));
    // customer_trusted: customers who agreed to share their data for research.
    assertThat(count.of("SELECT count(*) FROM customer_trusted"), equalTo(customers));
    assertThat(
        count.of("SELECT count(*) FROM customer_trusted WHERE shareWithResearchAsOfDate IS NULL"),
        equalTo(0L));
    // accelerometer_trusted: readings of those customers, joined to them by email.
    assertThat(
        count.of(
            "SELECT count(*) FROM accelerometer_trusted a"
                + " JOIN customer_trusted c ON a.user = c.email"),
        equalTo(summary(lake, "trusted", "accelerometer")));
    // customers_curated: trusted customers with accelerometer data.
    long curated = summary(lake, "curated", "customer");
    assertThat(count.of("SELECT count(*) FROM customers_curated"), equalTo(curated));
    assertThat(
        count.of(
            "SELECT count(DISTINCT c.email) FROM customer_trusted c"
                + " JOIN accelerometer_trusted a ON a.user = c.email"),
        equalTo(curated));
    // step_trainer_trusted: readings of the curated customers' devices.
    assertThat(
        count.of(
            "SELECT count(*) FROM step_trainer_trusted s"
                + " WHERE s.serialNumber IN (SELECT serialNumber FROM customers_curated)"),
        equalTo(summary(lake, "trusted", "step_trainer")));
    // machine_learning_curated: step and phone readings at the same moment, of curated
    // customers.
    assertThat(
        count.of(
            "SELECT count(*) FROM machine_learning_curated m"
                + " JOIN customers_curated c ON m.serialNumber = c.serialNumber"),
        equalTo(summary(lake, "curated", "machine_learning")));
    assertThat(
        count.of(
            "SELECT count(*) FROM machine_learning_curated m JOIN step_trainer_trusted s"
                + " ON m.serialNumber = s.serialNumber"
                + " AND m.sensorReadingTime = s.sensorReadingTime"
                + " JOIN accelerometer_trusted a ON a.timestamp = m.timestamp"
                + " AND a.x = m.x AND a.y = m.y AND a.z = m.z"),
        greaterThan(0L));

    // Landing: every message, its fields under payload, typed.
    for (String dataset : List.of("customer", "accelerometer", "step_trainer")) {
      assertThat(
          count.of("SELECT count(*) FROM " + dataset + "_landing"),
          equalTo(summary(lake, "landing", dataset)));
    }
    assertThat(
        count.of("SELECT count(*) FROM unrouted_landing"),
        equalTo(summary(lake, "landing", "_unrouted")));
    assertThat(
        count.of(
            "SELECT count(DISTINCT c.email) FROM customer_landing l JOIN customer_trusted c"
                + " ON l.payload.email = c.email"
                + " AND l.payload.lastUpdateDate = c.lastUpdateDate"),
        equalTo(customers));
    // Rejects, with their reason.
    for (String dataset : List.of("customer", "accelerometer", "step_trainer")) {
      assertThat(
          count.of("SELECT count(*) FROM " + dataset + "_rejected WHERE reason IS NOT NULL"),
          equalTo(summary(lake, "rejected", dataset)));
    }
    assertThat(
        count.of("SELECT count(*) FROM unrouted_rejected"),
        equalTo(summary(lake, "rejected", "_unrouted")));
  }
}
