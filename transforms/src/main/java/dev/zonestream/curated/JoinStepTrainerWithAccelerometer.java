package dev.zonestream.curated;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.MachineLearningRow;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.OwnedStepReading;
import dev.zonestream.model.Tables;
import dev.zonestream.trusted.ApplyConsent;
import dev.zonestream.trusted.ProcessingTimeWaits;
import dev.zonestream.trusted.TagUnionFn;
import dev.zonestream.trusted.WaitClock;
import dev.zonestream.trusted.WaitingRecords;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.BooleanCoder;
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
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * {@code machine_learning_curated}: each trusted step-trainer reading joined with the trusted
 * accelerometer readings of the <em>same customer</em> at the same millisecond ({@code
 * sensorReadingTime == timestamp}). Joining on the time alone would pair one customer's device with
 * strangers' phones.
 *
 * <p>Input: a tuple of {@link AdmitStepTrainerReadings#OWNED_READINGS} and {@link
 * ApplyConsent#ACCELEROMETER_TRUSTED} (each reading once).
 *
 * <p>Bounded input: grouped by customer in one global window and paired by millisecond inside the
 * group: exact. (By customer rather than by customer and millisecond: the Direct runner pays a
 * fixed cost per group.)
 *
 * <p>Unbounded input: a stateful step keyed by customer and minute pairs each arrival with the
 * other side's readings of the same millisecond held so far, and holds a key's readings for the
 * {@code horizon} after its first one arrived, on the {@link WaitClock}: by default until the
 * step's input, both sides included, has been processed a horizon of broker time past that first
 * reading (a step trainer that uploads hours after the phone still pairs, however slow the runner
 * or long an outage); on {@link WaitClock#PROCESSING_TIME} a horizon of the runner's clock. On the
 * watermark clock the horizon counts from the reading's broker time or from when the job read it,
 * whichever is later, so that partners of old broker times read after a pause (idle partitions move
 * the watermark to the present) still pair. A partner that comes later finds nothing: the step
 * readings dropped without a partner are counted ({@link MetricNames#UNPAIRED}), the trusted tables
 * still hold both readings, and a backfill pairs them. State: each trusted phone reading of a
 * consenting customer and each owned step reading, for the horizon.
 *
 * <p>A stream that starts from the lake may also be given the readings earlier jobs trusted ({@link
 * #KNOWN_STEPS}, {@link #KNOWN_PHONES}, from {@code ReadKnownRecords}): they are held as if they
 * had arrived when the job started and pair with this job's readings, never with each other (those
 * rows exist already).
 *
 * <p>Output: one {@link MachineLearningRow} per pair, without personal data.
 */
public final class JoinStepTrainerWithAccelerometer
    extends PTransform<PCollectionTuple, PCollection<MachineLearningRow>> {

  /** Optional stream input: step-trainer readings earlier jobs trusted, with their owner. */
  public static final TupleTag<OwnedStepReading> KNOWN_STEPS = new TupleTag<>() {};

  /** Optional stream input: phone readings earlier jobs trusted. */
  public static final TupleTag<AccelerometerReading> KNOWN_PHONES = new TupleTag<>() {};

  private final Duration horizon;
  private final WaitClock clock;

  private JoinStepTrainerWithAccelerometer(Duration horizon, WaitClock clock) {
    this.horizon = horizon;
    this.clock = clock;
  }

  /** Default: a stream holds each moment's readings for 24 hours of broker time. */
  public static JoinStepTrainerWithAccelerometer create() {
    return new JoinStepTrainerWithAccelerometer(Duration.standardHours(24), WaitClock.WATERMARK);
  }

  /** How long a stream holds a moment's readings for their partner, on the wait clock. */
  public JoinStepTrainerWithAccelerometer withHorizon(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("join horizon must be positive, got " + value);
    }
    return new JoinStepTrainerWithAccelerometer(value, clock);
  }

  /** What ends a stream's hold: the data's progress (default) or the runner's clock. */
  public JoinStepTrainerWithAccelerometer withWaitClock(WaitClock value) {
    if (value == null) {
      throw new IllegalArgumentException("wait clock must be given");
    }
    return new JoinStepTrainerWithAccelerometer(horizon, value);
  }

  @Override
  public PCollection<MachineLearningRow> expand(PCollectionTuple input) {
    PCollection<OwnedStepReading> steps = input.get(AdmitStepTrainerReadings.OWNED_READINGS);
    PCollection<AccelerometerReading> phones = input.get(ApplyConsent.ACCELEROMETER_TRUSTED);
    if (steps.isBounded() == PCollection.IsBounded.UNBOUNDED
        || phones.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      return joinStream(
          steps,
          phones,
          input.has(KNOWN_STEPS) ? input.get(KNOWN_STEPS) : null,
          input.has(KNOWN_PHONES) ? input.get(KNOWN_PHONES) : null);
    }
    TupleTag<OwnedStepReading> stepTag = new TupleTag<>();
    TupleTag<AccelerometerReading> phoneTag = new TupleTag<>();
    return KeyedPCollectionTuple.of(
            stepTag,
            steps.apply(
                "KeyStepsByCustomer",
                WithKeys.of(OwnedStepReading::email).withKeyType(TypeDescriptors.strings())))
        .and(
            phoneTag,
            phones.apply(
                "KeyPhonesByCustomer",
                WithKeys.of(AccelerometerReading::user).withKeyType(TypeDescriptors.strings())))
        .apply("GroupByCustomer", CoGroupByKey.create())
        .apply("PairReadings", ParDo.of(new PairReadingsFn(stepTag, phoneTag)));
  }

  private PCollection<MachineLearningRow> joinStream(
      PCollection<OwnedStepReading> steps,
      PCollection<AccelerometerReading> phones,
      @Nullable PCollection<OwnedStepReading> knownSteps,
      @Nullable PCollection<AccelerometerReading> knownPhones) {
    KvCoder<String, RawUnionValue> coder =
        KvCoder.of(
            StringUtf8Coder.of(),
            UnionCoder.of(
                List.of(
                    JsonRecordCoder.of(OwnedStepReading.class),
                    JsonRecordCoder.of(AccelerometerReading.class),
                    JsonRecordCoder.of(OwnedStepReading.class),
                    JsonRecordCoder.of(AccelerometerReading.class))));
    PCollectionList<KV<String, RawUnionValue>> sides =
        PCollectionList.of(byMoment(steps, "Steps", STEP, coder))
            .and(byMoment(phones, "Phones", PHONE, coder));
    if (knownSteps != null) {
      sides = sides.and(byMoment(knownSteps, "KnownSteps", KNOWN_STEP, coder));
    }
    if (knownPhones != null) {
      sides = sides.and(byMoment(knownPhones, "KnownPhones", KNOWN_PHONE, coder));
    }
    return sides
        .apply("ByMoment", Flatten.pCollections())
        .apply("PairWhileBothCanArrive", ParDo.of(new PairWhileBothCanArriveFn(horizon, clock)))
        .setCoder(JsonRecordCoder.of(MachineLearningRow.class));
  }

  private static final int STEP = 0;
  private static final int PHONE = 1;
  private static final int KNOWN_STEP = 2;
  private static final int KNOWN_PHONE = 3;

  /** A moment's bucket: its minute. One key, state and timer per customer and minute. */
  private static final long BUCKET_MILLIS = 60_000L;

  /**
   * Readings keyed by customer and minute, tagged with their side of the union. A key per minute
   * rather than per millisecond: every key of a stateful step holds a timer for the horizon, and
   * the Direct runner scans a step's pending timers at every bundle (the STEDI files hold 72,000
   * moments in 2,300 customer-minutes).
   */
  @SuppressWarnings("unchecked")
  private static <T> PCollection<KV<String, RawUnionValue>> byMoment(
      PCollection<T> readings, String name, int tag, KvCoder<String, RawUnionValue> coder) {
    boolean step = tag == STEP || tag == KNOWN_STEP;
    return readings
        .apply(
            "Key" + name + "ByMoment",
            WithKeys.of(
                    (T r) ->
                        step
                            ? ((OwnedStepReading) r).email()
                                + "|"
                                + Math.floorDiv(
                                    ((OwnedStepReading) r).reading().sensorReadingTime(),
                                    BUCKET_MILLIS)
                            : ((AccelerometerReading) r).user()
                                + "|"
                                + Math.floorDiv(
                                    ((AccelerometerReading) r).timestamp(), BUCKET_MILLIS))
                .withKeyType(TypeDescriptors.strings()))
        .apply("Tag" + name, ParDo.of(new TagUnionFn<T>(tag)))
        .setCoder(coder);
  }

  static MachineLearningRow row(OwnedStepReading step, AccelerometerReading phone) {
    return new MachineLearningRow(
        step.reading().sensorReadingTime(),
        step.reading().serialNumber(),
        step.reading().distanceFromObject(),
        phone.timestamp(),
        phone.x(),
        phone.y(),
        phone.z());
  }

  /**
   * A stream's readings of one customer in one minute: each arrival is paired with the other side's
   * readings of the same millisecond held so far (a known reading only with this job's); everything
   * is dropped {@code hold} after the first arrival, on the wait clock.
   */
  static final class PairWhileBothCanArriveFn
      extends DoFn<KV<String, RawUnionValue>, MachineLearningRow> {
    private final Duration hold;
    private final WaitClock clock;

    @StateId("steps")
    private final StateSpec<BagState<OwnedStepReading>> stepsSpec =
        StateSpecs.bag(JsonRecordCoder.of(OwnedStepReading.class));

    @StateId("phones")
    private final StateSpec<BagState<AccelerometerReading>> phonesSpec =
        StateSpecs.bag(JsonRecordCoder.of(AccelerometerReading.class));

    @StateId("knownSteps")
    private final StateSpec<BagState<OwnedStepReading>> knownStepsSpec =
        StateSpecs.bag(JsonRecordCoder.of(OwnedStepReading.class));

    @StateId("knownPhones")
    private final StateSpec<BagState<AccelerometerReading>> knownPhonesSpec =
        StateSpecs.bag(JsonRecordCoder.of(AccelerometerReading.class));

    @StateId("started")
    private final StateSpec<ValueState<Boolean>> startedSpec = StateSpecs.value(BooleanCoder.of());

    /** Its time domain is the wait clock's: an instance field, read by the runner. */
    @TimerId("partnersGone")
    private final TimerSpec partnersGoneSpec;

    PairWhileBothCanArriveFn(Duration hold, WaitClock clock) {
      this.hold = hold;
      this.clock = clock;
      this.partnersGoneSpec = TimerSpecs.timer(clock.domain());
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, RawUnionValue> element,
        @StateId("steps") BagState<OwnedStepReading> steps,
        @StateId("phones") BagState<AccelerometerReading> phones,
        @StateId("knownSteps") BagState<OwnedStepReading> knownSteps,
        @StateId("knownPhones") BagState<AccelerometerReading> knownPhones,
        @StateId("started") ValueState<Boolean> started,
        @TimerId("partnersGone") Timer partnersGone,
        @Timestamp Instant timestamp,
        OutputReceiver<MachineLearningRow> out) {
      if (started.read() == null) {
        started.write(true);
        partnersGone.set(holdEnds(partnersGone, timestamp));
      }
      long pairs = 0;
      Object value = element.getValue().getValue();
      switch (element.getValue().getUnionTag()) {
        case STEP -> {
          OwnedStepReading step = (OwnedStepReading) value;
          Metrics.counter(MetricNames.TAKEN_OVER, AdmitStepTrainerReadings.OWNED_READINGS_COUNTER)
              .inc();
          pairs += pair(step, phones, out) + pair(step, knownPhones, out);
          steps.add(step);
        }
        case PHONE -> {
          AccelerometerReading phone = (AccelerometerReading) value;
          Metrics.counter(MetricNames.TAKEN_OVER, MetricNames.PHONES_JOINED).inc();
          pairs += pair(steps, phone, out) + pair(knownSteps, phone, out);
          phones.add(phone);
        }
        case KNOWN_STEP -> {
          OwnedStepReading step = (OwnedStepReading) value;
          pairs += pair(step, phones, out);
          knownSteps.add(step);
        }
        case KNOWN_PHONE -> {
          AccelerometerReading phone = (AccelerometerReading) value;
          pairs += pair(steps, phone, out);
          knownPhones.add(phone);
        }
        default -> throw new IllegalStateException("unknown input " + element.getValue());
      }
      Metrics.counter(MetricNames.TABLE_ROWS, Tables.MACHINE_LEARNING_CURATED).inc(pairs);
    }

    private static long pair(
        OwnedStepReading step,
        BagState<AccelerometerReading> phones,
        OutputReceiver<MachineLearningRow> out) {
      long pairs = 0;
      for (AccelerometerReading phone : phones.read()) {
        if (phone.timestamp() == step.reading().sensorReadingTime()) {
          out.output(row(step, phone));
          pairs++;
        }
      }
      return pairs;
    }

    private static long pair(
        BagState<OwnedStepReading> steps,
        AccelerometerReading phone,
        OutputReceiver<MachineLearningRow> out) {
      long pairs = 0;
      for (OwnedStepReading step : steps.read()) {
        if (phone.timestamp() == step.reading().sensorReadingTime()) {
          out.output(row(step, phone));
          pairs++;
        }
      }
      return pairs;
    }

    /**
     * When a hold that begins with an element stamped {@code timestamp} ends. On the watermark
     * clock the horizon counts from the element's broker time or from when the job read it,
     * whichever is later: a source whose partitions fall idle moves its watermark to the present at
     * once (a replay of old broker times, then a pause), and a device that syncs old readings after
     * that pause must still find the partners read before it; a reading an earlier job trusted
     * (stamped at the end of the global window by the grouping that read it) is held from when this
     * job read it. This only keeps state longer, it decides nothing.
     */
    private Instant holdEnds(Timer timer, Instant timestamp) {
      if (clock == WaitClock.PROCESSING_TIME) {
        return WaitingRecords.deadline(timer, clock, timestamp, hold);
      }
      // Readings an earlier job trusted come grouped, stamped at the end of the global window:
      // their broker time is unknown here, so only the watermark and the wall time count.
      Instant broker =
          timestamp.isBefore(GlobalWindow.INSTANCE.maxTimestamp())
              ? timestamp
              : BoundedWindow.TIMESTAMP_MIN_VALUE;
      Instant ends = WaitingRecords.deadline(timer, clock, broker, hold);
      Instant fromNow = WaitingRecords.atMostTheEnd(Instant.now().plus(hold));
      return fromNow.isAfter(ends) ? fromNow : ends;
    }

    /**
     * The hold's end. On the processing-time clock, a timer that fires more than a quarter of the
     * hold after it was due tells that the job was down (a restore from a checkpoint after a crash)
     * or far behind: the partners it had not read yet come now, so the readings are held once more
     * for {@code hold}.
     */
    @OnTimer("partnersGone")
    public void onPartnersGone(
        OnTimerContext context,
        @TimerId("partnersGone") Timer partnersGone,
        @StateId("steps") BagState<OwnedStepReading> steps,
        @StateId("phones") BagState<AccelerometerReading> phones,
        @StateId("knownSteps") BagState<OwnedStepReading> knownSteps,
        @StateId("knownPhones") BagState<AccelerometerReading> knownPhones,
        @StateId("started") ValueState<Boolean> started) {
      if (clock == WaitClock.PROCESSING_TIME
          && !Boolean.FALSE.equals(started.read())
          && ProcessingTimeWaits.firedLate(partnersGone, context.fireTimestamp(), hold)) {
        started.write(false); // extended once
        partnersGone.offset(hold).setRelative();
        return;
      }
      drop(steps, phones, knownSteps, knownPhones, started);
    }

    /** Drops the key's readings, counting this job's step readings that found no partner. */
    private static void drop(
        BagState<OwnedStepReading> steps,
        BagState<AccelerometerReading> phones,
        BagState<OwnedStepReading> knownSteps,
        BagState<AccelerometerReading> knownPhones,
        ValueState<Boolean> started) {
      Set<Long> phoneTimes = new HashSet<>();
      phones.read().forEach(phone -> phoneTimes.add(phone.timestamp()));
      knownPhones.read().forEach(phone -> phoneTimes.add(phone.timestamp()));
      long unpaired = 0;
      for (OwnedStepReading step : steps.read()) {
        if (!phoneTimes.contains(step.reading().sensorReadingTime())) {
          unpaired++;
        }
      }
      Metrics.counter(MetricNames.UNPAIRED, Tables.MACHINE_LEARNING_CURATED).inc(unpaired);
      steps.clear();
      phones.clear();
      knownSteps.clear();
      knownPhones.clear();
      started.clear();
    }
  }

  static final class PairReadingsFn extends DoFn<KV<String, CoGbkResult>, MachineLearningRow> {
    private final TupleTag<OwnedStepReading> stepTag;
    private final TupleTag<AccelerometerReading> phoneTag;

    PairReadingsFn(TupleTag<OwnedStepReading> stepTag, TupleTag<AccelerometerReading> phoneTag) {
      this.stepTag = stepTag;
      this.phoneTag = phoneTag;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, CoGbkResult> group, OutputReceiver<MachineLearningRow> out) {
      Map<Long, List<AccelerometerReading>> phonesByTime = new HashMap<>();
      long phoneCount = 0;
      for (AccelerometerReading phone : group.getValue().getAll(phoneTag)) {
        phonesByTime.computeIfAbsent(phone.timestamp(), t -> new ArrayList<>()).add(phone);
        phoneCount++;
      }
      long stepCount = 0;
      long pairs = 0;
      for (OwnedStepReading step : group.getValue().getAll(stepTag)) {
        stepCount++;
        for (AccelerometerReading phone :
            phonesByTime.getOrDefault(step.reading().sensorReadingTime(), List.of())) {
          pairs++;
          out.output(row(step, phone));
        }
      }
      Metrics.counter(MetricNames.TAKEN_OVER, AdmitStepTrainerReadings.OWNED_READINGS_COUNTER)
          .inc(stepCount);
      Metrics.counter(MetricNames.TAKEN_OVER, MetricNames.PHONES_JOINED).inc(phoneCount);
      Metrics.counter(MetricNames.TABLE_ROWS, Tables.MACHINE_LEARNING_CURATED).inc(pairs);
    }
  }
}
