package dev.zonestream.curated;

import dev.zonestream.lake.Tables;
import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.JoinWindowing;
import dev.zonestream.model.MachineLearningRow;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.OwnedStepReading;
import dev.zonestream.trusted.ApplyConsent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.joda.time.Duration;

/**
 * {@code machine_learning_curated}: each trusted step-trainer reading joined with the trusted
 * accelerometer readings of the <em>same customer</em> at the same millisecond ({@code
 * sensorReadingTime == timestamp}). Joining on the time alone would pair one customer's device with
 * strangers' phones.
 *
 * <p>Input: a tuple of {@link AdmitStepTrainerReadings#OWNED_READINGS} and {@link
 * ApplyConsent#ACCELEROMETER_TRUSTED}, grouped by customer (see {@link JoinWindowing}) and paired
 * by millisecond inside the group. Grouping by customer rather than by (customer, millisecond)
 * keeps the number of groups at the number of customers: the Direct runner pays a fixed cost per
 * group. Output: one {@link MachineLearningRow} per pair, without personal data.
 */
public final class JoinStepTrainerWithAccelerometer
    extends PTransform<PCollectionTuple, PCollection<MachineLearningRow>> {
  /** Counter name, in {@link MetricNames#DECIDED}, of trusted phone readings joined. */
  public static final String ACCELEROMETER_TRUSTED_COUNTER = "accelerometer_trusted";

  private final Duration wait;
  private final Duration allowedLateness;

  private JoinStepTrainerWithAccelerometer(Duration wait, Duration allowedLateness) {
    this.wait = wait;
    this.allowedLateness = allowedLateness;
  }

  public static JoinStepTrainerWithAccelerometer create() {
    return new JoinStepTrainerWithAccelerometer(
        Duration.standardMinutes(10), Duration.standardHours(1));
  }

  public JoinStepTrainerWithAccelerometer withWait(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("wait must be positive, got " + value);
    }
    return new JoinStepTrainerWithAccelerometer(value, allowedLateness);
  }

  /** How late a streamed reading may still be joined; see {@link JoinWindowing}. */
  public JoinStepTrainerWithAccelerometer withAllowedLateness(Duration value) {
    if (value == null || value.getMillis() < 0) {
      throw new IllegalArgumentException("allowed lateness must not be negative, got " + value);
    }
    return new JoinStepTrainerWithAccelerometer(wait, value);
  }

  @Override
  public PCollection<MachineLearningRow> expand(PCollectionTuple input) {
    PCollection<OwnedStepReading> steps = input.get(AdmitStepTrainerReadings.OWNED_READINGS);
    PCollection<AccelerometerReading> phones = input.get(ApplyConsent.ACCELEROMETER_TRUSTED);
    TupleTag<OwnedStepReading> stepTag = new TupleTag<>();
    TupleTag<AccelerometerReading> phoneTag = new TupleTag<>();
    return KeyedPCollectionTuple.of(
            stepTag,
            steps.apply(
                "KeyStepsByCustomer",
                JoinWindowing.keyedBy(OwnedStepReading::email, wait, allowedLateness)))
        .and(
            phoneTag,
            phones.apply(
                "KeyPhonesByCustomer",
                JoinWindowing.keyedBy(AccelerometerReading::user, wait, allowedLateness)))
        .apply("GroupByCustomer", CoGroupByKey.create())
        .apply("PairReadings", ParDo.of(new PairReadingsFn(stepTag, phoneTag)));
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
          out.output(
              new MachineLearningRow(
                  step.reading().sensorReadingTime(),
                  step.reading().serialNumber(),
                  step.reading().distanceFromObject(),
                  phone.timestamp(),
                  phone.x(),
                  phone.y(),
                  phone.z()));
        }
      }
      Metrics.counter(MetricNames.DECIDED, AdmitStepTrainerReadings.OWNED_READINGS_COUNTER)
          .inc(stepCount);
      Metrics.counter(MetricNames.DECIDED, ACCELEROMETER_TRUSTED_COUNTER).inc(phoneCount);
      Metrics.counter(MetricNames.TABLE_ROWS, Tables.MACHINE_LEARNING_CURATED).inc(pairs);
    }
  }
}
