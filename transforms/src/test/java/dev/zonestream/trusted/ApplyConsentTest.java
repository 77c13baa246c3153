package dev.zonestream.trusted;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.Customer;
import dev.zonestream.model.DeviceOwner;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.EnvelopeCoder;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.Rejected;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The consent rule, bounded and streamed. Streams are {@link TestStream}s of broker messages: event
 * (broker) time moves with the watermark, and the wait for a missing customer and the
 * de-duplication horizon follow processing time, which each test advances explicitly.
 */
@ExtendWith(TestPipelineExtension.class)
public class ApplyConsentTest {
  static final long DAY = 86_400_000L;
  static final long T = 1_655_564_376_361L;
  private static final Duration WAIT = Duration.standardMinutes(1);

  public static Customer customer(String email, long updated, Long consent) {
    return new Customer(
        "Name " + email,
        email,
        "8015551212",
        "1980-01-01",
        "0f2d4c1e-6b7a-4f1e-9c3d-" + String.format("%012d", Math.abs(email.hashCode())),
        T,
        updated,
        consent,
        null,
        null);
  }

  static AccelerometerReading reading(String user, long time, double x) {
    return new AccelerometerReading(user, time, x, 0, 0);
  }

  static Envelope message(Record record) {
    return Messages.of(record);
  }

  private static PCollectionTuple consent(PCollection<Envelope> messages, ConsentScope scope) {
    return consent(messages, scope, WaitClock.WATERMARK);
  }

  private static PCollectionTuple consent(
      PCollection<Envelope> messages, ConsentScope scope, WaitClock clock) {
    PCollectionTuple parsed = messages.apply(ParseRecords.create());
    return PCollectionTuple.of(ParseRecords.CUSTOMERS, parsed.get(ParseRecords.CUSTOMERS))
        .and(ParseRecords.ACCELEROMETER, parsed.get(ParseRecords.ACCELEROMETER))
        .apply(
            ApplyConsent.create()
                .withScope(scope)
                .withWait(WAIT)
                .withWaitClock(clock)
                .withDedupHorizon(Duration.standardHours(24)));
  }

  private static PCollectionTuple bounded(TestPipeline pipeline, Envelope... messages) {
    return consent(
        pipeline.apply(Create.of(java.util.List.of(messages)).withCoder(EnvelopeCoder.of())),
        ConsentScope.AFTER_CONSENT);
  }

  /** A stream whose broker time starts at {@code start}. */
  private static TestStream.Builder<Envelope> stream() {
    return TestStream.create(EnvelopeCoder.of());
  }

