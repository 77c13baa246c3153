package dev.zonestream.trusted;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import dev.zonestream.lake.ParquetFiles;
import dev.zonestream.lake.TableRow;
import dev.zonestream.lake.TableSchemas;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonLines;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.Parsed;
import dev.zonestream.model.Parsed.ParsedCoder;
import dev.zonestream.model.Rejected;
import dev.zonestream.spec.LakeSpec.DatasetSpec;
import dev.zonestream.spec.PayloadRules;
import dev.zonestream.spec.SpecRecords;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The trusted zone of one dataset a lake spec declares and no privacy rule covers: each message
 * parsed once into the dataset's Avro record by its schema and rules ({@link PayloadRules}), or
 * rejected with every rule it breaks; the valid records de-duplicated by the dataset's identity
 * ({@link DeduplicateRecords}) and made rows of {@code trusted/<dataset>}, partitioned by their
 * event time.
 *
 * <p>Records travel between steps in Avro's binary form ({@link AvroCoder} of the dataset's record
 * schema). A stream remembers, as seen, the rows earlier jobs wrote to the table within the
 * de-duplication horizon ({@link #withKnownFrom}), so a redelivery after a restart is still a
 * repeat.
 *
 * <p>Outputs, by tag: {@link #ROWS} and {@link #REJECTED}. Counted per dataset in {@link
 * MetricNames#VALID}, {@link MetricNames#REJECTED}, {@link MetricNames#DUPLICATE}, {@link
 * MetricNames#UNIQUE} and the table's {@link MetricNames#TABLE_ROWS}.
 */
public final class TrustDeclaredDataset
    extends PTransform<PCollection<Envelope>, PCollectionTuple> {
  public static final TupleTag<TableRow> ROWS = new TupleTag<>() {};
  public static final TupleTag<Rejected> REJECTED = new TupleTag<>() {};

  private final DatasetSpec dataset;
  private final int maxPayloadBytes;
  private final Duration horizon;
  private final @Nullable String lake;
  private final @Nullable String runId;

  private TrustDeclaredDataset(
      DatasetSpec dataset,
      int maxPayloadBytes,
      Duration horizon,
      @Nullable String lake,
      @Nullable String runId) {
    this.dataset = dataset;
    this.maxPayloadBytes = maxPayloadBytes;
    this.horizon = horizon;
    this.lake = lake;
    this.runId = runId;
  }

  /** The trusted zone of {@code dataset}: 64 KiB payloads, a 24 h de-duplication horizon. */
  public static TrustDeclaredDataset of(DatasetSpec dataset) {
    return new TrustDeclaredDataset(
        checkArgumentNotNull(dataset, "dataset"),
        64 * 1024,
        Duration.standardHours(24),
        null,
        null);
  }

  /** Larger payloads are rejected as oversized. */
  public TrustDeclaredDataset withMaxPayloadBytes(int bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("max payload bytes must be positive, got " + bytes);
    }
    return new TrustDeclaredDataset(dataset, bytes, horizon, lake, runId);
  }

  /** How long (processing time) a stream remembers a record it has seen. */
  public TrustDeclaredDataset withDedupHorizon(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("de-duplication horizon must be positive, got " + value);
    }
    return new TrustDeclaredDataset(dataset, maxPayloadBytes, value, lake, runId);
  }

  /**
   * A stream first remembers the rows of {@code <lakeRoot>/trusted/<dataset>} written within the
   * horizon by runs other than {@code runningId}.
   */
  public TrustDeclaredDataset withKnownFrom(String lakeRoot, String runningId) {
    return new TrustDeclaredDataset(
        dataset,
        maxPayloadBytes,
        horizon,
        checkArgumentNotNull(lakeRoot, "lake"),
        checkArgumentNotNull(runningId, "run id"));
  }

  /** The folder of the dataset's trusted table under the lake. */
  public static String table(DatasetSpec dataset) {
    return "trusted/" + dataset.name();
  }

  @Override
  public PCollectionTuple expand(PCollection<Envelope> messages) {
    TupleTag<Parsed<GenericRecord>> valid = new TupleTag<>() {};
    AvroCoder<GenericRecord> recordCoder = AvroCoder.of(PayloadRules.recordSchema(dataset));
    PCollectionTuple parsed =
        messages.apply(
            "ApplySpecRules",
            ParDo.of(new ParseFn(dataset, maxPayloadBytes, valid))
                .withOutputTags(valid, TupleTagList.of(REJECTED)));
    PCollection<Parsed<GenericRecord>> records =
        parsed.get(valid).setCoder(ParsedCoder.of(recordCoder));
    DeduplicateRecords<GenericRecord> dedup =
        DeduplicateRecords.by(SpecRecords.identity(dataset)).withHorizon(horizon);
    if (messages.isBounded() == PCollection.IsBounded.UNBOUNDED && lake != null) {
      String folder = lake + "/" + table(dataset);
      PCollection<GenericRecord> known =
          messages
              .getPipeline()
              .apply(
                  "MatchKnownRows",
                  FileIO.match()
                      .filepattern(FileSystems.matchNewResource(folder, true).toString() + "**")
                      .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
              .apply("ReadKnownRows", FileIO.readMatches())
              .apply(
                  "ParseKnownRows",
                  ParDo.of(
                      new KnownRowsFn(
                          dataset, folder, runId, Instant.now().minus(horizon).getMillis())))
              .setCoder(recordCoder);
      dedup = dedup.withKnown(known);
    }
    PCollection<TableRow> rows =
        records
            .apply("Deduplicate", dedup)
            .apply("ToRows", ParDo.of(new ToRowFn(dataset)))
            .setCoder(TableRow.TableRowCoder.of());
    return PCollectionTuple.of(ROWS, rows).and(REJECTED, parsed.get(REJECTED));
  }

  /** A message to its record, or to a reject with every rule it breaks. */
  static final class ParseFn extends DoFn<Envelope, Parsed<GenericRecord>> {
    private final DatasetSpec dataset;
    private final int maxPayloadBytes;
    private final TupleTag<Parsed<GenericRecord>> valid;
    private transient @Nullable PayloadRules rules;

    ParseFn(DatasetSpec dataset, int maxPayloadBytes, TupleTag<Parsed<GenericRecord>> valid) {
      this.dataset = dataset;
      this.maxPayloadBytes = maxPayloadBytes;
      this.valid = valid;
    }

    @Setup
    public void setup() {
      rules = PayloadRules.of(dataset);
    }

    @ProcessElement
    public void processElement(@Element Envelope message, MultiOutputReceiver out) {
      PayloadRules.Outcome outcome =
          checkArgumentNotNull(rules).apply(message.payload(), maxPayloadBytes);
      if (outcome.record() == null) {
        Metrics.counter(MetricNames.REJECTED, message.dataset()).inc();
        out.get(REJECTED).output(new Rejected(checkArgumentNotNull(outcome.reason()), message));
        return;
      }
      Metrics.counter(MetricNames.VALID, message.dataset()).inc();
      out.get(valid).output(new Parsed<>(outcome.record(), message));
    }
  }

  /** A unique record as a row of the dataset's trusted table. */
  static final class ToRowFn extends DoFn<Parsed<GenericRecord>, TableRow> {
    private final DatasetSpec dataset;

    ToRowFn(DatasetSpec dataset) {
      this.dataset = dataset;
    }

    @ProcessElement
    public void processElement(
        @Element Parsed<GenericRecord> parsed, OutputReceiver<TableRow> out) {
      Metrics.counter(MetricNames.UNIQUE, dataset.name()).inc();
      Metrics.counter(MetricNames.TABLE_ROWS, table(dataset)).inc();
      out.output(
          new TableRow(
              table(dataset),
              SpecRecords.eventTime(parsed.record(), dataset),
              TableSchemas.toJson(parsed.record())));
    }
  }

  /**
   * The rows of final table files of other runs, modified since the horizon began, back as records;
   * a row the rules no longer accept (the spec changed) is not known.
   */
  static final class KnownRowsFn extends DoFn<FileIO.ReadableFile, GenericRecord> {
    private final DatasetSpec dataset;
    private final String root;
    private final @Nullable String runId;
    private final long modifiedSince;
    private transient @Nullable PayloadRules rules;

    KnownRowsFn(DatasetSpec dataset, String folder, @Nullable String runId, long modifiedSince) {
      this.dataset = dataset;
      this.root = FileSystems.matchNewResource(folder, true).toString();
      this.runId = runId;
      this.modifiedSince = modifiedSince;
    }

    @Setup
    public void setup() {
      rules = PayloadRules.of(dataset);
    }

    @ProcessElement
    public void processElement(@Element FileIO.ReadableFile file, OutputReceiver<GenericRecord> out)
        throws IOException {
      String path = file.getMetadata().resourceId().toString();
      if (!ReadKnownRecords.ParseFn.isKnownFile(file, root, runId, modifiedSince)) {
        return;
      }
      if (ParquetFiles.isParquet(path)) {
        ParquetFiles.forEachRow(
            path, row -> known(TableSchemas.toJson(row).getBytes(StandardCharsets.UTF_8), out));
        return;
      }
      try (InputStream in = Channels.newInputStream(file.open())) {
        JsonLines.split(in, (line, number) -> known(line, out));
      }
    }

    private void known(byte[] row, OutputReceiver<GenericRecord> out) {
      try {
        GenericRecord record =
            checkArgumentNotNull(rules)
                .apply(SpecRecords.payloadOfRow(row), Integer.MAX_VALUE)
                .record();
        if (record != null) {
          out.output(record);
        }
      } catch (IOException e) {
        // Not a row this job can read: not known, as a rejected record is not.
      }
    }
  }
}
