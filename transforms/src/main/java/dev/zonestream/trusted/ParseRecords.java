package dev.zonestream.trusted;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.Customer;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.Parsed;
import dev.zonestream.model.Parsed.ParsedCoder;
import dev.zonestream.model.Rejected;
import dev.zonestream.model.StepTrainerReading;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Parses each message once, with Jackson, into its dataset's typed record, or rejects it with every
 * rule it breaks (see {@link RecordRules}): never logged and dropped.
 *
 * <p>Element-wise: keeps each message's timestamp and window; bounded or not as its input. Outputs,
 * by tag: {@link #CUSTOMERS}, {@link #ACCELEROMETER} and {@link #STEP_TRAINER} (readings with the
 * message they came from, so a later stage can still reject them with it) and {@link #REJECTED}
 * (with the original message and its source coordinates). Counted per dataset in {@link
 * MetricNames#VALID} and {@link MetricNames#REJECTED}.
 */
public final class ParseRecords extends PTransform<PCollection<Envelope>, PCollectionTuple> {
  public static final TupleTag<Customer> CUSTOMERS = new TupleTag<>() {};
  public static final TupleTag<Parsed<AccelerometerReading>> ACCELEROMETER = new TupleTag<>() {};
  public static final TupleTag<Parsed<StepTrainerReading>> STEP_TRAINER = new TupleTag<>() {};
  public static final TupleTag<Rejected> REJECTED = new TupleTag<>() {};

  private final int maxPayloadBytes;

  private ParseRecords(int maxPayloadBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** Default payload limit: 64 KiB, far above any STEDI message (about 400 bytes). */
  public static ParseRecords create() {
    return new ParseRecords(64 * 1024);
  }

  /** Larger payloads are rejected as oversized. */
  public ParseRecords withMaxPayloadBytes(int bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("max payload bytes must be positive, got " + bytes);
    }
    return new ParseRecords(bytes);
  }

  @Override
  public PCollectionTuple expand(PCollection<Envelope> messages) {
    PCollectionTuple parsed =
        messages.apply(
            "ApplyRecordRules",
            ParDo.of(new ParseFn(maxPayloadBytes))
                .withOutputTags(
                    CUSTOMERS, TupleTagList.of(ACCELEROMETER).and(STEP_TRAINER).and(REJECTED)));
    parsed
        .get(ACCELEROMETER)
        .setCoder(ParsedCoder.of(JsonRecordCoder.of(AccelerometerReading.class)));
    parsed.get(STEP_TRAINER).setCoder(ParsedCoder.of(JsonRecordCoder.of(StepTrainerReading.class)));
    return parsed;
  }

  static final class ParseFn extends DoFn<Envelope, Customer> {
    private final int maxPayloadBytes;

    ParseFn(int maxPayloadBytes) {
      this.maxPayloadBytes = maxPayloadBytes;
    }

    @ProcessElement
    public void processElement(@Element Envelope message, MultiOutputReceiver out) {
      RecordRules.Outcome outcome = RecordRules.apply(message, maxPayloadBytes);
      if (outcome.reason() != null) {
        Metrics.counter(MetricNames.REJECTED, message.dataset()).inc();
        out.get(REJECTED).output(new Rejected(outcome.reason(), message));
        return;
      }
      if (outcome.record() instanceof Customer customer) {
        out.get(CUSTOMERS).output(customer);
      } else if (outcome.record() instanceof AccelerometerReading reading) {
        out.get(ACCELEROMETER).output(new Parsed<>(reading, message));
      } else if (outcome.record() instanceof StepTrainerReading reading) {
        out.get(STEP_TRAINER).output(new Parsed<>(reading, message));
      } else {
        throw new IllegalStateException("no output for " + outcome);
      }
      Metrics.counter(MetricNames.VALID, message.dataset()).inc();
    }
  }
}
