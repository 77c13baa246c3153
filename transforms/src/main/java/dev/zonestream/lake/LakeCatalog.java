package dev.zonestream.lake;

import dev.zonestream.model.Dataset;
import dev.zonestream.model.Tables;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * The lake's tables as engines declare them: DDL for Athena/Glue, Spark SQL and DuckDB, written to
 * {@code <lake>/_catalog/} ({@value #ATHENA}, {@value #SPARK}, {@value #DUCKDB}), generated from
 * the same declared schemas the writers use ({@link TableSchemas}), so the two cannot drift.
 *
 * <p>Tables, under the course's names: the landing tables ({@code customer_landing}, ...: the
 * landing line's fields, the message under {@code payload} as a struct of its dataset's fields),
 * the five trusted and curated tables, and the rejects of each dataset ({@code customer_rejected},
 * ...: the landing line and its {@code reason}). Every table is partitioned by {@code dt} (a date)
 * and {@code hr} (two digits), Hive style.
 *
 * <p>An empty table reads as no rows: {@link #write} gives each table an empty file of its schema
 * ({@value #EMPTY_PARTITION}{@code /_empty.parquet} or {@code _empty.jsonl}), because DuckDB's file
 * scans stop at a pattern that matches no file. Spark, Hive and Athena skip files whose names start
 * with {@code _}, and so do zonestream's readers.
 */
public final class LakeCatalog {
  public static final String FOLDER = "_catalog";
  public static final String ATHENA = "athena.sql";
  public static final String SPARK = "spark.sql";
  public static final String DUCKDB = "duckdb.sql";

  /** How the empty files' names start. */
  public static final String EMPTY_NAME = "_empty.";

  /** The partition of the empty files. */
  public static final String EMPTY_PARTITION = "dt=1970-01-01/hr=00";

  /** Where Athena's partition projection starts (edit the DDL for older data). */
  static final String PROJECTION_START = "2020-01-01";

  private LakeCatalog() {}

  /** A column and its type, in a form each engine's type names come from. */
  record Column(String name, String type) {}

  /** How a table's files are stored. */
  enum Storage {
    PARQUET,
    JSON
  }

  /** One table of the catalog. */
  record Table(String name, String folder, Storage storage, List<Column> columns) {}

  /** Every table of a lake whose trusted and curated tables are {@code format}. */
  static List<Table> tables(TableFormat format) {
    List<Table> tables = new ArrayList<>();
    for (Dataset dataset : Dataset.values()) {
      tables.add(
          new Table(
              dataset.folder() + "_landing",
              "landing/" + dataset.folder(),
              Storage.JSON,
              landingColumns(payloadType(dataset), false)));
    }
    tables.add(
        new Table(
            "unrouted_landing",
            "landing/" + Dataset.UNROUTED_FOLDER,
            Storage.JSON,
            landingColumns("json", false)));
    Map<String, String> names = new LinkedHashMap<>();
    names.put(Tables.CUSTOMER_TRUSTED, "customer_trusted");
    names.put(Tables.ACCELEROMETER_TRUSTED, "accelerometer_trusted");
    names.put(Tables.STEP_TRAINER_TRUSTED, "step_trainer_trusted");
    names.put(Tables.CUSTOMER_CURATED, "customers_curated");
    names.put(Tables.MACHINE_LEARNING_CURATED, "machine_learning_curated");
    names.forEach(
        (folder, name) -> {
          Schema schema = TableSchemas.of(folder).orElseThrow();
          List<Column> columns = new ArrayList<>();
          for (Schema.Field field : schema.getFields()) {
            if (format == TableFormat.JSON && field.name().equals(TableSchemas.EVENT_TIME)) {
              continue;
            }
            columns.add(new Column(field.name(), typeOf(field.schema())));
          }
          tables.add(
              new Table(
                  name,
                  folder,
                  format == TableFormat.PARQUET ? Storage.PARQUET : Storage.JSON,
                  columns));
        });
    for (Dataset dataset : Dataset.values()) {
      tables.add(
          new Table(
              dataset.folder() + "_rejected",
              Tables.REJECTED + "/" + dataset.folder(),
              Storage.JSON,
              landingColumns(payloadType(dataset), true)));
    }
    tables.add(
        new Table(
            "unrouted_rejected",
            Tables.REJECTED + "/" + Dataset.UNROUTED_FOLDER,
            Storage.JSON,
            landingColumns("json", true)));
    return tables;
  }

  /** A landing line's fields ({@code LandingLine}), and a reject's {@code reason}. */
  private static List<Column> landingColumns(String payload, boolean rejected) {
    List<Column> columns =
        new ArrayList<>(
            List.of(
                new Column("dataset", "string"),
                new Column("sourceKind", "string"),
                new Column("source", "string"),
                new Column("partition", "string"),
                new Column("offset", "string"),
                new Column("brokerTimestamp", "bigint"),
                new Column("ingestTime", "bigint"),
                new Column("key", "string"),
                new Column("keyBase64", "string"),
                new Column("payload", payload),
                new Column("payloadBase64", "string"),
                new Column("payloadError", "string")));
    if (rejected) {
      columns.add(new Column("reason", "string"));
    }
    return columns;
  }

  /** {@code struct<name:type,...>} of a dataset's record fields, every one nullable. */
  private static String payloadType(Dataset dataset) {
    String folder =
        switch (dataset) {
          case CUSTOMER -> Tables.CUSTOMER_TRUSTED;
          case ACCELEROMETER -> Tables.ACCELEROMETER_TRUSTED;
          case STEP_TRAINER -> Tables.STEP_TRAINER_TRUSTED;
        };
    return TableSchemas.of(folder).orElseThrow().getFields().stream()
        .filter(f -> !f.name().equals(TableSchemas.EVENT_TIME))
        .map(f -> f.name() + ":" + typeOf(f.schema()))
        .collect(Collectors.joining(",", "struct<", ">"));
  }

  private static String typeOf(Schema schema) {
    Schema type = schema;
    if (type.getType() == Schema.Type.UNION) {
      type =
          type.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().get();
    }
    if (type.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
      return "timestamp";
    }
    return switch (type.getType()) {
      case STRING -> "string";
      case LONG -> "bigint";
      case DOUBLE -> "double";
      default -> throw new IllegalArgumentException("no SQL type for " + type);
    };
  }

  /** Athena/Glue DDL: external tables on {@code lake} with partition projection. */
  public static String athena(String lake, TableFormat format) {
    StringBuilder sql = new StringBuilder();
    sql.append("-- zonestream lake catalog for Amazon Athena (AWS Glue Data Catalog).\n")
        .append("-- Run each statement in the database of your choice. Partition projection\n")
        .append("-- finds the dt=/hr= folders: no crawler and no MSCK REPAIR needed.\n")
        .append("-- Projection starts at ")
        .append(PROJECTION_START)
        .append("; edit projection.dt.range for older data.\n\n");
    for (Table table : tables(format)) {
      String location = lake + "/" + table.folder() + "/";
      sql.append("CREATE EXTERNAL TABLE IF NOT EXISTS ")
          .append(table.name())
          .append(" (\n")
          .append(
              table.columns().stream()
                  .map(c -> "  `" + c.name() + "` " + athenaType(c.type()))
                  .collect(Collectors.joining(",\n")))
          .append("\n)\nPARTITIONED BY (`dt` date, `hr` string)\n");
      if (table.storage() == Storage.PARQUET) {
        sql.append("STORED AS PARQUET\n");
      } else {
        sql.append("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n")
            .append("WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')\n")
            .append("STORED AS TEXTFILE\n");
      }
      sql.append("LOCATION '")
          .append(location)
          .append("'\nTBLPROPERTIES (\n")
          .append("  'projection.enabled' = 'true',\n")
          .append("  'projection.dt.type' = 'date',\n")
          .append("  'projection.dt.format' = 'yyyy-MM-dd',\n")
          .append("  'projection.dt.range' = '" + PROJECTION_START + ",NOW',\n")
          .append("  'projection.dt.interval' = '1',\n")
          .append("  'projection.dt.interval.unit' = 'DAYS',\n")
          .append("  'projection.hr.type' = 'integer',\n")
          .append("  'projection.hr.range' = '0,23',\n")
          .append("  'projection.hr.digits' = '2',\n")
          .append("  'storage.location.template' = '")
          .append(location)
          .append("dt=${dt}/hr=${hr}/'\n);\n\n");
    }
    return sql.toString();
  }

  /** Spark SQL DDL: tables on {@code lake}, their partitions recovered from the folders. */
  public static String spark(String lake, TableFormat format) {
    StringBuilder sql = new StringBuilder();
    sql.append("-- zonestream lake catalog for Spark SQL (spark-sql -f, or spark.sql per\n")
        .append("-- statement). RECOVER PARTITIONS registers the dt=/hr= folders found now:\n")
        .append("-- run it again after new hours have landed.\n");
    if (lake.startsWith("s3://")) {
      sql.append("-- Outside EMR (whose EMRFS reads s3://), Spark reads S3 through hadoop-aws:\n")
          .append("-- write s3a:// for s3:// below.\n");
    }
    sql.append("\n");
    for (Table table : tables(format)) {
      sql.append("CREATE TABLE IF NOT EXISTS ")
          .append(table.name())
          .append(" (\n")
          .append(
              table.columns().stream()
                  .map(c -> "  `" + c.name() + "` " + sparkType(c.type()))
                  .collect(Collectors.joining(",\n")))
          .append(",\n  `dt` DATE,\n  `hr` STRING\n)\nUSING ")
          .append(table.storage() == Storage.PARQUET ? "parquet" : "json")
          .append("\nPARTITIONED BY (`dt`, `hr`)\nLOCATION '")
          .append(lake)
          .append("/")
          .append(table.folder())
          .append("';\n")
          .append("ALTER TABLE ")
          .append(table.name())
          .append(" RECOVER PARTITIONS;\n\n");
    }
    return sql.toString();
  }

  /** DuckDB views over {@code lake}'s files. */
  public static String duckdb(String lake, TableFormat format) {
    StringBuilder sql = new StringBuilder();
    sql.append("-- zonestream lake catalog for DuckDB: duckdb -init ")
        .append(FOLDER)
        .append("/")
        .append(DUCKDB)
        .append(", or .read it.\n")
        .append("-- Views over the files as they are now and later; an S3 lake needs\n")
        .append("-- INSTALL httpfs; LOAD httpfs; and S3 credentials first.\n\n");
    String hive = "hive_partitioning = true, hive_types = {'dt': DATE, 'hr': VARCHAR}";
    for (Table table : tables(format)) {
      String files = lake + "/" + table.folder() + "/*/*/";
      sql.append("CREATE OR REPLACE VIEW ").append(table.name()).append(" AS\n");
      if (table.storage() == Storage.PARQUET) {
        sql.append("SELECT * FROM read_parquet('")
            .append(files)
            .append("*.parquet', ")
            .append(hive)
            .append(", union_by_name = true);\n\n");
        continue;
      }
      List<String> select = new ArrayList<>();
      List<String> declared = new ArrayList<>();
      for (Column column : table.columns()) {
        boolean struct = column.type().startsWith("struct<");
        declared.add(
            "'" + column.name() + "': '" + (struct ? "JSON" : duckdbType(column.type())) + "'");
        select.add(
            struct
                ? "TRY_CAST(\""
                    + column.name()
                    + "\" AS "
                    + duckdbType(column.type())
                    + ") AS \""
                    + column.name()
                    + "\""
                : "\"" + column.name() + "\"");
      }
      sql.append("SELECT ")
          .append(String.join(", ", select))
          .append(", dt, hr\nFROM read_json('")
          .append(files)
          .append("*.jsonl*', format = 'newline_delimited', ")
          .append(hive)
          .append(",\n  columns = {")
          .append(String.join(", ", declared))
          .append("});\n\n");
    }
    return sql.toString();
  }

  private static String athenaType(String type) {
    return type.replace("json", "string");
  }

  /**
   * Spark's name of {@code type}, the field names of a struct as they are (they are matched as is).
   */
  private static String sparkType(String type) {
    if (type.startsWith("struct<")) {
      String fields = type.substring("struct<".length(), type.length() - 1);
      return java.util.Arrays.stream(fields.split(","))
          .map(
              f -> {
                int colon = f.indexOf(':');
                return "`" + f.substring(0, colon) + "`: " + sparkType(f.substring(colon + 1));
              })
          .collect(Collectors.joining(", ", "STRUCT<", ">"));
    }
    return type.replace("json", "string").toUpperCase(Locale.ROOT);
  }

  private static String duckdbType(String type) {
    if (type.startsWith("struct<")) {
      String fields = type.substring("struct<".length(), type.length() - 1);
      return "STRUCT("
          + java.util.Arrays.stream(fields.split(","))
              .map(
                  f -> {
                    int colon = f.indexOf(':');
                    return "\""
                        + f.substring(0, colon)
                        + "\" "
                        + duckdbType(f.substring(colon + 1));
                  })
              .collect(Collectors.joining(", "))
          + ")";
    }
    return switch (type) {
      case "string" -> "VARCHAR";
      case "bigint" -> "BIGINT";
      case "double" -> "DOUBLE";
      case "timestamp" -> "TIMESTAMPTZ";
      case "json" -> "JSON";
      default -> throw new IllegalArgumentException("no DuckDB type for " + type);
    };
  }

  /**
   * Writes {@code <lake>/_catalog/} ({@value #ATHENA}, {@value #SPARK}, {@value #DUCKDB}) for
   * {@code format}, and the empty file of each table that has none.
   */
  public static void write(String lake, TableFormat format) throws IOException {
    LakeIo.writeText(lake + "/" + FOLDER + "/" + ATHENA, athena(lake, format));
    LakeIo.writeText(lake + "/" + FOLDER + "/" + SPARK, spark(lake, format));
    LakeIo.writeText(lake + "/" + FOLDER + "/" + DUCKDB, duckdb(lake, format));
    for (Table table : tables(format)) {
      String empty =
          lake
              + "/"
              + table.folder()
              + "/"
              + EMPTY_PARTITION
              + "/"
              + EMPTY_NAME
              + (table.storage() == Storage.PARQUET ? "parquet" : "jsonl");
      if (LakeIo.exists(empty)) {
        continue;
      }
      if (table.storage() == Storage.PARQUET) {
        FileIO.Sink<org.apache.avro.generic.GenericRecord> sink =
            ParquetIO.sink(TableSchemas.of(table.folder()).orElseThrow());
        try (WritableByteChannel channel = create(empty)) {
          sink.open(channel);
          sink.flush();
        }
      } else {
        LakeIo.writeText(empty, "");
      }
    }
  }

  private static WritableByteChannel create(String path) throws IOException {
    ResourceId resource = FileSystems.matchNewResource(path, false);
    return FileSystems.create(resource, MimeTypes.BINARY);
  }
}
