package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.zonestream.lake.LakeCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lake as tables, read by a real engine: DuckDB, in-process, runs the DuckDB catalog a bounded
 * run wrote ({@code <lake>/_catalog/duckdb.sql}) and then the course's queries, whose counts must
 * equal the ones the job computed ({@code _summary.json}). For the Parquet tables (the default) and
 * the JSON Lines ones; and for a clean run, whose rejects tables read as no rows.
 */
class LakeCatalogIT {
  private static final Path DATA = Path.of("..", "testdata", "generated", "seed-7-customers-20");

  @TempDir static Path work;
  private static Path parquetLake;
  private static Path jsonLake;

  @BeforeAll
  static void runBoundedIntoTwoLakes() {
    parquetLake = work.resolve("parquet");
    jsonLake = work.resolve("json");
    MainTest.Run parquet = MainTest.run("--input=" + DATA, "--lake=" + parquetLake);
    assertThat(parquet.err(), parquet.code(), equalTo(0));
    MainTest.Run json = MainTest.run("--input=" + DATA, "--lake=" + jsonLake, "--tableFormat=json");
    assertThat(json.err(), json.code(), equalTo(0));
  }

  /** A DuckDB connection with the lake's catalog run. */
  static Connection catalog(Path lake) throws SQLException, IOException {
    Connection connection = DriverManager.getConnection("jdbc:duckdb:");
    String script = Files.readString(lake.resolve(LakeCatalog.FOLDER).resolve(LakeCatalog.DUCKDB));
    for (String statement : statements(script)) {
      try (Statement s = connection.createStatement()) {
        s.execute(statement);
      }
    }
    return connection;
  }

  /** The script's statements: comments dropped, split at each {@code ;} ending a line. */
  static List<String> statements(String script) {
    StringBuilder text = new StringBuilder();
    for (String line : script.split("\n")) {
      if (!line.startsWith("--")) {
        text.append(line).append('\n');
      }
    }
    List<String> statements = new ArrayList<>();
    for (String statement : text.toString().split(";\n")) {
      if (!statement.isBlank()) {
        statements.add(statement.strip());
      }
    }
    return statements;
  }

  static long count(Connection connection, String query) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet result = s.executeQuery(query)) {
      result.next();
      return result.getLong(1);
    }
  }

  static String text(Connection connection, String query) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet result = s.executeQuery(query)) {
      result.next();
      return result.getString(1);
    }
  }

  /** The course's queries give the counts the job computed, on either table format. */
  private static void assertCourseQueries(Path lake) throws Exception {
    try (Connection db = catalog(lake)) {
      CourseQueries.assertCounts(sql -> count(db, sql), lake);
      // Partition columns: dt a date, hr two digits, everywhere.
      assertThat(text(db, "SELECT typeof(dt) FROM accelerometer_trusted LIMIT 1"), equalTo("DATE"));
      assertThat(
          count(
              db,
              "SELECT count(*) FROM accelerometer_trusted WHERE NOT regexp_matches(hr, '^[0-2][0-9]$')"),
          equalTo(0L));
      assertThat(
          count(
              db,
              "SELECT count(*) FROM accelerometer_trusted"
                  + " WHERE strftime(to_timestamp(timestamp / 1000), '%Y-%m-%d') <> CAST(dt AS VARCHAR)"
                  + " OR strftime(to_timestamp(timestamp / 1000), '%H') <> hr"),
          equalTo(0L));
    }
  }

  @Test
  void courseQueriesOverParquetTablesGiveTheJobsCounts() throws Exception {
    assertCourseQueries(parquetLake);
  }

  @Test
  void courseQueriesOverJsonTablesGiveTheJobsCounts() throws Exception {
    assertCourseQueries(jsonLake);
  }

  @Test
  void parquetTablesHaveTheirDeclaredSchemaInEveryFile() throws Exception {
    try (Connection db = catalog(parquetLake)) {
      // The typed event time is the epoch-ms field's instant, as a UTC timestamp.
      assertThat(
          text(db, "SELECT typeof(eventTime) FROM accelerometer_trusted LIMIT 1"),
          equalTo("TIMESTAMP WITH TIME ZONE"));
      assertThat(
          count(
              db,
              "SELECT count(*) FROM accelerometer_trusted WHERE eventTime <> epoch_ms(timestamp)"),
          equalTo(0L));
      assertThat(
          count(
              db,
              "SELECT count(*) FROM customer_trusted WHERE eventTime <> epoch_ms(lastUpdateDate)"),
          equalTo(0L));
      // Every customer file holds every column, the consents not given included (as nulls).
      String files = parquetLake + "/trusted/customer/*/*/*.parquet";
      long fileCount =
          count(db, "SELECT count(DISTINCT file_name) FROM parquet_schema('" + files + "')");
      assertThat(fileCount, greaterThan(1L));
      for (String column :
          List.of(
              "shareWithResearchAsOfDate",
              "shareWithPublicAsOfDate",
              "shareWithFriendsAsOfDate",
              "eventTime")) {
        assertThat(
            column,
            count(
                db,
                "SELECT count(DISTINCT file_name) FROM parquet_schema('"
                    + files
                    + "') WHERE name = '"
                    + column
                    + "'"),
            equalTo(fileCount));
      }
      assertThat(
          count(
              db,
              "SELECT count(*) FROM parquet_metadata('"
                  + files
                  + "') WHERE compression <> 'SNAPPY'"),
          equalTo(0L));
    }
  }

  @Test
  void theCatalogReadsARelativeLakeFromAnotherFolderWithAWrongTypedPayloadAndAHalfDoneCompaction()
      throws Exception {
    Path lake = CourseQueries.awkwardLake(DATA, work);
    try (Connection db = catalog(lake)) {
      CourseQueries.assertAwkwardLake(sql -> count(db, sql), lake);
    }
  }

  @Test
  void aCleanRunsRejectsTablesReadAsNoRows() throws Exception {
    Path lake = CourseQueries.cleanLake(work);
    try (Connection db = catalog(lake)) {
      for (String dataset : List.of("customer", "accelerometer", "step_trainer", "unrouted")) {
        assertThat(
            dataset,
            count(db, "SELECT count(*) FROM " + dataset + "_rejected"),
            equalTo(
                CourseQueries.summary(
                    lake, "rejected", dataset.equals("unrouted") ? "_unrouted" : dataset)));
      }
      assertThat(count(db, "SELECT count(*) FROM customer_rejected"), equalTo(0L));
      assertThat(count(db, "SELECT count(*) FROM customer_trusted"), greaterThan(0L));
    }
  }
}
