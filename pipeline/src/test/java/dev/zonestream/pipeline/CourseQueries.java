package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.StediGenerator;
import java.nio.file.Path;
import java.util.List;

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
