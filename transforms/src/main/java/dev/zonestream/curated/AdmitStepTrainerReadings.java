package dev.zonestream.curated;

import com.google.auto.value.AutoValue;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.DeviceOwner;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.OwnedStepReading;
import dev.zonestream.model.Parsed;
import dev.zonestream.model.Parsed.ParsedCoder;
import dev.zonestream.model.Rejected;
import dev.zonestream.model.StepTrainerReading;
import dev.zonestream.model.Tables;
import dev.zonestream.trusted.ApplyConsent;
import dev.zonestream.trusted.DeduplicateRecords;
import dev.zonestream.trusted.ParseRecords;
import dev.zonestream.trusted.ProcessingTimeWaits;
import dev.zonestream.trusted.ReferenceSnapshot;
import dev.zonestream.trusted.TagUnionFn;
import dev.zonestream.trusted.ViewReferenceData;
import dev.zonestream.trusted.WaitClock;
import dev.zonestream.trusted.WaitingRecords;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TimestampedValue.TimestampedValueCoder;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * {@code step_trainer_trusted}: step-trainer readings whose device belongs to a curated customer
 * (consenting, with at least one trusted phone reading), under the same consent scope, each reading
 * once.
 *
 * <p>Input: a tuple of {@link ApplyConsent#OWNERS} and {@link ParseRecords#STEP_TRAINER}. Readings
 * are de-duplicated ({@link DeduplicateRecords}), then look their device's owners up in a side
 * input of owners by serial number ({@link ViewReferenceData}); each owner's status in force is the
 * newest ({@link DeviceOwner#NEWEST}).
 *
 * <ul>
 *   <li>Bounded input: the view is complete. A reading whose serial number belongs to no customer
 *       goes to {@link #REJECTED} ({@value #NO_OWNER}); one whose owners do not admit it (no
 *       consent, before consent, or no trusted phone reading) is excluded.
 *   <li>Unbounded input: a reading that its owners' statuses known so far do not admit (no owner
 *       yet, a consenting owner without a trusted phone reading yet, or an owner whose newer status
 *       may still give consent) waits in a stateful step keyed by serial number that also receives
 *       every owner status: it is admitted when a status that admits it arrives, or, once its wait
 *       has ended ({@link WaitClock}: by default when the step's input, owner statuses included,
 *       has been processed {@code wait} of broker time past the reading), rejected ({@value
 *       #NO_OWNER}) when no owner is known, else excluded.
 * </ul>
 *
 * <p>Outputs: {@link #STEP_TRAINER_TRUSTED}, {@link #OWNED_READINGS} (each admitted reading with
 * the customer it belongs to; a device shared by several curated customers yields one per customer
 * who admits it) and {@link #REJECTED}.
 */
@AutoValue
public abstract class AdmitStepTrainerReadings
    extends PTransform<PCollectionTuple, PCollectionTuple> {
  public static final TupleTag<StepTrainerReading> STEP_TRAINER_TRUSTED = new TupleTag<>() {};
  public static final TupleTag<OwnedStepReading> OWNED_READINGS = new TupleTag<>() {};
  public static final TupleTag<Rejected> REJECTED = new TupleTag<>() {};

  /**
   * Optional stream input: step-trainer readings earlier jobs trusted within the de-duplication
   * horizon; their repeats are dropped as repeats within this job are.
   */
  public static final TupleTag<StepTrainerReading> KNOWN_READINGS = new TupleTag<>() {};

  /** Hand-over name, in {@link MetricNames#HANDED_ON}, of owned readings. */
  public static final String OWNED_READINGS_COUNTER = "owned_step_readings";

  /** Why a reading of a device nobody owns is rejected. */
  public static final String NO_OWNER =
      "serialNumber: no customer record with this serial number (a stream waits for one for the"
          + " consent wait)";

  private static final String DATASET = "step_trainer";
  private static final DeviceOwner PLACEHOLDER =
      new DeviceOwner("", ViewReferenceData.PLACEHOLDER_KEY, null, 0, false);
  private static final TupleTag<KV<String, Parsed<StepTrainerReading>>> WAITING =
      new TupleTag<>() {};

  abstract ConsentScope scope();

  abstract Duration consentWait();

  abstract Duration dedupHorizon();

  abstract WaitClock waitClock();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setScope(ConsentScope scope);

    abstract Builder setConsentWait(Duration consentWait);

    abstract Builder setDedupHorizon(Duration dedupHorizon);

    abstract Builder setWaitClock(WaitClock waitClock);

    abstract AdmitStepTrainerReadings build();
  }

  /** Defaults as {@link ApplyConsent#create()}. */
  public static AdmitStepTrainerReadings create() {
    return new AutoValue_AdmitStepTrainerReadings.Builder()
        .setScope(ConsentScope.AFTER_CONSENT)
        .setConsentWait(Duration.standardMinutes(10))
        .setDedupHorizon(Duration.standardHours(24))
        .setWaitClock(WaitClock.WATERMARK)
        .build();
  }

  public AdmitStepTrainerReadings withScope(ConsentScope value) {
    if (value == null) {
      throw new IllegalArgumentException("consent scope must be given");
    }
    return toBuilder().setScope(value).build();
  }

  /** How long a streamed reading waits for an owner that admits it, on the wait clock. */
  public AdmitStepTrainerReadings withWait(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("wait must be positive, got " + value);
    }
    return toBuilder().setConsentWait(value).build();
  }

  /** How long (processing time) a stream remembers a reading to drop its repeats. */
  public AdmitStepTrainerReadings withDedupHorizon(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("de-duplication horizon must be positive, got " + value);
    }
    return toBuilder().setDedupHorizon(value).build();
  }

  /** What ends a streamed reading's wait: the data's progress (default) or the runner's clock. */
  public AdmitStepTrainerReadings withWaitClock(WaitClock value) {
    if (value == null) {
      throw new IllegalArgumentException("wait clock must be given");
    }
    return toBuilder().setWaitClock(value).build();
  }

  @Override
  public PCollectionTuple expand(PCollectionTuple input) {
    PCollection<DeviceOwner> owners = input.get(ApplyConsent.OWNERS);
    PCollection<Parsed<StepTrainerReading>> readings = input.get(ParseRecords.STEP_TRAINER);
    boolean stream =
        owners.isBounded() == PCollection.IsBounded.UNBOUNDED
            || readings.isBounded() == PCollection.IsBounded.UNBOUNDED;
    PCollection<KV<String, DeviceOwner>> bySerial =
        owners.apply(
            "KeyOwnersBySerial",
            WithKeys.of(DeviceOwner::serialNumber).withKeyType(TypeDescriptors.strings()));
    PCollectionView<Iterable<ReferenceSnapshot<DeviceOwner>>> view =
        bySerial.apply(
            "OwnersBySerial",
            ViewReferenceData.newestPerIdentity(
                PLACEHOLDER,
                DeviceOwner::email,
                (a, b) -> DeviceOwner.NEWEST.compare(a, b),
                owner -> owner,
                JsonRecordCoder.of(DeviceOwner.class)));
    PCollectionTuple decided =
        readings
            .apply(
                "DeduplicateReadings",
                DeduplicateRecords.of(JsonRecordCoder.of(StepTrainerReading.class))
                    .withHorizon(dedupHorizon())
                    .withKnown(input.has(KNOWN_READINGS) ? input.get(KNOWN_READINGS) : null))
            .apply(
                "LookUpOwners",
                ParDo.of(new LookUpOwnersFn(view, scope(), stream))
                    .withSideInputs(view)
                    .withOutputTags(
                        STEP_TRAINER_TRUSTED,
                        TupleTagList.of(OWNED_READINGS).and(WAITING).and(REJECTED)));
    decided.get(WAITING).setCoder(KvCoder.of(StringUtf8Coder.of(), readings.getCoder()));
    if (!stream) {
      return PCollectionTuple.of(STEP_TRAINER_TRUSTED, decided.get(STEP_TRAINER_TRUSTED))
          .and(OWNED_READINGS, decided.get(OWNED_READINGS))
          .and(REJECTED, decided.get(REJECTED));
    }
    KvCoder<String, RawUnionValue> coder =
        KvCoder.of(
            StringUtf8Coder.of(),
            UnionCoder.of(List.of(JsonRecordCoder.of(DeviceOwner.class), readings.getCoder())));
    PCollectionTuple tracked =
        PCollectionList.of(
                bySerial
                    .apply("TagOwners", ParDo.of(new TagUnionFn<DeviceOwner>(0)))
                    .setCoder(coder))
            .and(
                decided
                    .get(WAITING)
                    .apply("TagWaiting", ParDo.of(new TagUnionFn<Parsed<StepTrainerReading>>(1)))
                    .setCoder(coder))
            .apply("BySerial", Flatten.pCollections())
            .apply(
                "TrackDevices",
                ParDo.of(new TrackDevicesFn(scope(), consentWait(), waitClock()))
                    .withOutputTags(
                        STEP_TRAINER_TRUSTED, TupleTagList.of(OWNED_READINGS).and(REJECTED)));
    return PCollectionTuple.of(
            STEP_TRAINER_TRUSTED,
            PCollectionList.of(decided.get(STEP_TRAINER_TRUSTED))
                .and(tracked.get(STEP_TRAINER_TRUSTED))
                .apply("AllTrustedReadings", Flatten.pCollections()))
        .and(
            OWNED_READINGS,
            PCollectionList.of(decided.get(OWNED_READINGS))
                .and(tracked.get(OWNED_READINGS))
                .apply("AllOwnedReadings", Flatten.pCollections()))
        .and(
            REJECTED,
            PCollectionList.of(decided.get(REJECTED))
                .and(tracked.get(REJECTED))
                .apply("AllRejected", Flatten.pCollections()));
  }

  /** What the owners known so far say of a reading. */
  enum Verdict {
    ADMIT,
    EXCLUDE,
    /** No owner known, or a consenting owner without a trusted phone reading yet. */
    UNDECIDED
  }

  /** Each email's status in force among {@code statuses}. */
  static Collection<DeviceOwner> newestPerEmail(@Nullable Iterable<DeviceOwner> statuses) {
    Map<String, DeviceOwner> newest = new HashMap<>();
    if (statuses != null) {
      for (DeviceOwner status : statuses) {
        newest.merge(
            status.email(), status, (a, b) -> DeviceOwner.NEWEST.compare(a, b) >= 0 ? a : b);
      }
    }
    return newest.values();
  }

  static Verdict verdict(
      Collection<DeviceOwner> owners, StepTrainerReading reading, ConsentScope scope) {
    boolean couldStillAdmit = owners.isEmpty();
    for (DeviceOwner owner : owners) {
      if (owner.admits(scope, reading.sensorReadingTime())) {
        return Verdict.ADMIT;
      }
      if (owner.consentTime() != null
          && scope.admits(reading.sensorReadingTime(), owner.consentTime())) {
        couldStillAdmit = true; // consents, but no trusted phone reading yet
      }
    }
    return couldStillAdmit ? Verdict.UNDECIDED : Verdict.EXCLUDE;
  }

  /** Outputs an admitted reading: once as trusted, once per owner who admits it. */
  static void admit(
      Collection<DeviceOwner> owners,
      StepTrainerReading reading,
      ConsentScope scope,
      MultiOutputReceiver out) {
    Metrics.counter(MetricNames.TABLE_ROWS, Tables.STEP_TRAINER_TRUSTED).inc();
    out.get(STEP_TRAINER_TRUSTED).output(reading);
    for (DeviceOwner owner : owners) {
      if (owner.admits(scope, reading.sensorReadingTime())) {
        Metrics.counter(MetricNames.HANDED_ON, OWNED_READINGS_COUNTER).inc();
        out.get(OWNED_READINGS).output(new OwnedStepReading(owner.email(), reading));
      }
    }
  }

  /** The hot path: each unique reading looks its device's owners up in the view. */
  static final class LookUpOwnersFn extends DoFn<Parsed<StepTrainerReading>, StepTrainerReading> {
    private final PCollectionView<Iterable<ReferenceSnapshot<DeviceOwner>>> view;
    private final ConsentScope scope;
    private final boolean stream;

    LookUpOwnersFn(
        PCollectionView<Iterable<ReferenceSnapshot<DeviceOwner>>> view,
        ConsentScope scope,
        boolean stream) {
      this.view = view;
      this.scope = scope;
      this.stream = stream;
    }

    @ProcessElement
    public void processElement(
        @Element Parsed<StepTrainerReading> parsed,
        MultiOutputReceiver out,
        ProcessContext context) {
      StepTrainerReading reading = parsed.record();
      Metrics.counter(MetricNames.UNIQUE, DATASET).inc();
      Collection<DeviceOwner> owners =
          newestPerEmail(
              ReferenceSnapshot.latest(context.sideInput(view)).get(reading.serialNumber()));
      Verdict verdict = verdict(owners, reading, scope);
      if (verdict == Verdict.ADMIT) {
        admit(owners, reading, scope, out);
      } else if (stream) {
        // Excluded or undecided by what the view holds: an owner's newer status (a consent
        // given later, in flight with the reading) may still come. The device's stateful step
        // decides when the wait is over, as a batch run decides with every status it read.
        Metrics.counter(MetricNames.WAITED, DATASET).inc();
        out.get(WAITING).output(KV.of(reading.serialNumber(), parsed));
      } else if (verdict == Verdict.EXCLUDE || !owners.isEmpty()) {
        Metrics.counter(MetricNames.EXCLUDED, DATASET).inc();
      } else {
        Metrics.counter(MetricNames.REJECTED, DATASET).inc();
        out.get(REJECTED).output(new Rejected(NO_OWNER, parsed.message()));
      }
    }
  }

  /**
   * A stream's devices, one key per serial number: the owners' newest statuses (kept for the life
   * of the job) and the readings waiting for one that decides them.
   */
  static final class TrackDevicesFn extends DoFn<KV<String, RawUnionValue>, StepTrainerReading> {
    private final ConsentScope scope;
    private final Duration wait;
    private final WaitClock clock;

    @StateId("owners")
    private final StateSpec<BagState<DeviceOwner>> ownersSpec =
        StateSpecs.bag(JsonRecordCoder.of(DeviceOwner.class));

    /** Readings not decided yet, each stamped with the end of its wait. */
    @StateId("waiting")
    private final StateSpec<BagState<TimestampedValue<Parsed<StepTrainerReading>>>> waitingSpec =
        StateSpecs.bag(
            TimestampedValueCoder.of(ParsedCoder.of(JsonRecordCoder.of(StepTrainerReading.class))));

    /** When the timer is due: the earliest end of a wait. */
    @StateId("due")
    private final StateSpec<ValueState<Instant>> dueSpec = StateSpecs.value(InstantCoder.of());

    /** Its time domain is the wait clock's: an instance field, read by the runner. */
    @TimerId("waitEnds")
    private final TimerSpec waitEndsSpec;

    /** Whether the wait in progress was given once more after its timer fired late. */
    @StateId("extended")
    private final StateSpec<ValueState<Boolean>> extendedSpec = StateSpecs.value(BooleanCoder.of());

    TrackDevicesFn(ConsentScope scope, Duration wait, WaitClock clock) {
      this.scope = scope;
      this.wait = wait;
      this.clock = clock;
      this.waitEndsSpec = TimerSpecs.timer(clock.domain());
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, RawUnionValue> element,
        @StateId("owners") BagState<DeviceOwner> ownerState,
        @StateId("waiting") BagState<TimestampedValue<Parsed<StepTrainerReading>>> waiting,
        @StateId("due") ValueState<Instant> due,
        @TimerId("waitEnds") Timer waitEnds,
        @Timestamp Instant timestamp,
        MultiOutputReceiver out) {
      RawUnionValue value = element.getValue();
      if (value.getUnionTag() == 0) {
        Metrics.counter(MetricNames.TAKEN_OVER, ApplyConsent.OWNER_STATUSES).inc();
        List<DeviceOwner> all = new ArrayList<>();
        ownerState.read().forEach(all::add);
        all.add((DeviceOwner) value.getValue());
        Collection<DeviceOwner> owners = newestPerEmail(all);
        ownerState.clear();
        owners.forEach(ownerState::add);
        List<TimestampedValue<Parsed<StepTrainerReading>>> stillWaiting = new ArrayList<>();
        for (TimestampedValue<Parsed<StepTrainerReading>> reading : waiting.read()) {
          if (!decide(owners, reading.getValue().record(), out)) {
            stillWaiting.add(reading);
          }
        }
        waiting.clear();
        stillWaiting.forEach(waiting::add);
        return;
      }
      @SuppressWarnings("unchecked")
      Parsed<StepTrainerReading> reading = (Parsed<StepTrainerReading>) value.getValue();
      if (!decide(newestPerEmail(ownerState.read()), reading.record(), out)) {
        WaitingRecords.add(waiting, due, waitEnds, clock, wait, timestamp, reading);
      }
    }

    /**
     * Admits a waiting reading if the owners do; returns whether it did. A reading they exclude
     * waits on: a newer status that admits it may still come until its wait is over.
     */
    private boolean decide(
        Collection<DeviceOwner> owners, StepTrainerReading reading, MultiOutputReceiver out) {
      if (verdict(owners, reading, scope) != Verdict.ADMIT) {
        return false;
      }
      Metrics.counter(MetricNames.RELEASED, DATASET).inc();
      admit(owners, reading, scope, out);
      return true;
    }

    @OnTimer("waitEnds")
    public void onWaitEnds(
        OnTimerContext context,
        @TimerId("waitEnds") Timer waitEnds,
        @StateId("extended") ValueState<Boolean> extended,
        @StateId("owners") BagState<DeviceOwner> ownerState,
        @StateId("waiting") BagState<TimestampedValue<Parsed<StepTrainerReading>>> waiting,
        @StateId("due") ValueState<Instant> due,
        MultiOutputReceiver out) {
      if (clock == WaitClock.PROCESSING_TIME
          && ProcessingTimeWaits.waitOnceMore(
              !waiting.isEmpty().read(), waitEnds, context.fireTimestamp(), wait, extended)) {
        due.clear(); // the job was down: its owner may be on the way
        return;
      }
      Collection<DeviceOwner> owners = newestPerEmail(ownerState.read());
      for (Parsed<StepTrainerReading> reading :
          WaitingRecords.takeDue(waiting, due, waitEnds, context.fireTimestamp())) {
        if (decide(owners, reading.record(), out)) {
          continue;
        }
        Metrics.counter(MetricNames.RELEASED, DATASET).inc();
        if (!owners.isEmpty()) {
          Metrics.counter(MetricNames.EXCLUDED, DATASET).inc();
        } else {
          Metrics.counter(MetricNames.REJECTED, DATASET).inc();
          out.get(REJECTED).output(new Rejected(NO_OWNER, reading.message()));
        }
      }
    }
  }
}
