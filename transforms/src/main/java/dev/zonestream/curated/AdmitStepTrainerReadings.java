package dev.zonestream.curated;

import dev.zonestream.lake.Tables;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.ConsentedOwner;
import dev.zonestream.model.JoinWindowing;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.OwnedStepReading;
import dev.zonestream.model.StepTrainerReading;
import dev.zonestream.trusted.ApplyConsent;
import dev.zonestream.trusted.ParseRecords;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;

/**
 * {@code step_trainer_trusted}: step-trainer readings whose device belongs to a curated customer
 * ({@link ApplyConsent#OWNERS}), under the same consent scope, each reading once.
 *
 * <p>Input: a tuple of {@link ApplyConsent#OWNERS} and {@link ParseRecords#STEP_TRAINER}, grouped
 * by serial number (see {@link JoinWindowing}). Outputs: {@link #STEP_TRAINER_TRUSTED} and {@link
 * #OWNED_READINGS} (each admitted reading with the customer it belongs to; a device shared by
 * several curated customers yields one per customer who admits it).
 */
public final class AdmitStepTrainerReadings extends PTransform<PCollectionTuple, PCollectionTuple> {
  public static final TupleTag<StepTrainerReading> STEP_TRAINER_TRUSTED = new TupleTag<>() {};
  public static final TupleTag<OwnedStepReading> OWNED_READINGS = new TupleTag<>() {};

  /**
   * Counter name, in {@link MetricNames#HANDED_ON} and {@link MetricNames#DECIDED}, of owned
   * readings.
   */
  public static final String OWNED_READINGS_COUNTER = "owned_step_readings";

  private final ConsentScope scope;
  private final Duration wait;
  private final Duration allowedLateness;

  private AdmitStepTrainerReadings(ConsentScope scope, Duration wait, Duration allowedLateness) {
    this.scope = scope;
    this.wait = wait;
    this.allowedLateness = allowedLateness;
  }

  public static AdmitStepTrainerReadings create() {
    return new AdmitStepTrainerReadings(
        ConsentScope.AFTER_CONSENT, Duration.standardMinutes(10), Duration.standardHours(1));
  }

  public AdmitStepTrainerReadings withScope(ConsentScope value) {
    if (value == null) {
      throw new IllegalArgumentException("consent scope must be given");
    }
    return new AdmitStepTrainerReadings(value, wait, allowedLateness);
  }

  public AdmitStepTrainerReadings withWait(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("wait must be positive, got " + value);
    }
    return new AdmitStepTrainerReadings(scope, value, allowedLateness);
  }

  /** How late a streamed message may still be decided; see {@link JoinWindowing}. */
  public AdmitStepTrainerReadings withAllowedLateness(Duration value) {
    if (value == null || value.getMillis() < 0) {
      throw new IllegalArgumentException("allowed lateness must not be negative, got " + value);
    }
    return new AdmitStepTrainerReadings(scope, wait, value);
  }

  @Override
  public PCollectionTuple expand(PCollectionTuple input) {
    PCollection<ConsentedOwner> owners = input.get(ApplyConsent.OWNERS);
    PCollection<StepTrainerReading> readings = input.get(ParseRecords.STEP_TRAINER);
    TupleTag<ConsentedOwner> ownerTag = new TupleTag<>();
    TupleTag<StepTrainerReading> readingTag = new TupleTag<>();
    return KeyedPCollectionTuple.of(
            ownerTag,
            owners.apply(
                "KeyOwnersBySerial",
                JoinWindowing.keyedBy(ConsentedOwner::serialNumber, wait, allowedLateness)))
        .and(
            readingTag,
            readings.apply(
                "KeyReadingsBySerial",
                JoinWindowing.keyedBy(StepTrainerReading::serialNumber, wait, allowedLateness)))
        .apply("GroupBySerial", CoGroupByKey.create())
        .apply(
            "DecideOwnership",
            ParDo.of(new DecideOwnershipFn(scope, ownerTag, readingTag))
                .withOutputTags(STEP_TRAINER_TRUSTED, TupleTagList.of(OWNED_READINGS)));
  }

  static final class DecideOwnershipFn extends DoFn<KV<String, CoGbkResult>, StepTrainerReading> {
    private final ConsentScope scope;
    private final TupleTag<ConsentedOwner> ownerTag;
    private final TupleTag<StepTrainerReading> readingTag;

    DecideOwnershipFn(
        ConsentScope scope,
        TupleTag<ConsentedOwner> ownerTag,
        TupleTag<StepTrainerReading> readingTag) {
      this.scope = scope;
      this.ownerTag = ownerTag;
      this.readingTag = readingTag;
    }

    @ProcessElement
    public void processElement(@Element KV<String, CoGbkResult> group, MultiOutputReceiver out) {
      Set<ConsentedOwner> owners = new LinkedHashSet<>();
      group.getValue().getAll(ownerTag).forEach(owners::add);
      Set<StepTrainerReading> readings = new LinkedHashSet<>();
      long readingCount = 0;
      for (StepTrainerReading reading : group.getValue().getAll(readingTag)) {
        readings.add(reading);
        readingCount++;
      }
      Metrics.counter(MetricNames.DECIDED, "step_trainer").inc(readingCount);
      for (StepTrainerReading reading : readings) {
        boolean admitted = false;
        for (ConsentedOwner owner : owners) {
          if (scope.admits(reading.sensorReadingTime(), owner.consentTime())) {
            out.get(OWNED_READINGS).output(new OwnedStepReading(owner.email(), reading));
            Metrics.counter(MetricNames.HANDED_ON, OWNED_READINGS_COUNTER).inc();
            admitted = true;
          }
        }
        if (admitted) {
          Metrics.counter(MetricNames.TABLE_ROWS, Tables.STEP_TRAINER_TRUSTED).inc();
          out.get(STEP_TRAINER_TRUSTED).output(reading);
        }
      }
    }
  }
}
