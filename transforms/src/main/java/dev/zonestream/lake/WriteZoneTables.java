package dev.zonestream.lake;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import dev.zonestream.model.MetricNames;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Partition;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Writes zone tables under {@code <lake>/<table>/dt=YYYY-MM-DD/hr=HH/}, partitioned by each row's
 * own time (its event time; a reject's broker time). A table with a declared schema ({@link
 * TableSchemas}: the five trusted and curated tables) is written as Parquet (snappy, through Beam's
 * {@link org.apache.beam.sdk.io.parquet.ParquetIO#sink}) unless {@link #withFormat}({@link
 * TableFormat#JSON}); the rejects, and every table in the JSON format, as JSON Lines (gzip unless
 * {@link #withCompression} says otherwise).
 *
 * <p>Bounded input is written once: {@code <table name>-all-<shard>-of-<n>.parquet} (or {@code
 * .jsonl.gz}) per partition. A stream is written in fixed windows of element time ({@code
 * withWindow}), one file per partition, window and pane: {@code <table
 * name>-<start>-<end>-<pane>[-<run>]-<shard>-of-<n>.parquet}, where {@code withRunId} keeps a
 * restarted stream from replacing an earlier run's files. Rows are counted when made ({@link
 * MetricNames#TABLE_ROWS}) and when read back from final files ({@link
 * MetricNames#TABLE_ROWS_WRITTEN}: lines of a JSON file, the footer's row count of a Parquet one).
 */
@AutoValue
public abstract class WriteZoneTables
    extends PTransform<PCollectionList<TableRow>, PCollection<LandedFile>> {
  abstract @Nullable String lake();

  abstract Duration window();

  abstract Duration allowedLateness();

  abstract Compression compression();

  abstract @Nullable String runId();

  abstract TableFormat format();

  abstract Map<String, Schema> declaredSchemas();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setLake(@Nullable String lake);

    abstract Builder setWindow(Duration window);

    abstract Builder setAllowedLateness(Duration allowedLateness);

    abstract Builder setCompression(Compression compression);

    abstract Builder setRunId(@Nullable String runId);

    abstract Builder setFormat(TableFormat format);

    abstract Builder setDeclaredSchemas(Map<String, Schema> schemas);

    abstract WriteZoneTables build();
  }

  public static WriteZoneTables create() {
    return new AutoValue_WriteZoneTables.Builder()
        .setWindow(Duration.standardMinutes(1))
        .setAllowedLateness(Duration.standardHours(1))
        .setCompression(Compression.GZIP)
        .setFormat(TableFormat.PARQUET)
        .setDeclaredSchemas(Map.of())
        .build();
  }

  /**
   * The schemas of tables beyond the five of {@link TableSchemas}, by folder under the lake (a lake
   * spec's trusted tables): written as Parquet too.
   */
  public WriteZoneTables withDeclaredSchemas(Map<String, Schema> schemas) {
    return toBuilder().setDeclaredSchemas(new HashMap<>(schemas)).build();
  }

  /**
   * The format of the tables with a declared schema (default {@link TableFormat#PARQUET}); the
   * rejects are JSON Lines either way.
   */
  public WriteZoneTables withFormat(TableFormat value) {
    return toBuilder().setFormat(checkArgumentNotNull(value, "table format")).build();
  }

  /** Names a stream's files with {@code id} (letters, digits and {@code -}) as well. */
  public WriteZoneTables withRunId(String id) {
    if (id == null || !id.matches("[A-Za-z0-9-]+")) {
      throw new IllegalArgumentException("a run id is letters, digits and '-', got " + id);
    }
    return toBuilder().setRunId(id).build();
  }

  /** How late a streamed row may still be written (as a further pane of its window). */
  public WriteZoneTables withAllowedLateness(Duration value) {
    if (value == null || value.getMillis() < 0) {
      throw new IllegalArgumentException("allowed lateness must not be negative, got " + value);
    }
    return toBuilder().setAllowedLateness(value).build();
  }

  /** The lake's root; tables are folders under it. */
  public WriteZoneTables to(String lakeRoot) {
    return toBuilder().setLake(checkArgumentNotNull(lakeRoot, "lake root")).build();
  }

  /** A stream's file window. */
  public WriteZoneTables withWindow(Duration length) {
    if (length == null || length.getMillis() <= 0) {
      throw new IllegalArgumentException("window length must be positive, got " + length);
    }
    return toBuilder().setWindow(length).build();
  }

  public WriteZoneTables withCompression(Compression value) {
    if (value != Compression.GZIP && value != Compression.UNCOMPRESSED) {
      throw new IllegalArgumentException("zone tables are gzip or uncompressed, got " + value);
    }
    return toBuilder().setCompression(value).build();
  }

  /** {@code trusted/customer/dt=2022-06-18/hr=15} for a row. */
  static String destination(TableRow row) {
    return row.table() + "/" + LakePaths.partition(row.partitionTime());
  }

  /** The table of a destination: {@code trusted/customer}. */
  static String tableOf(String destination) {
    return destination.substring(0, destination.indexOf("/dt="));
  }

  @Override
  public PCollection<LandedFile> expand(PCollectionList<TableRow> tables) {
    String root = checkArgumentNotNull(lake(), "WriteZoneTables needs to(lakeRoot)");
    String run = runId();
    // Tables come out of differently windowed stages (sessions, the source's windows): give all
    // the same file windows before they meet.
    PCollectionList<TableRow> windowed = PCollectionList.empty(tables.getPipeline());
    for (int i = 0; i < tables.size(); i++) {
      PCollection<TableRow> rows = tables.get(i);
      Window<TableRow> windowing =
          rows.isBounded() == PCollection.IsBounded.BOUNDED
              ? Window.into(new GlobalWindows())
              : Window.<TableRow>into(FixedWindows.of(window()))
                  .triggering(
                      AfterWatermark.pastEndOfWindow()
                          .withLateFirings(AfterPane.elementCountAtLeast(1)))
                  .withAllowedLateness(allowedLateness())
                  .discardingFiredPanes();
      windowed = windowed.and(rows.apply("WindowRows" + i, windowing));
    }
    PCollection<TableRow> rows = windowed.apply("AllRows", Flatten.pCollections());
    TableFormat format = format();
    HashMap<String, Schema> schemas = new HashMap<>(TableSchemas.all());
    schemas.putAll(declaredSchemas());
    PCollectionList<TableRow> byFormat =
        rows.apply(
            "ByFormat",
            Partition.of(
                2,
                (TableRow row, int n) ->
                    format == TableFormat.PARQUET && schemas.containsKey(row.table()) ? 0 : 1));
    PCollection<KV<String, String>> parquetFiles =
        byFormat
            .get(0)
            .apply(
                "WriteParquet",
                tableFiles(root, run, TableFormat.PARQUET)
                    .via(
                        Contextful.fn(
                            (String destination) ->
                                new ParquetTableSink(
                                    checkArgumentNotNull(schemas.get(tableOf(destination)))))))
            .getPerDestinationOutputFilenames();
    PCollection<KV<String, String>> jsonFiles =
        byFormat
            .get(1)
            .apply(
                "WriteJsonLines",
                tableFiles(root, run, TableFormat.JSON)
                    .via(Contextful.fn(TableRow::json), TextIO.sink())
                    .withCompression(compression()))
            .getPerDestinationOutputFilenames();
    return PCollectionList.of(parquetFiles)
        .and(jsonFiles)
        .apply("AllFiles", Flatten.pCollections())
        .apply(
            "ByTable",
            MapElements.into(
                    TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
                .via((KV<String, String> file) -> KV.of(tableOf(file.getKey()), file.getValue())))
        .apply("CountWrittenRows", ParDo.of(new CountFileLinesFn(MetricNames.TABLE_ROWS_WRITTEN)));
  }

  /**
   * One file per table partition, window and pane, under {@code root}, named for {@code format}.
   */
  private static FileIO.Write<String, TableRow> tableFiles(
      String root, @Nullable String run, TableFormat format) {
    return FileIO.<String, TableRow>writeDynamic()
        .by(WriteZoneTables::destination)
        .withDestinationCoder(StringUtf8Coder.of())
        .to(root)
        .withNaming(destination -> new TableFileNaming(destination, run, format))
        .withNumShards(1);
  }

  /** Names a table's files after their window (a stream) or {@code all} (a bounded run). */
  static final class TableFileNaming implements FileIO.Write.FileNaming {
    private final String destination;
    private final @Nullable String runId;
    private final TableFormat format;

    TableFileNaming(String destination, @Nullable String runId, TableFormat format) {
      this.destination = destination;
      this.runId = runId;
      this.format = format;
    }

    @Override
    public String getFilename(
        BoundedWindow window,
        PaneInfo pane,
        int numShards,
        int shardIndex,
        Compression compression) {
      String table = tableOf(destination);
      String name = LakePaths.fileNamePrefix(table.substring(table.lastIndexOf('/') + 1));
      String when =
          window instanceof IntervalWindow interval
              ? LakePaths.basic(interval.start())
                  + "-"
                  + LakePaths.basic(interval.end())
                  + "-"
                  + pane.getIndex()
                  + (runId == null ? "" : "-" + runId)
              : "all";
      return String.format(
          "%s/%s-%s-%05d-of-%05d%s",
          destination,
          name,
          when,
          shardIndex,
          numShards,
          format == TableFormat.PARQUET ? ".parquet" : ".jsonl" + compression.getSuggestedSuffix());
    }
  }
}
