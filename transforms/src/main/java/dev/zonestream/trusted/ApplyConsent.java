package dev.zonestream.trusted;

import dev.zonestream.lake.Tables;
import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.ConsentedOwner;
import dev.zonestream.model.Customer;
import dev.zonestream.model.JoinWindowing;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.MetricNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
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
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The consent rule: keeps the customers whose latest record consents to research use, the
 * accelerometer readings of those customers (all, or only those at or after consent: {@link
 * ConsentScope}), each reading once, and the customers with at least one such reading.
 *
 * <p>Input: a tuple of {@link ParseRecords#CUSTOMERS} and {@link ParseRecords#ACCELEROMETER}. Both
 * are grouped by email (a reading's {@code user}); a customer's latest record is the one with the
 * greatest {@code lastUpdateDate} (ties: the greatest JSON form, so every runner picks the same).
 * Consent given or withdrawn by a later record therefore applies to all of that customer's
 * readings.
 *
 * <p>Windowing: see {@link JoinWindowing}; bounded input is decided exactly, a stream per session
 * of {@code wait} (a reading waits that long for its customer).
 *
 * <p>Outputs: {@link #CUSTOMER_TRUSTED}, {@link #ACCELEROMETER_TRUSTED}, {@link #CUSTOMER_CURATED}
 * and {@link #OWNERS} (the curated customers' devices, for the step-trainer rule).
 */
public final class ApplyConsent extends PTransform<PCollectionTuple, PCollectionTuple> {
  public static final TupleTag<Customer> CUSTOMER_TRUSTED = new TupleTag<>() {};
  public static final TupleTag<AccelerometerReading> ACCELEROMETER_TRUSTED = new TupleTag<>() {};
  public static final TupleTag<Customer> CUSTOMER_CURATED = new TupleTag<>() {};
  public static final TupleTag<ConsentedOwner> OWNERS = new TupleTag<>() {};

  private final ConsentScope scope;
  private final Duration wait;
  private final Duration allowedLateness;

  private ApplyConsent(ConsentScope scope, Duration wait, Duration allowedLateness) {
    this.scope = scope;
    this.wait = wait;
    this.allowedLateness = allowedLateness;
  }

  /** Defaults: {@link ConsentScope#AFTER_CONSENT}, a stream waits 10 minutes for a customer. */
  public static ApplyConsent create() {
    return new ApplyConsent(
        ConsentScope.AFTER_CONSENT, Duration.standardMinutes(10), Duration.standardHours(1));
  }

  public ApplyConsent withScope(ConsentScope value) {
    if (value == null) {
      throw new IllegalArgumentException("consent scope must be given");
    }
    return new ApplyConsent(value, wait, allowedLateness);
  }

  /** How long, in broker time, a streamed reading waits for its customer (and vice versa). */
  public ApplyConsent withWait(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("wait must be positive, got " + value);
    }
    return new ApplyConsent(scope, value, allowedLateness);
  }

  /**
   * How late (behind the watermark) a streamed message may still be decided; see {@link
   * JoinWindowing}.
   */
  public ApplyConsent withAllowedLateness(Duration value) {
    if (value == null || value.getMillis() < 0) {
      throw new IllegalArgumentException("allowed lateness must not be negative, got " + value);
    }
    return new ApplyConsent(scope, wait, value);
  }

  @Override
  public PCollectionTuple expand(PCollectionTuple input) {
    PCollection<Customer> customers = input.get(ParseRecords.CUSTOMERS);
    PCollection<AccelerometerReading> readings = input.get(ParseRecords.ACCELEROMETER);
    PCollection<KV<String, Customer>> customersByEmail =
        customers.apply(
            "KeyCustomersByEmail", JoinWindowing.keyedBy(Customer::email, wait, allowedLateness));
    PCollection<KV<String, AccelerometerReading>> readingsByUser =
        readings.apply(
            "KeyReadingsByUser",
            JoinWindowing.keyedBy(AccelerometerReading::user, wait, allowedLateness));
    TupleTag<Customer> customerTag = new TupleTag<>();
    TupleTag<AccelerometerReading> readingTag = new TupleTag<>();
    return KeyedPCollectionTuple.of(customerTag, customersByEmail)
        .and(readingTag, readingsByUser)
        .apply("GroupByEmail", CoGroupByKey.create())
        .apply(
            "DecideConsent",
            ParDo.of(new DecideConsentFn(scope, customerTag, readingTag))
                .withOutputTags(
                    CUSTOMER_TRUSTED,
                    TupleTagList.of(ACCELEROMETER_TRUSTED).and(CUSTOMER_CURATED).and(OWNERS)));
  }

  /** The latest record of a customer: greatest lastUpdateDate, then greatest JSON form. */
  static @Nullable Customer latest(Iterable<Customer> records) {
    Customer latest = null;
    for (Customer record : records) {
      if (latest == null || LATEST_ORDER.compare(record, latest) > 0) {
        latest = record;
      }
    }
    return latest;
  }

  private static final Comparator<Customer> LATEST_ORDER =
      Comparator.comparingLong(Customer::lastUpdateDate).thenComparing(ApplyConsent::jsonOf);

  private static String jsonOf(Customer customer) {
    try {
      return JsonRecordCoder.MAPPER.writeValueAsString(customer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static final class DecideConsentFn extends DoFn<KV<String, CoGbkResult>, Customer> {
    private final ConsentScope scope;
    private final TupleTag<Customer> customerTag;
    private final TupleTag<AccelerometerReading> readingTag;

    DecideConsentFn(
        ConsentScope scope,
        TupleTag<Customer> customerTag,
        TupleTag<AccelerometerReading> readingTag) {
      this.scope = scope;
      this.customerTag = customerTag;
      this.readingTag = readingTag;
    }

    @ProcessElement
    public void processElement(@Element KV<String, CoGbkResult> group, MultiOutputReceiver out) {
      Iterable<Customer> records = group.getValue().getAll(customerTag);
      long customerCount = 0;
      for (Customer ignored : records) {
        customerCount++;
      }
      Set<AccelerometerReading> readings = new LinkedHashSet<>();
      long readingCount = 0;
      for (AccelerometerReading reading : group.getValue().getAll(readingTag)) {
        readings.add(reading); // an identical reading delivered twice counts once
        readingCount++;
      }
      Metrics.counter(MetricNames.DECIDED, "customer").inc(customerCount);
      Metrics.counter(MetricNames.DECIDED, "accelerometer").inc(readingCount);

      Customer latest = latest(records);
      if (latest == null || latest.shareWithResearchAsOfDate() == null) {
        return; // no consent: nothing of this customer enters trusted or curated
      }
      long consentTime = latest.shareWithResearchAsOfDate();
      out.get(CUSTOMER_TRUSTED).output(latest);
      Metrics.counter(MetricNames.TABLE_ROWS, Tables.CUSTOMER_TRUSTED).inc();
      long admitted = 0;
      for (AccelerometerReading reading : readings) {
        if (scope.admits(reading.timestamp(), consentTime)) {
          out.get(ACCELEROMETER_TRUSTED).output(reading);
          admitted++;
        }
      }
      Metrics.counter(MetricNames.TABLE_ROWS, Tables.ACCELEROMETER_TRUSTED).inc(admitted);
      if (admitted > 0) {
        Metrics.counter(MetricNames.TABLE_ROWS, Tables.CUSTOMER_CURATED).inc();
        out.get(CUSTOMER_CURATED).output(latest);
        out.get(OWNERS)
            .output(new ConsentedOwner(latest.email(), latest.serialNumber(), consentTime));
      }
    }
  }
}
