package dev.zonestream.lake;

import dev.zonestream.model.Dataset;
import dev.zonestream.model.Tables;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The lake's tables as engines declare them: DDL for Athena/Glue, Spark SQL and DuckDB, written to
 * {@code <lake>/_catalog/} ({@value #ATHENA}, {@value #SPARK}, {@value #DUCKDB}), generated from
 * the same declared schemas the writers use ({@link TableSchemas}), so the two cannot drift.
 *
 * <p>Tables, under the course's names: the landing tables ({@code customer_landing}, ...: the
 * landing line's fields, the message under {@code payload} as a struct of its dataset's fields and
 * as its JSON text under {@code payloadJson}), the five trusted and curated tables, and the rejects
 * of each dataset ({@code customer_rejected}, ...: the landing line and its {@code reason}). A
 * landing or rejects table is a view over {@code <name>_raw}, which declares the payload as text: a
 * message holding a field of the wrong type reads (its typed payload null) instead of failing the
 * query. Every table is partitioned by {@code dt} (a date) and {@code hr} (two digits), Hive style.
 * Every location is absolute ({@link Locations}).
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

  /**
   * A dataset a lake spec declares beyond STEDI's: its landing and rejects with the payload typed
   * by {@code payload}, and its trusted table of schema {@code table} under {@code trusted/<name>}.
   */
  public record Declared(String name, Schema payload, Schema table) {}

  /**
   * What a lake holds: the STEDI datasets and tables (when its spec runs them) and the declared
   * datasets, each with its landing, trusted and rejects tables.
   */
  public record Contents(boolean stedi, List<Declared> declared) {
    /** The STEDI lake: its three datasets and five tables. */
    public static final Contents STEDI = new Contents(true, List.of());
  }

  /** A column and its type, in a form each engine's type names come from. */
  record Column(String name, String type) {}

  /** How a table's files are stored. */
  enum Storage {
    PARQUET,
    JSON
  }

  /** One table of the catalog. */
  record Table(String name, String folder, Storage storage, List<Column> columns) {
    /**
     * Whether the table's {@code payload} is a struct: a message as received, which may hold a
     * field of the wrong type ({@code "timestamp":"soon"} lands on purpose). Such a table is
     * declared with the payload as its JSON text ({@code <name>_raw}), which no engine fails to
     * read, and the typed struct comes from a view ({@code <name>}) that gives null where the text
     * does not fit.
     */
    boolean typedPayload() {
      return columns.stream().anyMatch(c -> c.name().equals(PAYLOAD) && isStruct(c.type()));
    }

    /** What the engine reads from the files: the name, and the payload as JSON text if typed. */
    Table raw() {
      if (!typedPayload()) {
        return this;
      }
      return new Table(
          name + RAW_SUFFIX,
          folder,
          storage,
          columns.stream()
              .map(c -> c.name().equals(PAYLOAD) ? new Column(PAYLOAD, "json") : c)
              .toList());
    }
  }

  /** The landing line's field holding the message. */
  static final String PAYLOAD = "payload";

  /** The typed views' column holding the message as its JSON text. */
  static final String PAYLOAD_JSON = "payloadJson";

  /** How the tables under the typed views are named after them. */
  public static final String RAW_SUFFIX = "_raw";

  /** What stands for the bucket in Athena's locations of a local lake not yet given one. */
  static final String S3_PLACEHOLDER = "s3://CHANGE-ME-bucket/lake";

  /**
   * Where each engine finds the lake: absolute, whatever folder the job ran in or the engine runs
   * in. A local lake is an absolute path for DuckDB and a {@code file:} URI for Spark (a bare path
   * would be read from the cluster's default file system, HDFS on YARN); Athena reads S3 only: an
   * S3 lake's {@code s3://} URI, or for a local lake the one given for it ({@code
   * --catalogS3Location}, where it will be once copied), or {@link #S3_PLACEHOLDER}.
   */
  record Locations(String duckdb, String spark, String athena, boolean athenaIsPlaceholder) {
    static Locations of(String lake, @Nullable String s3Location) {
      String s3 = s3Location == null ? null : withoutTrailingSlash(toS3(s3Location));
      int scheme = lake.indexOf("://");
      if (lake.startsWith("file:") || scheme < 0) {
        Path path =
            (lake.startsWith("file:") ? Path.of(URI.create(lake)) : Path.of(lake))
                .toAbsolutePath()
                .normalize();
        String uri = withoutTrailingSlash(path.toUri().toString());
        return new Locations(path.toString(), uri, s3 == null ? S3_PLACEHOLDER : s3, s3 == null);
      }
      String athena = s3 != null ? s3 : lake.startsWith("s3") ? toS3(lake) : lake;
      return new Locations(toS3(lake), lake, athena, false);
    }

    /** {@code s3a://} and {@code s3n://} as {@code s3://}, which DuckDB and Athena read. */
    private static String toS3(String uri) {
      return uri.startsWith("s3a://") || uri.startsWith("s3n://") ? "s3" + uri.substring(3) : uri;
    }

    private static String withoutTrailingSlash(String uri) {
      return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }
  }

  /**
   * The lake as DuckDB's catalog names it: a local lake's absolute path, an S3 lake's {@code s3://}
   * URI.
   */
  public static String absolute(String lake) {
    return Locations.of(lake, null).duckdb();
  }

  static boolean isStruct(String type) {
    return type.startsWith("struct<");
  }

  /** The struct type's fields, as {@code name:type} pairs. */
  private static List<Column> structFields(String type) {
    String fields = type.substring("struct<".length(), type.length() - 1);
    return java.util.Arrays.stream(fields.split(","))
        .map(f -> new Column(f.substring(0, f.indexOf(':')), f.substring(f.indexOf(':') + 1)))
        .toList();
  }

  /** Every table of the STEDI lake whose trusted and curated tables are {@code format}. */
  static List<Table> tables(TableFormat format) {
    return tables(format, Contents.STEDI);
  }

  /** Every table of a lake holding {@code contents} whose trusted tables are {@code format}. */
  static List<Table> tables(TableFormat format, Contents contents) {
    List<Table> tables = new ArrayList<>();
    if (contents.stedi()) {
      tables.addAll(stediTables(format));
    }
    for (Declared dataset : contents.declared()) {
      String payload = structOf(dataset.payload());
      tables.add(
          new Table(
              dataset.name() + "_landing",
              "landing/" + dataset.name(),
              Storage.JSON,
              landingColumns(payload, false)));
      tables.add(
          new Table(
              dataset.name() + "_trusted",
              "trusted/" + dataset.name(),
              format == TableFormat.PARQUET ? Storage.PARQUET : Storage.JSON,
              columns(dataset.table(), format)));
      tables.add(
          new Table(
              dataset.name() + "_rejected",
              Tables.REJECTED + "/" + dataset.name(),
              Storage.JSON,
              landingColumns(payload, true)));
    }
    if (!contents.stedi()) {
      tables.addAll(unroutedTables());
    }
    return tables;
  }

  /** The landing and rejects of messages of no dataset. */
  private static List<Table> unroutedTables() {
    return List.of(
        new Table(
            "unrouted_landing",
            "landing/" + Dataset.UNROUTED_FOLDER,
            Storage.JSON,
            landingColumns("json", false)),
        new Table(
            "unrouted_rejected",
            Tables.REJECTED + "/" + Dataset.UNROUTED_FOLDER,
            Storage.JSON,
            landingColumns("json", true)));
  }

  /**
   * A table schema's columns; the JSON format has no typed event-time column, and holds a declared
   * time as the epoch milliseconds it is in the JSON ({@code bigint}).
   */
  private static List<Column> columns(Schema schema, TableFormat format) {
    List<Column> columns = new ArrayList<>();
    for (Schema.Field field : schema.getFields()) {
      if (format == TableFormat.JSON && field.name().equals(TableSchemas.EVENT_TIME)) {
        continue;
      }
      columns.add(new Column(field.name(), typeOf(field.schema(), format == TableFormat.JSON)));
    }
    return columns;
  }

  /** The STEDI datasets' and tables' part of the catalog. */
  private static List<Table> stediTables(TableFormat format) {
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
          List<Column> columns = columns(TableSchemas.of(folder).orElseThrow(), format);
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
    return structOf(TableSchemas.of(folder).orElseThrow());
  }

  /** {@code struct<name:type,...>} of a record's fields but its event time and unknown fields. */
  private static String structOf(Schema record) {
    return record.getFields().stream()
        .filter(f -> !f.name().equals(TableSchemas.EVENT_TIME))
        .filter(f -> f.schema().getType() != Schema.Type.MAP)
        .map(f -> f.name() + ":" + typeOf(f.schema(), true))
        .collect(Collectors.joining(",", "struct<", ">"));
  }

  /**
   * The SQL type of a field; a {@code timestamp-millis} is a {@code timestamp} where the file types
   * it (Parquet), {@code bigint} in JSON text ({@code inJson}), which holds epoch milliseconds.
   */
  private static String typeOf(Schema schema, boolean inJson) {
    Schema type = schema;
    if (type.getType() == Schema.Type.UNION) {
      type =
          type.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().get();
    }
    if (type.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
      return inJson ? "bigint" : "timestamp";
    }
    return switch (type.getType()) {
      case STRING -> "string";
      case LONG -> "bigint";
      case INT -> "int";
      case DOUBLE -> "double";
      case FLOAT -> "float";
      case BOOLEAN -> "boolean";
      case MAP -> "map<string,string>"; // the unknown fields, each as its JSON text
      default -> throw new IllegalArgumentException("no SQL type for " + type);
    };
  }

  /**
   * Athena/Glue DDL: external tables on the lake's S3 location with partition projection; a typed
   * view over each table whose payload is a struct ({@link Table#typedPayload}).
   */
  public static String athena(String lake, TableFormat format, @Nullable String s3Location) {
    return athena(lake, format, s3Location, Contents.STEDI);
  }

  /** As above, for a lake holding {@code contents}. */
  public static String athena(
      String lake, TableFormat format, @Nullable String s3Location, Contents contents) {
    Locations at = Locations.of(lake, s3Location);
    StringBuilder sql = new StringBuilder();
    sql.append("-- zonestream lake catalog for Amazon Athena (AWS Glue Data Catalog).\n")
        .append("-- Run each statement in the database of your choice. Partition projection\n")
        .append("-- finds the dt=/hr= folders: no crawler and no MSCK REPAIR needed.\n")
        .append("-- Projection starts at ")
        .append(PROJECTION_START)
        .append("; edit projection.dt.range for older data.\n");
    if (at.athenaIsPlaceholder()) {
      sql.append("-- This lake is local (")
          .append(at.duckdb())
          .append("): Athena reads S3 only. Copy the lake\n-- to S3 and replace ")
          .append(S3_PLACEHOLDER)
          .append(" below with its s3:// URI, or run the job with\n")
          .append("-- --catalogS3Location=s3://bucket/prefix to have it written here.\n");
    }
    sql.append("\n");
    for (Table table : tables(format, contents)) {
      Table raw = table.raw();
      String location = at.athena() + "/" + table.folder() + "/";
      sql.append("CREATE EXTERNAL TABLE IF NOT EXISTS ")
          .append(raw.name())
          .append(" (\n")
          .append(
              raw.columns().stream()
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
      if (table.typedPayload()) {
        // Views are Trino SQL: identifiers in double quotes, JSON cast to a ROW by field name.
        sql.append(
            typedView(
                table,
                "\"",
                type -> "TRY(CAST(json_parse(\"payload\") AS " + trinoType(type) + "))"));
      }
    }
    return sql.toString();
  }

  /**
   * Spark SQL DDL: tables on the lake, their partitions recovered from the folders; a typed view
   * over each table whose payload is a struct.
   */
  public static String spark(String lake, TableFormat format) {
    return spark(lake, format, Contents.STEDI);
  }

  /** As above, for a lake holding {@code contents}. */
  public static String spark(String lake, TableFormat format, Contents contents) {
    Locations at = Locations.of(lake, null);
    StringBuilder sql = new StringBuilder();
    sql.append("-- zonestream lake catalog for Spark SQL (spark-sql -f, or spark.sql per\n")
        .append("-- statement). RECOVER PARTITIONS registers the dt=/hr= folders found now:\n")
        .append("-- run it again after new hours have landed.\n");
    if (at.spark().startsWith("s3://")) {
      sql.append("-- Outside EMR (whose EMRFS reads s3://), Spark reads S3 through hadoop-aws:\n")
          .append("-- write s3a:// for s3:// below.\n");
    }
    sql.append("\n");
    for (Table table : tables(format, contents)) {
      Table raw = table.raw();
      sql.append("CREATE TABLE IF NOT EXISTS ")
          .append(raw.name())
          .append(" (\n")
          .append(
              raw.columns().stream()
                  .map(c -> "  `" + c.name() + "` " + sparkType(c.type()))
                  .collect(Collectors.joining(",\n")))
          .append(",\n  `dt` DATE,\n  `hr` STRING\n)\nUSING ")
          .append(table.storage() == Storage.PARQUET ? "parquet" : "json")
          .append("\nPARTITIONED BY (`dt`, `hr`)\nLOCATION '")
          .append(at.spark())
          .append("/")
          .append(table.folder())
          .append("';\n")
          .append("ALTER TABLE ")
          .append(raw.name())
          .append(" RECOVER PARTITIONS;\n\n");
      if (table.typedPayload()) {
        // A string column holding a JSON object reads as the object's text; from_json gives
        // null for what does not fit the type.
        sql.append(
            typedView(table, "`", type -> "from_json(`payload`, '" + sparkType(type) + "')"));
      }
    }
    return sql.toString();
  }

  /**
   * DuckDB views over the lake's final data files (never a writer's or a compaction's temporary
   * file, whose names start with {@code .}), and a typed view over each view whose payload is a
   * struct.
   */
  public static String duckdb(String lake, TableFormat format) {
    return duckdb(lake, format, Contents.STEDI);
  }

  /** As above, for a lake holding {@code contents}. */
  public static String duckdb(String lake, TableFormat format, Contents contents) {
    Locations at = Locations.of(lake, null);
    StringBuilder sql = new StringBuilder();
    sql.append("-- zonestream lake catalog for DuckDB: duckdb -init ")
        .append(at.duckdb())
        .append("/")
        .append(FOLDER)
        .append("/")
        .append(DUCKDB)
        .append(", or .read it.\n")
        .append("-- Views over the files as they are now and later; an S3 lake needs\n")
        .append("-- INSTALL httpfs; LOAD httpfs; and S3 credentials first.\n\n");
    String hive = "hive_partitioning = true, hive_types = {'dt': DATE, 'hr': VARCHAR}";
    for (Table table : tables(format, contents)) {
      Table raw = table.raw();
      // DuckDB's * also matches names starting with a dot: [!.] leaves them out.
      String files = at.duckdb() + "/" + table.folder() + "/dt=*/hr=*/[!.]*";
      sql.append("CREATE OR REPLACE VIEW ").append(raw.name()).append(" AS\n");
      if (table.storage() == Storage.PARQUET) {
        sql.append("SELECT * FROM read_parquet('")
            .append(files)
            .append(".parquet', ")
            .append(hive)
            .append(", union_by_name = true);\n\n");
        continue;
      }
      List<String> select = new ArrayList<>();
      List<String> declared = new ArrayList<>();
      for (Column column : raw.columns()) {
        declared.add("'" + column.name() + "': '" + duckdbType(column.type()) + "'");
        select.add("\"" + column.name() + "\"");
      }
      sql.append("SELECT ")
          .append(String.join(", ", select))
          .append(", dt, hr\nFROM read_json('")
          .append(files)
          .append(".jsonl*', format = 'newline_delimited', ")
          .append(hive)
          .append(",\n  columns = {")
          .append(String.join(", ", declared))
          .append("});\n\n");
      if (table.typedPayload()) {
        sql.append(
            typedView(table, "\"", type -> "TRY_CAST(\"payload\" AS " + duckdbType(type) + ")"));
      }
    }
    return sql.toString();
  }

  /**
   * {@code CREATE OR REPLACE VIEW <name> AS SELECT ... FROM <name>_raw}: every column as it is, the
   * payload typed by {@code typed} (given the struct's type), and the payload's JSON text beside it
   * as {@value #PAYLOAD_JSON}.
   */
  private static String typedView(
      Table table, String quote, java.util.function.Function<String, String> typed) {
    List<String> select = new ArrayList<>();
    for (Column column : table.columns()) {
      if (column.name().equals(PAYLOAD)) {
        select.add(typed.apply(column.type()) + " AS " + quote + PAYLOAD + quote);
        select.add(quote + PAYLOAD + quote + " AS " + quote + PAYLOAD_JSON + quote);
      } else {
        select.add(quote + column.name() + quote);
      }
    }
    return "CREATE OR REPLACE VIEW "
        + table.name()
        + " AS\nSELECT "
        + String.join(", ", select)
        + ", "
        + quote
        + "dt"
        + quote
        + ", "
        + quote
        + "hr"
        + quote
        + "\nFROM "
        + table.raw().name()
        + ";\n\n";
  }

  /** Hive's name of {@code type} for Athena's DDL (a struct is in a view only, as a ROW). */
  private static String athenaType(String type) {
    return type.replace("json", "string");
  }

  /** Trino's name of {@code type}, for Athena's views. */
  private static String trinoType(String type) {
    if (isStruct(type)) {
      return structFields(type).stream()
          .map(f -> "\"" + f.name() + "\" " + trinoType(f.type()))
          .collect(Collectors.joining(", ", "ROW(", ")"));
    }
    return switch (type) {
      case "string", "json" -> "varchar";
      case "bigint" -> "bigint";
      case "int" -> "integer";
      case "double" -> "double";
      case "float" -> "real";
      case "boolean" -> "boolean";
      case "timestamp" -> "timestamp(3)";
      default -> throw new IllegalArgumentException("no Trino type for " + type);
    };
  }

  /**
   * Spark's name of {@code type}, the field names of a struct as they are (they are matched as is).
   */
  private static String sparkType(String type) {
    if (isStruct(type)) {
      return structFields(type).stream()
          .map(f -> "`" + f.name() + "`: " + sparkType(f.type()))
          .collect(Collectors.joining(", ", "STRUCT<", ">"));
    }
    return type.replace("json", "string").toUpperCase(Locale.ROOT);
  }

  private static String duckdbType(String type) {
    if (isStruct(type)) {
      return structFields(type).stream()
          .map(f -> "\"" + f.name() + "\" " + duckdbType(f.type()))
          .collect(Collectors.joining(", ", "STRUCT(", ")"));
    }
    return switch (type) {
      case "string" -> "VARCHAR";
      case "bigint" -> "BIGINT";
      case "int" -> "INTEGER";
      case "double" -> "DOUBLE";
      case "float" -> "FLOAT";
      case "boolean" -> "BOOLEAN";
      case "map<string,string>" -> "MAP(VARCHAR, VARCHAR)";
      case "timestamp" -> "TIMESTAMPTZ";
      case "json" -> "JSON";
      default -> throw new IllegalArgumentException("no DuckDB type for " + type);
    };
  }

  /**
   * Writes {@code <lake>/_catalog/} ({@value #ATHENA}, {@value #SPARK}, {@value #DUCKDB}) for
   * {@code format}, and the empty file of each table that has none. {@code s3Location} is where
   * Athena's tables of a local lake point (the S3 URI it will be copied to), or null.
   */
  public static void write(String lake, TableFormat format, @Nullable String s3Location)
      throws IOException {
    write(lake, format, s3Location, Contents.STEDI);
  }

  /** As above, for a lake holding {@code contents}. */
  public static void write(
      String lake, TableFormat format, @Nullable String s3Location, Contents contents)
      throws IOException {
    LakeIo.writeText(
        lake + "/" + FOLDER + "/" + ATHENA, athena(lake, format, s3Location, contents));
    LakeIo.writeText(lake + "/" + FOLDER + "/" + SPARK, spark(lake, format, contents));
    LakeIo.writeText(lake + "/" + FOLDER + "/" + DUCKDB, duckdb(lake, format, contents));
    Map<String, Schema> schemas = new HashMap<>(TableSchemas.all());
    contents.declared().forEach(d -> schemas.put("trusted/" + d.name(), d.table()));
    for (Table table : tables(format, contents)) {
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
            ParquetIO.sink(java.util.Objects.requireNonNull(schemas.get(table.folder())));
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
