package dev.zonestream.trusted;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auto.value.AutoValue;
import dev.zonestream.lake.LakePaths;
import dev.zonestream.lake.ParquetFiles;
import dev.zonestream.lake.TableSchemas;
import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.Customer;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.DeviceOwner;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonLines;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.LandingLine;
import dev.zonestream.model.OwnedStepReading;
import dev.zonestream.model.SourceKind;
import dev.zonestream.model.StepTrainerReading;
import dev.zonestream.model.Tables;
import dev.zonestream.spec.SpecRecords;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads what earlier jobs left in the lake, so that a stream that starts (a new job, or the same
 * command after a crash) decides as the job before it would have: its per-customer state and its
 * de-duplication start from the lake, not from nothing.
 *
 * <ul>
 *   <li>{@link #CUSTOMERS}: every valid customer record in final landing files of the customer
 *       dataset, so readings of customers this job will never read again are decided, not rejected
 *       for want of a customer;
 *   <li>{@link #CURATED}: the emails in the curated customer table, so no customer is curated
 *       twice;
 *   <li>{@link #READINGS} and {@link #STEPS}: the trusted phone and step-trainer readings in table
 *       files written within the de-duplication horizon, so a redelivery of a message an earlier
 *       job trusted is dropped as a repeat;
 *   <li>{@link #OWNED_STEPS}: those step-trainer readings with each customer whose device they are
 *       read from and who admits them (curated, consenting, under the consent scope: the newest
 *       landed record of each customer decides, as in a bounded run), so a phone reading this job
 *       trusts still pairs with the step an earlier job trusted at the same moment.
 * </ul>
 *
 * <p>Feed them to {@link ApplyConsent} ({@code KNOWN_*}), {@code AdmitStepTrainerReadings} ({@code
 * KNOWN_READINGS}) and {@code JoinStepTrainerWithAccelerometer} ({@code KNOWN_*}); they update
 * views and state and write no rows.
 *
 * <p><b>Boundedness.</b> Bounded: the final files present when the job starts. Files of the running
 * job (named with its run id, {@link #skippingRun}) and temporary files are skipped, so the job
 * never mistakes its own new records for known ones. Cost at each start: one pass over the customer
 * dataset's landing files (about 300 bytes a record) and over the trusted reading tables of the
 * last horizon.
 */
@AutoValue
public abstract class ReadKnownRecords extends PTransform<PBegin, PCollectionTuple> {
  public static final TupleTag<Customer> CUSTOMERS = new TupleTag<>() {};
  public static final TupleTag<String> CURATED = new TupleTag<>() {};
  public static final TupleTag<AccelerometerReading> READINGS = new TupleTag<>() {};
  public static final TupleTag<StepTrainerReading> STEPS = new TupleTag<>() {};
  public static final TupleTag<OwnedStepReading> OWNED_STEPS = new TupleTag<>() {};

  abstract @Nullable String lake();

  abstract @Nullable String landingRoot();

  abstract @Nullable String runId();

  abstract Duration horizon();

  abstract int maxPayloadBytes();

  abstract ConsentScope scope();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setLake(@Nullable String lake);

    abstract Builder setLandingRoot(@Nullable String landingRoot);

    abstract Builder setRunId(@Nullable String runId);

    abstract Builder setHorizon(Duration horizon);

    abstract Builder setMaxPayloadBytes(int maxPayloadBytes);

    abstract Builder setScope(ConsentScope scope);

    abstract ReadKnownRecords build();
  }

  /**
   * Defaults: readings of the last 24 hours, customer records of at most 64 KiB, {@link
   * ConsentScope#AFTER_CONSENT}.
   */
  public static ReadKnownRecords create() {
    return new AutoValue_ReadKnownRecords.Builder()
        .setHorizon(Duration.standardHours(24))
        .setMaxPayloadBytes(64 * 1024)
        .setScope(ConsentScope.AFTER_CONSENT)
        .build();
  }

  /** The consent scope the job applies, for {@link #OWNED_STEPS}. */
  public ReadKnownRecords withScope(ConsentScope value) {
    checkArgumentNotNull(value, "consent scope");
    return toBuilder().setScope(value).build();
  }

  /**
   * Landed customer records larger than this are not known: the trusted zone's limit ({@link
   * ParseRecords#withMaxPayloadBytes}), so a record it rejected does not become known at the next
   * start.
   */
  public ReadKnownRecords withMaxPayloadBytes(int bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("max payload bytes must be positive, got " + bytes);
    }
    return toBuilder().setMaxPayloadBytes(bytes).build();
  }

  /**
   * The lake's root and its landing zone's root, for example {@code /lake}, {@code /lake/landing}.
   */
  public ReadKnownRecords from(String lakeRoot, String landing) {
    if (lakeRoot == null || landing == null) {
      throw new IllegalArgumentException("the lake and its landing zone are needed");
    }
    return toBuilder().setLake(lakeRoot).setLandingRoot(landing).build();
  }

  /** Skips the files of the run {@code id} (the running job's own). */
  public ReadKnownRecords skippingRun(String id) {
    checkArgumentNotNull(id, "run id");
    return toBuilder().setRunId(id).build();
  }

  /** Trusted readings in table files written within this long before the job starts. */
  public ReadKnownRecords withHorizon(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("horizon must be positive, got " + value);
    }
    return toBuilder().setHorizon(value).build();
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    String root = checkArgumentNotNull(lake(), "ReadKnownRecords needs from(...)");
    String landing = checkArgumentNotNull(landingRoot(), "ReadKnownRecords needs from(...)");
    long since = Instant.now().minus(horizon()).getMillis();
    PCollection<Customer> customers =
        this.<Customer>read(
                input, "Customers", landing + "/" + Dataset.CUSTOMER.folder(), Kind.CUSTOMER, 0)
            .setCoder(JsonRecordCoder.of(Customer.class));
    PCollection<String> curated =
        this.<String>read(input, "Curated", root + "/" + Tables.CUSTOMER_CURATED, Kind.CURATED, 0)
            .setCoder(StringUtf8Coder.of());
    PCollection<AccelerometerReading> readings =
        this.<AccelerometerReading>read(
                input, "Readings", root + "/" + Tables.ACCELEROMETER_TRUSTED, Kind.READING, since)
            .setCoder(JsonRecordCoder.of(AccelerometerReading.class));
    PCollection<StepTrainerReading> steps =
        this.<StepTrainerReading>read(
                input, "Steps", root + "/" + Tables.STEP_TRAINER_TRUSTED, Kind.STEP, since)
            .setCoder(JsonRecordCoder.of(StepTrainerReading.class));
    return PCollectionTuple.of(CUSTOMERS, customers)
        .and(CURATED, curated)
        .and(READINGS, readings)
        .and(STEPS, steps)
        .and(OWNED_STEPS, ownedSteps(customers, curated, steps));
  }

  /** Each known step-trainer reading with every customer who owns its device and admits it. */
  private PCollection<OwnedStepReading> ownedSteps(
      PCollection<Customer> customers,
      PCollection<String> curated,
      PCollection<StepTrainerReading> steps) {
    TupleTag<Customer> recordTag = new TupleTag<>();
    TupleTag<String> curatedTag = new TupleTag<>();
    PCollection<KV<String, DeviceOwner>> owners =
        KeyedPCollectionTuple.of(
                recordTag,
                customers.apply(
                    "KeyKnownByEmail",
                    WithKeys.of(Customer::email).withKeyType(TypeDescriptors.strings())))
            .and(
                curatedTag,
                curated.apply(
                    "KeyCuratedByEmail",
                    WithKeys.of((String email) -> email).withKeyType(TypeDescriptors.strings())))
            .apply("GroupByEmail", CoGroupByKey.create())
            .apply("OwnerBySerial", ParDo.of(new OwnerFn(recordTag, curatedTag)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), JsonRecordCoder.of(DeviceOwner.class)));
    TupleTag<DeviceOwner> ownerTag = new TupleTag<>();
    TupleTag<StepTrainerReading> stepTag = new TupleTag<>();
    return KeyedPCollectionTuple.of(ownerTag, owners)
        .and(
            stepTag,
            steps.apply(
                "KeyStepsBySerial",
                WithKeys.of(StepTrainerReading::serialNumber)
                    .withKeyType(TypeDescriptors.strings())))
        .apply("GroupBySerial", CoGroupByKey.create())
        .apply("OwnSteps", ParDo.of(new OwnStepsFn(ownerTag, stepTag, scope())))
        .setCoder(JsonRecordCoder.of(OwnedStepReading.class));
  }

  /** A customer's newest known record as a device owner, keyed by its serial number. */
  static final class OwnerFn extends DoFn<KV<String, CoGbkResult>, KV<String, DeviceOwner>> {
    private final TupleTag<Customer> recordTag;
    private final TupleTag<String> curatedTag;

    OwnerFn(TupleTag<Customer> recordTag, TupleTag<String> curatedTag) {
      this.recordTag = recordTag;
      this.curatedTag = curatedTag;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, CoGbkResult> group, OutputReceiver<KV<String, DeviceOwner>> out) {
      Customer newest = Customer.newest(group.getValue().getAll(recordTag));
      if (newest != null) {
        boolean curated = group.getValue().getAll(curatedTag).iterator().hasNext();
        out.output(KV.of(newest.serialNumber(), ApplyConsent.ownerOf(newest, curated)));
      }
    }
  }

  /** Pairs each step-trainer reading with the owners of its device who admit it. */
  static final class OwnStepsFn extends DoFn<KV<String, CoGbkResult>, OwnedStepReading> {
    private final TupleTag<DeviceOwner> ownerTag;
    private final TupleTag<StepTrainerReading> stepTag;
    private final ConsentScope scope;

    OwnStepsFn(
        TupleTag<DeviceOwner> ownerTag, TupleTag<StepTrainerReading> stepTag, ConsentScope scope) {
      this.ownerTag = ownerTag;
      this.stepTag = stepTag;
      this.scope = scope;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, CoGbkResult> group, OutputReceiver<OwnedStepReading> out) {
      List<DeviceOwner> owners = new ArrayList<>();
      group.getValue().getAll(ownerTag).forEach(owners::add);
      if (owners.isEmpty()) {
        return;
      }
      for (StepTrainerReading step : group.getValue().getAll(stepTag)) {
        for (DeviceOwner owner : owners) {
          if (owner.admits(scope, step.sensorReadingTime())) {
            out.output(new OwnedStepReading(owner.email(), step));
          }
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private <T> PCollection<T> read(
      PBegin input, String name, String folder, Kind kind, long modifiedSince) {
    return (PCollection<T>)
        input
            .apply(
                "Match" + name,
                FileIO.match()
                    .filepattern(FileSystems.matchNewResource(folder, true).toString() + "**")
                    .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("Read" + name, FileIO.readMatches())
            .apply(
                "Parse" + name,
                ParDo.of(new ParseFn(folder, runId(), kind, modifiedSince, maxPayloadBytes())));
  }

  enum Kind {
    CUSTOMER,
    CURATED,
    READING,
    STEP
  }

  /**
   * Landing lines to valid customer records, or table rows to emails or readings; anything else (a
   * rejected record, an unreadable line) is not known and is skipped: the job that read it rejected
   * it already.
   */
  static final class ParseFn extends DoFn<FileIO.ReadableFile, Object> {
    private final String root;
    private final @Nullable String runId;
    private final Kind kind;
    private final long modifiedSince;
    private final int maxPayloadBytes;

    ParseFn(
        String folder, @Nullable String runId, Kind kind, long modifiedSince, int maxPayloadBytes) {
      this.root = FileSystems.matchNewResource(folder, true).toString();
      this.runId = runId;
      this.kind = kind;
      this.modifiedSince = modifiedSince;
      this.maxPayloadBytes = maxPayloadBytes;
    }

    @ProcessElement
    public void processElement(@Element FileIO.ReadableFile file, OutputReceiver<Object> out)
        throws IOException {
      String path = file.getMetadata().resourceId().toString();
      if (!isKnownFile(file, root, runId, modifiedSince)) {
        return;
      }
      if (ParquetFiles.isParquet(path)) {
        long[] number = {0};
        ParquetFiles.forEachRow(
            path,
            row -> {
              Object known =
                  parse(
                      TableSchemas.toJson(row).getBytes(StandardCharsets.UTF_8), path, ++number[0]);
              if (known != null) {
                out.output(known);
              }
            });
        return;
      }
      try (InputStream in = Channels.newInputStream(file.open())) {
        JsonLines.split(
            in,
            (line, number) -> {
              Object known = parse(line, path, number);
              if (known != null) {
                out.output(known);
              }
            });
      }
    }

    /**
     * Whether {@code file} (under {@code root}) holds what earlier jobs kept: a final lake file,
     * not of the run {@code runId}, modified since {@code modifiedSince} (0: any time).
     */
    static boolean isKnownFile(
        FileIO.ReadableFile file, String root, @Nullable String runId, long modifiedSince)
        throws IOException {
      String path = file.getMetadata().resourceId().toString();
      String relative = path.startsWith(root) ? path.substring(root.length()) : path;
      String name = file.getMetadata().resourceId().getFilename();
      return LakePaths.isFinalLakeFile(relative)
          && !(runId != null && name != null && name.contains(runId))
          && !(modifiedSince > 0 && lastModified(file) < modifiedSince);
    }

    /** FileIO's match leaves the time unset (0) here; then it is asked of the file system. */
    private static long lastModified(FileIO.ReadableFile file) throws IOException {
      long known = file.getMetadata().lastModifiedMillis();
      return known > 0
          ? known
          : FileSystems.matchSingleFileSpec(file.getMetadata().resourceId().toString())
              .lastModifiedMillis();
    }

    private @Nullable Object parse(byte[] line, String path, long number) {
      switch (kind) {
        case CUSTOMER -> {
          Record record =
              RecordRules.apply(LandingLine.toEnvelope(line, path, number), maxPayloadBytes)
                  .record();
          return record instanceof Customer ? record : null;
        }
        case CURATED -> {
          try {
            JsonNode email = JsonPayload.LANDING_LINE_MAPPER.readTree(line).get("email");
            return email != null && email.isTextual() ? email.asText() : null;
          } catch (IOException e) {
            return null;
          }
        }
        default -> {
          // A trusted row is its record's JSON, its unknown fields under _extra: the record rules
          // read the payload it was made from back as the same record.
          String dataset =
              kind == Kind.READING ? Dataset.ACCELEROMETER.folder() : Dataset.STEP_TRAINER.folder();
          byte[] payload;
          try {
            payload = SpecRecords.payloadOfRow(line);
          } catch (IOException e) {
            return null;
          }
          Record record =
              RecordRules.apply(
                      new Envelope(dataset, SourceKind.FILES, path, null, "0", 0L, 0L, payload),
                      Integer.MAX_VALUE)
                  .record();
          return kind == Kind.READING
              ? (record instanceof AccelerometerReading ? record : null)
              : (record instanceof StepTrainerReading ? record : null);
        }
      }
    }
  }
}