  public static long counter(PipelineResult result, String namespace, String name) {
    MetricQueryResults metrics =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(namespace, name))
                    .build());
    long total = 0;
    for (MetricResult<Long> counter : metrics.getCounters()) {
      total += counter.getAttempted();
    }
    return total;
  }

  private static TimestampedValue<Envelope> at(Instant time, Record record) {
    return TimestampedValue.of(message(record), time);
  }

  @Test
  void boundedNewestRecordDecidesAllReadingsAndReadingsWithoutCustomerAreRejected(
      TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    Customer benWithdrew = customer("ben@test.com", T + DAY, null);
    Customer benEarlier = customer("ben@test.com", T, T);
    Customer chenLater = customer("chen@test.com", T + DAY, T + DAY);
    Customer chenFirst = customer("chen@test.com", T, null);
    Customer dana = customer("dana@test.com", T, T); // consents, never reads

    AccelerometerReading ada1 = reading("ada@test.com", T + 10, 1);
    AccelerometerReading ada1SameMsOtherXyz = reading("ada@test.com", T + 10, 2);
    AccelerometerReading adaBefore = reading("ada@test.com", T - 10, 3);
    AccelerometerReading ben1 = reading("ben@test.com", T + 10, 4);
    AccelerometerReading chenBefore = reading("chen@test.com", T + 10, 5);
    AccelerometerReading chenAfter = reading("chen@test.com", T + DAY, 6);
    Envelope stranger = message(reading("nobody@test.com", T + 10, 7));

    PCollectionTuple out =
        bounded(
            pipeline,
            message(ada),
            message(ada),
            message(benWithdrew),
            message(benEarlier),
            message(chenLater),
            message(chenFirst),
            message(dana),
            message(ada1),
            message(ada1), // delivered twice: kept once
            message(ada1SameMsOtherXyz),
            message(adaBefore),
            message(ben1),
            message(chenBefore),
            message(chenAfter),
            stranger);

    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(ada, chenLater, dana);
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED))
        .containsInAnyOrder(ada1, ada1SameMsOtherXyz, chenAfter);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(ada, chenLater);
    PAssert.that(out.get(ApplyConsent.OWNERS))
        .containsInAnyOrder(
            ApplyConsent.ownerOf(ada, true),
            ApplyConsent.ownerOf(benWithdrew, false),
            ApplyConsent.ownerOf(chenLater, true),
            ApplyConsent.ownerOf(dana, false));
    PAssert.that(out.get(ApplyConsent.REJECTED))
        .containsInAnyOrder(new Rejected(ApplyConsent.NO_CUSTOMER, stranger));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void boundedAllReadingsScopeAdmitsReadingsFromBeforeConsent(TestPipeline pipeline) {
    Customer chen = customer("chen@test.com", T + DAY, T + DAY);
    AccelerometerReading before = reading("chen@test.com", T, 1);

    PCollectionTuple out =
        consent(
            pipeline.apply(Create.of(message(chen), message(before)).withCoder(EnvelopeCoder.of())),
            ConsentScope.ALL_READINGS);

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(before);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(chen);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void streamCustomerDaysBeforeItsReadingsStillDecidesThem(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading r1 = reading("ada@test.com", T + 3 * DAY, 1);
    AccelerometerReading r2 = reading("ada@test.com", T + 9 * DAY, 2);
    Instant start = new Instant(T);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(at(start, ada))
                    .advanceWatermarkTo(start.plus(Duration.standardDays(3)))
                    .advanceProcessingTime(Duration.standardDays(3))
                    .addElements(at(start.plus(Duration.standardDays(3)), r1))
                    .advanceWatermarkTo(start.plus(Duration.standardDays(9)))
                    .advanceProcessingTime(Duration.standardDays(6))
                    .addElements(at(start.plus(Duration.standardDays(9)), r2))
                    .advanceWatermarkToInfinity()),
            ConsentScope.AFTER_CONSENT);

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(r1, r2);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(ada);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(ada);
    PAssert.that(out.get(ApplyConsent.REJECTED)).empty();
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    // Decided by the side input alone: no reading had to wait in the stateful step.
    assertThat(counter(result, MetricNames.WAITED, "accelerometer"), equalTo(0L));
    assertThat(counter(result, MetricNames.UNIQUE, "accelerometer"), equalTo(2L));
  }

  /** Consent given, withdrawn, given again, with readings between: each decided as it comes. */
  private static final Customer GIVEN = customer("ada@test.com", T, T);

  private static final Customer WITHDRAWN = customer("ada@test.com", T + DAY, null);
  private static final Customer GIVEN_AGAIN = customer("ada@test.com", T + 2 * DAY, T + 2 * DAY);
  private static final AccelerometerReading WHILE_GIVEN = reading("ada@test.com", T + 100, 1);
  private static final AccelerometerReading WHILE_WITHDRAWN =
      reading("ada@test.com", T + DAY + 100, 2);
  private static final AccelerometerReading AFTER_GIVEN_AGAIN =
      reading("ada@test.com", T + 2 * DAY + 100, 3);

  @Test
  void streamConsentGivenWithdrawnAndGivenAgainAppliesToReadingsDecidedAfterEachRecord(
      TestPipeline pipeline) {
    Instant start = new Instant(T);
    Duration hour = Duration.standardHours(1);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(at(start, GIVEN))
                    .advanceProcessingTime(hour)
                    .addElements(at(start.plus(hour), WHILE_GIVEN))
                    .advanceProcessingTime(hour)
                    .addElements(at(start.plus(hour.multipliedBy(2)), WITHDRAWN))
                    .advanceProcessingTime(hour)
                    .addElements(at(start.plus(hour.multipliedBy(3)), WHILE_WITHDRAWN))
                    .advanceProcessingTime(hour)
                    .addElements(at(start.plus(hour.multipliedBy(4)), GIVEN_AGAIN))
                    .advanceProcessingTime(hour)
                    .addElements(at(start.plus(hour.multipliedBy(5)), AFTER_GIVEN_AGAIN))
                    .advanceProcessingTime(hour)
                    .advanceWatermarkToInfinity()),
            ConsentScope.AFTER_CONSENT);

    // The reading taken while consent was given stays: the stream decided it before the
    // withdrawal arrived. Each change of the customer is a row of its own.
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED))
        .containsInAnyOrder(WHILE_GIVEN, AFTER_GIVEN_AGAIN);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(GIVEN, GIVEN_AGAIN);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(GIVEN, GIVEN_AGAIN);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void backfillOfTheSameMessagesDecidesEveryReadingByTheNewestRecord(TestPipeline pipeline) {
    PCollectionTuple out =
        bounded(
            pipeline,
            message(GIVEN),
            message(WHILE_GIVEN),
            message(WITHDRAWN),
            message(WHILE_WITHDRAWN),
            message(GIVEN_AGAIN),
            message(AFTER_GIVEN_AGAIN));

    // The newest record gives consent from T + 2 days: earlier readings stay out.
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(AFTER_GIVEN_AGAIN);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(GIVEN_AGAIN);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(GIVEN_AGAIN);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void streamStartsFromWhatEarlierJobsKeptAndWritesNoRowForIt(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T); // known, curated by an earlier job
    Customer bob = customer("bob@test.com", T, T); // known, not yet curated
    Customer eve = customer("eve@test.com", T, null); // known, never consented
    AccelerometerReading adas = reading("ada@test.com", T + 10, 1);
    AccelerometerReading bobs = reading("bob@test.com", T + 10, 2);
    AccelerometerReading eves = reading("eve@test.com", T + 10, 3);
    Instant start = new Instant(T + DAY);

    PCollectionTuple parsed =
        pipeline
            .apply(
                "Live",
                stream()
                    // What the lake holds is read as the job starts, before any live message.
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    .addElements(at(start, adas), at(start, bobs), at(start, eves))
                    .advanceProcessingTime(Duration.standardSeconds(10))
                    // ada's record again: a redelivery of what the earlier job read.
                    .addElements(at(start.plus(Duration.standardSeconds(1)), ada))
                    .advanceProcessingTime(Duration.standardMinutes(5))
                    .advanceWatermarkToInfinity())
            .apply(ParseRecords.create());
    PCollectionTuple out =
        PCollectionTuple.of(ParseRecords.CUSTOMERS, parsed.get(ParseRecords.CUSTOMERS))
            .and(ParseRecords.ACCELEROMETER, parsed.get(ParseRecords.ACCELEROMETER))
            .and(
                ApplyConsent.KNOWN_CUSTOMERS,
                pipeline.apply(
                    "Known",
                    Create.of(ada, bob, eve).withCoder(JsonRecordCoder.of(Customer.class))))
            .and(
                ApplyConsent.KNOWN_CURATED,
                pipeline.apply("KnownCurated", Create.of("ada@test.com")))
            // ada's reading was trusted by the earlier job: here it is a redelivery.
            .and(
                ApplyConsent.KNOWN_READINGS,
                pipeline.apply(
                    "KnownReadings",
                    Create.of(adas).withCoder(JsonRecordCoder.of(AccelerometerReading.class))))
            .apply(ApplyConsent.create().withWait(WAIT));

    // Decided as the earlier job would have, without this job reading a single customer record;
    // the redelivered reading is not trusted twice.
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(bobs);
    PAssert.that(out.get(ApplyConsent.REJECTED)).empty();
    // Rows: only bob becomes curated now; ada's rows exist already, eve never had one.
    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).empty();
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(bob);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void streamReadingBeforeItsCustomerWithinTheWaitIsAdmittedWhenTheCustomerArrives(
      TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading early = reading("ada@test.com", T + 10, 1);
    Instant start = new Instant(T + DAY);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(at(start, early))
                    .advanceProcessingTime(Duration.standardSeconds(40))
                    .addElements(at(start.plus(Duration.standardSeconds(40)), ada))
                    .advanceProcessingTime(Duration.standardMinutes(5))
                    .advanceWatermarkToInfinity()),
            ConsentScope.AFTER_CONSENT);

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(early);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(ada);
    PAssert.that(out.get(ApplyConsent.REJECTED)).empty();
    pipeline.run().waitUntilFinish();
  }

  /**
   * A reading's wait follows the data, not the clock: days of processing time in which the job
   * reads nothing new (a stalled broker, a slow runner, an outage) do not end it; its customer,
   * published within the wait of broker time after it, admits it whenever it is read.
   */
  /**
   * A reading that the customer's record then known excludes is decided only when its wait is over:
   * a newer record that comes within the wait of broker time admits it (as a batch run, deciding by
   * the newest record, does); one that comes later does not.
   */
  @Test
  void streamReadingExcludedOnArrivalIsAdmittedByANewerRecordOnlyWithinItsWait(
      TestPipeline pipeline) {
    Customer boSignedUp = customer("bo@test.com", T, null);
    Customer boConsents = customer("bo@test.com", T + DAY, T + DAY);
    AccelerometerReading boReading = reading("bo@test.com", T + 2 * DAY, 1);
    Customer cySignedUp = customer("cy@test.com", T, null);
    Customer cyConsents = customer("cy@test.com", T + DAY, T + DAY);
    AccelerometerReading cyReading = reading("cy@test.com", T + 2 * DAY, 2);
    Instant start = new Instant(T + 3 * DAY);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(at(start, boSignedUp), at(start, cySignedUp))
                    .advanceProcessingTime(Duration.standardMinutes(1))
                    .advanceWatermarkTo(start.plus(Duration.standardSeconds(5)))
                    .addElements(
                        at(start.plus(Duration.standardSeconds(5)), boReading),
                        at(start.plus(Duration.standardSeconds(5)), cyReading))
                    .advanceProcessingTime(Duration.standardMinutes(1))
                    .addElements(at(start.plus(Duration.standardSeconds(30)), boConsents))
                    .advanceWatermarkTo(start.plus(Duration.standardSeconds(5)).plus(WAIT).plus(1))
                    .advanceProcessingTime(Duration.standardMinutes(1))
                    .addElements(at(start.plus(Duration.standardMinutes(3)), cyConsents))
                    .advanceWatermarkToInfinity()),
            ConsentScope.AFTER_CONSENT);

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(boReading);
    PAssert.that(out.get(ApplyConsent.REJECTED)).empty();
    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(boConsents, cyConsents);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void streamReadingWaitsForItsCustomerHoweverMuchProcessingTimePasses(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading early = reading("ada@test.com", T + 10, 1);
    Instant start = new Instant(T + DAY);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(at(start, early))
                    .advanceProcessingTime(Duration.standardDays(3))
                    .addElements(at(start.plus(Duration.standardSeconds(50)), ada))
                    .advanceWatermarkToInfinity()),
            ConsentScope.AFTER_CONSENT);

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(early);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(ada);
    PAssert.that(out.get(ApplyConsent.REJECTED)).empty();
    pipeline.run().waitUntilFinish();
  }

  /**
   * The wait ends when the data has moved on: once the input has been processed past the reading's
   * broker time plus the wait, a customer that comes later no longer admits it (it is rejected, as
   * a backfill of the first minutes would), while the customer's later readings enter.
   */
  @Test
  void streamReadingWhoseCustomerComesAfterTheWatermarkPassedItsWaitIsRejected(
      TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading early = reading("ada@test.com", T + 10, 1);
    AccelerometerReading afterArrival = reading("ada@test.com", T + 20, 2);
    Envelope earlyMessage = message(early);
    Instant start = new Instant(T + DAY);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(TimestampedValue.of(earlyMessage, start))
                    .advanceWatermarkTo(start.plus(WAIT).plus(1))
                    .addElements(at(start.plus(Duration.standardMinutes(2)), ada))
                    .addElements(at(start.plus(Duration.standardMinutes(3)), afterArrival))
                    .advanceWatermarkToInfinity()),
            ConsentScope.AFTER_CONSENT);

    PAssert.that(out.get(ApplyConsent.REJECTED))
        .containsInAnyOrder(new Rejected(ApplyConsent.NO_CUSTOMER, earlyMessage));
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(afterArrival);
    pipeline.run().waitUntilFinish();
  }

  /**
   * Processing-time clock (Spark): a job restored after an outage, the wait's timer fires long
   * after it was due, before the job has read what it had not read when it died; the reading waits
   * once more, and its customer, read after the restore, admits it.
   */
  @Test
  void streamReadingWhoseWaitFellDueDuringAnOutageWaitsOnceMore(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading early = reading("ada@test.com", T + 10, 1);
    Instant start = new Instant(T + DAY);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(TimestampedValue.of(message(early), start))
                    .advanceProcessingTime(Duration.standardMinutes(5))
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    .addElements(at(start.plus(Duration.standardMinutes(5)), ada))
                    .advanceProcessingTime(Duration.standardMinutes(5))
                    .advanceWatermarkToInfinity()),
            ConsentScope.AFTER_CONSENT,
            WaitClock.PROCESSING_TIME);

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(early);
    PAssert.that(out.get(ApplyConsent.REJECTED)).empty();
    pipeline.run().waitUntilFinish();
  }

  /** Processing-time clock (Spark): the wait ends after its span of the runner's clock. */
  @Test
  void processingTimeReadingWhoseCustomerComesLaterThanTheWaitIsRejectedWithTheReason(
      TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading early = reading("ada@test.com", T + 10, 1);
    AccelerometerReading afterArrival = reading("ada@test.com", T + 20, 2);
    Envelope earlyMessage = message(early);
    Instant start = new Instant(T + DAY);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(TimestampedValue.of(earlyMessage, start))
                    // A running job's clock: the wait ends on time (a timer that fires long
                    // after it was due is an outage, and the wait is given once more). The
                    // DirectRunner fires a due timer at the next step of the test's clock.
                    .advanceProcessingTime(WAIT)
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    .advanceProcessingTime(Duration.standardSeconds(59))
                    .addElements(at(start.plus(Duration.standardMinutes(2)), ada))
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    .addElements(at(start.plus(Duration.standardMinutes(3)), afterArrival))
                    .advanceProcessingTime(Duration.standardMinutes(5))
                    .advanceWatermarkToInfinity()),
            ConsentScope.AFTER_CONSENT,
            WaitClock.PROCESSING_TIME);

    PAssert.that(out.get(ApplyConsent.REJECTED))
        .containsInAnyOrder(new Rejected(ApplyConsent.NO_CUSTOMER, earlyMessage));
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(afterArrival);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(ada);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void streamRepeatsAnHourApartAppearOnceAndARepeatPastTheHorizonAgain(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading r = reading("ada@test.com", T + 10, 1);
    Envelope first = message(r);
    Envelope redelivered = message(r); // same payload, other offset
    Instant start = new Instant(T);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(at(start, ada))
                    .addElements(TimestampedValue.of(first, start))
                    .advanceProcessingTime(Duration.standardHours(1))
                    .addElements(
                        TimestampedValue.of(redelivered, start.plus(Duration.standardHours(1))))
                    .addElements(at(start.plus(Duration.standardHours(1)), ada))
                    .advanceProcessingTime(Duration.standardHours(25))
                    .addElements(
                        TimestampedValue.of(message(r), start.plus(Duration.standardHours(26))))
                    .advanceWatermarkToInfinity()),
            ConsentScope.AFTER_CONSENT);

    // Once within the 24-hour horizon; the customer's repeat changes nothing. A repeat after the
    // horizon has passed is kept again (the horizon bounds the memory this costs).
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(r, r);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(ada);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(ada);
    PAssert.that(out.get(ApplyConsent.OWNERS))
        .containsInAnyOrder(ApplyConsent.ownerOf(ada, false), ApplyConsent.ownerOf(ada, true));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    // Each repeat is counted where it is dropped: the reading's, and the customer's record.
    assertThat(counter(result, MetricNames.DUPLICATE, "accelerometer"), equalTo(1L));
    assertThat(counter(result, MetricNames.DUPLICATE, "customer"), equalTo(1L));
  }

  @Test
  void streamNonConsentingCustomersReadingsNeverEnter(TestPipeline pipeline) {
    Customer ben = customer("ben@test.com", T, null);
    AccelerometerReading r = reading("ben@test.com", T + 10, 1);
    Instant start = new Instant(T);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                stream()
                    .addElements(at(start, r)) // before the customer: waits
                    .advanceProcessingTime(Duration.standardSeconds(10))
                    .addElements(at(start, ben))
                    .advanceProcessingTime(Duration.standardHours(1))
                    .addElements(
                        at(
                            start.plus(Duration.standardHours(1)),
                            reading("ben@test.com", T + 20, 2)))
                    .advanceProcessingTime(Duration.standardHours(1))
                    .advanceWatermarkToInfinity()),
            ConsentScope.ALL_READINGS);

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).empty();
    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).empty();
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).empty();
    PAssert.that(out.get(ApplyConsent.REJECTED)).empty();
    PAssert.that(out.get(ApplyConsent.OWNERS))
        .containsInAnyOrder(new DeviceOwner("ben@test.com", ben.serialNumber(), null, T, false));
    pipeline.run().waitUntilFinish();
  }
}
