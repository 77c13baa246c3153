package dev.zonestream.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

/**
 * The catalog's text: where each engine is told the lake is, and the quoting Athena needs. That the
 * statements run is the integration tests' (DuckDB and Spark SQL on a real lake).
 */
class LakeCatalogTest {
  private static final Pattern LOCATION = Pattern.compile("LOCATION '([^']*)'");
  private static final Pattern DUCKDB_FILES = Pattern.compile("read_(?:json|parquet)\\('([^']*)'");

  @Test
  void aRelativeLakeIsAbsoluteForEveryEngine() {
    String absolute = Path.of("lake").toAbsolutePath().normalize().toString();

    Matcher spark = LOCATION.matcher(LakeCatalog.spark("lake", TableFormat.PARQUET));
    int sparkTables = 0;
    while (spark.find()) {
      assertThat(spark.group(1), org.hamcrest.Matchers.startsWith("file://" + absolute + "/"));
      sparkTables++;
    }
    Matcher duckdb = DUCKDB_FILES.matcher(LakeCatalog.duckdb("lake", TableFormat.PARQUET));
    int duckdbTables = 0;
    while (duckdb.find()) {
      assertThat(duckdb.group(1), org.hamcrest.Matchers.startsWith(absolute + "/"));
      duckdbTables++;
    }
    assertThat(sparkTables, equalTo(LakeCatalog.tables(TableFormat.PARQUET).size()));
    assertThat(duckdbTables, equalTo(sparkTables));
    assertThat(
        LakeCatalog.duckdb("./x/../lake", TableFormat.PARQUET),
        equalTo(LakeCatalog.duckdb("lake", TableFormat.PARQUET)));
  }

  @Test
  void aFileUriLakeIsThePathForDuckdbAndTheUriForSpark() {
    assertThat(
        LakeCatalog.duckdb("file:///data/lake", TableFormat.JSON),
        containsString("read_json('/data/lake/landing/customer/"));
    assertThat(
        LakeCatalog.spark("file:///data/lake", TableFormat.JSON),
        containsString("LOCATION 'file:///data/lake/landing/customer'"));
  }

  @Test
  void athenaReadsAnS3LakeAtItsS3Uri() {
    String athena = LakeCatalog.athena("s3a://bucket/prefix", TableFormat.PARQUET, null);
    assertThat(athena, containsString("LOCATION 's3://bucket/prefix/landing/customer/'"));
    assertThat(athena, not(containsString("s3a://")));
    assertThat(athena, not(containsString(LakeCatalog.S3_PLACEHOLDER)));
    assertThat(
        LakeCatalog.duckdb("s3a://bucket/prefix", TableFormat.PARQUET),
        containsString("read_parquet('s3://bucket/prefix/trusted/customer/"));
    assertThat(
        LakeCatalog.spark("s3a://bucket/prefix", TableFormat.PARQUET),
        containsString("LOCATION 's3a://bucket/prefix/trusted/customer'"));
  }

  @Test
  void aLocalLakesAthenaTablesPointWhereItWillBeCopiedOrSayWhatToReplace() {
    String given = LakeCatalog.athena("lake", TableFormat.PARQUET, "s3://bucket/copied/");
    Matcher location = LOCATION.matcher(given);
    int tables = 0;
    while (location.find()) {
      assertThat(location.group(1), org.hamcrest.Matchers.startsWith("s3://bucket/copied/"));
      assertThat(location.group(1), not(containsString("copied//")));
      tables++;
    }
    assertThat(tables, equalTo(LakeCatalog.tables(TableFormat.PARQUET).size()));

    String placeholder = LakeCatalog.athena("lake", TableFormat.PARQUET, null);
    assertThat(
        placeholder,
        containsString("This lake is local (" + Path.of("lake").toAbsolutePath().normalize()));
    assertThat(placeholder, containsString("--catalogS3Location=s3://bucket/prefix"));
    assertThat(
        placeholder,
        containsString("LOCATION '" + LakeCatalog.S3_PLACEHOLDER + "/landing/customer/'"));
  }

