package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.zonestream.lake.LakeCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lake as tables in Spark SQL: a local Spark session runs the Spark catalog a bounded run wrote
 * ({@code <lake>/_catalog/spark.sql}), then the course's queries ({@link CourseQueries}), whose
 * counts must equal the job's; a clean run's rejects tables read as no rows.
 */
class SparkSqlCatalogIT {
  private static final Path DATA =
      Path.of("..", "..", "testdata", "generated", "seed-7-customers-20");

  @TempDir static Path work;
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("zonestream-catalog-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.warehouse.dir", work.resolve("warehouse").toString())
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** Runs the lake's Spark catalog in a database of its own; returns the database's name. */
  private static String catalog(Path lake, String database) throws Exception {
    spark.sql("CREATE DATABASE IF NOT EXISTS " + database);
    spark.sql("USE " + database);
    String script = Files.readString(lake.resolve(LakeCatalog.FOLDER).resolve(LakeCatalog.SPARK));
    for (String statement : LakeCatalogIT.statements(script)) {
      spark.sql(statement);
    }
    return database;
  }

  private static long count(String sql) {
    Row row = spark.sql(sql).first();
    return row.getLong(0);
  }

  @Test
  void courseQueriesOverTheSparkCatalogGiveTheJobsCounts() throws Exception {
    Path lake = work.resolve("lake");
    MainTest.Run run = MainTest.run("--input=" + DATA, "--lake=" + lake);
    assertThat(run.err(), run.code(), equalTo(0));
    catalog(lake, "stedi");

    CourseQueries.assertCounts(SparkSqlCatalogIT::count, lake);
    Row types =
        spark
            .sql(
                "SELECT typeof(dt), typeof(hr), typeof(eventTime),"
                    + " count_if(eventTime <> timestamp_millis(timestamp))"
                    + " FROM accelerometer_trusted GROUP BY 1, 2, 3")
            .first();
    assertThat(types.getString(0), equalTo("date"));
    assertThat(types.getString(1), equalTo("string"));
    assertThat(types.getString(2), equalTo("timestamp"));
    assertThat(types.getLong(3), equalTo(0L));
  }

  @Test
  void theCatalogReadsARelativeLakeFromAnotherFolderWithAWrongTypedPayloadAndAHalfDoneCompaction()
      throws Exception {
    Path lake = CourseQueries.awkwardLake(DATA, work);
    catalog(lake, "awkward");
    CourseQueries.assertAwkwardLake(SparkSqlCatalogIT::count, lake);
  }

  @Test
  void aCleanRunsRejectsTablesReadAsNoRows() throws Exception {
    Path lake = CourseQueries.cleanLake(work);
    catalog(lake, "clean");

    for (String dataset : List.of("customer", "accelerometer", "step_trainer", "unrouted")) {
      assertThat(dataset, count("SELECT count(*) FROM " + dataset + "_rejected"), equalTo(0L));
    }
  }
}