  @Test
  void athenaQuotesEveryColumnAndStructFieldAndTypesPayloadsInAView() {
    String athena = LakeCatalog.athena("s3://b/l", TableFormat.PARQUET, null);
    // user and timestamp are reserved words of Athena's DDL and of its views: every name quoted.
    assertThat(athena, not(containsString("struct<user:")));
    assertThat(athena, not(containsString("(user ")));
    assertThat(athena, containsString("  `timestamp` bigint,"));
    // The table reads the payload as text; the view types it and gives null where it does not fit.
    assertThat(athena, containsString("  `payload` string,"));
    assertThat(
        athena, containsString("CREATE EXTERNAL TABLE IF NOT EXISTS accelerometer_landing_raw"));
    assertThat(
        athena,
        containsString(
            "TRY(CAST(json_parse(\"payload\") AS ROW(\"user\" varchar, \"timestamp\" bigint,"));
    assertThat(athena, containsString("CREATE OR REPLACE VIEW accelerometer_landing AS"));
    assertThat(athena, containsString("CREATE OR REPLACE VIEW step_trainer_rejected AS"));
    assertThat(athena, containsString("FROM accelerometer_landing_raw;"));
  }

  @Test
  void everyEnginesLandingAndRejectsTablesTakeThePayloadAsTextUnderATypedView() {
    for (String sql :
        java.util.List.of(
            LakeCatalog.spark("s3://b/l", TableFormat.JSON),
            LakeCatalog.duckdb("s3://b/l", TableFormat.JSON))) {
      for (String dataset : java.util.List.of("customer", "accelerometer", "step_trainer")) {
        for (String table : java.util.List.of(dataset + "_landing", dataset + "_rejected")) {
          assertThat(sql, containsString("VIEW " + table + " AS"));
          assertThat(sql, containsString(table + "_raw"));
        }
      }
      // Messages of no dataset have no struct to type: one table, no view.
      assertThat(sql, not(containsString("unrouted_landing_raw")));
      assertThat(sql, containsString("payloadJson"));
    }
  }

  @Test
  void duckdbReadsNoFileWhoseNameStartsWithADot() {
    Matcher files = DUCKDB_FILES.matcher(LakeCatalog.duckdb("/l", TableFormat.JSON));
    while (files.find()) {
      assertThat(files.group(1), containsString("/dt=*/hr=*/[!.]*."));
    }
  }

  @Test
  void aDeclaredDatasetHasItsLandingTrustedAndRejectsTablesWithItsUnknownFieldsAsAMap() {
    Schema payload =
        SchemaBuilder.record("Reading")
            .fields()
            .requiredString("deviceId")
            .requiredLong("readAt")
            .requiredBoolean("heating")
            .optionalInt("humidity")
            .name("_extra")
            .type()
            .map()
            .values()
            .stringType()
            .noDefault()
            .endRecord();
    Schema table =
        SchemaBuilder.record("Reading")
            .fields()
            .requiredString("deviceId")
            .requiredLong("readAt")
            .requiredBoolean("heating")
            .optionalInt("humidity")
            .name("_extra")
            .type()
            .map()
            .values()
            .stringType()
            .noDefault()
            .requiredLong(TableSchemas.EVENT_TIME)
            .endRecord();
    LakeCatalog.Contents contents =
        new LakeCatalog.Contents(
            false, java.util.List.of(new LakeCatalog.Declared("thermostat", payload, table)));

    java.util.List<String> names =
        LakeCatalog.tables(TableFormat.PARQUET, contents).stream()
            .map(LakeCatalog.Table::name)
            .toList();
    assertThat(
        names,
        equalTo(
            java.util.List.of(
                "thermostat_landing",
                "thermostat_trusted",
                "thermostat_rejected",
                "unrouted_landing",
                "unrouted_rejected")));
    String spark = LakeCatalog.spark("/l", TableFormat.PARQUET, contents);
    assertThat(spark, containsString("`_extra` MAP<STRING,STRING>"));
    assertThat(spark, containsString("`heating` BOOLEAN"));
    // The landing payload's struct holds the declared fields only.
    assertThat(
        spark,
        containsString(
            "from_json(`payload`, 'STRUCT<`deviceId`: STRING, `readAt`: BIGINT, `heating`: BOOLEAN,"
                + " `humidity`: INT>')"));
    assertThat(
        LakeCatalog.duckdb("/l", TableFormat.JSON, contents),
        containsString("'_extra': 'MAP(VARCHAR, VARCHAR)'"));
    assertThat(
        LakeCatalog.athena("s3://b/l", TableFormat.PARQUET, null, contents),
        containsString("`_extra` map<string,string>"));
    assertThat(spark, not(containsString("customer")));
  }
}
