package dev.zonestream.trusted;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.ConsentedOwner;
import dev.zonestream.model.Customer;
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

@ExtendWith(TestPipelineExtension.class)
class ApplyConsentTest {
  static final long DAY = 86_400_000L;
  static final long T = 1_655_564_376_361L;

  static Customer customer(String email, long updated, Long consent) {
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

  private static PCollectionTuple consent(
      PCollection<Customer> customers,
      PCollection<AccelerometerReading> readings,
      ConsentScope scope) {
    return PCollectionTuple.of(ParseRecords.CUSTOMERS, customers)
        .and(ParseRecords.ACCELEROMETER, readings)
        .apply(
            ApplyConsent.create()
                .withScope(scope)
                .withWait(Duration.standardMinutes(1))
                .withAllowedLateness(Duration.standardMinutes(10)));
  }

  @Test
  void latestRecordDecidesConsentAndReadingsBeforeConsentStayOutByDefault(TestPipeline pipeline) {
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
    AccelerometerReading stranger = reading("nobody@test.com", T + 10, 7);

    PCollectionTuple out =
        consent(
            pipeline.apply(
                "Customers", Create.of(ada, benWithdrew, benEarlier, chenLater, chenFirst, dana)),
            pipeline.apply(
                "Readings",
                Create.of(
                    ada1,
                    ada1,
                    ada1SameMsOtherXyz,
                    adaBefore,
                    ben1,
                    chenBefore,
                    chenAfter,
                    stranger)),
            ConsentScope.AFTER_CONSENT);

    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(ada, chenLater, dana);
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED))
        .containsInAnyOrder(ada1, ada1SameMsOtherXyz, chenAfter);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(ada, chenLater);
    PAssert.that(out.get(ApplyConsent.OWNERS))
        .containsInAnyOrder(
            new ConsentedOwner("ada@test.com", ada.serialNumber(), T),
            new ConsentedOwner("chen@test.com", chenLater.serialNumber(), T + DAY));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void allReadingsScopeAdmitsReadingsFromBeforeConsent(TestPipeline pipeline) {
    Customer chen = customer("chen@test.com", T + DAY, T + DAY);
    AccelerometerReading before = reading("chen@test.com", T, 1);

    PCollectionTuple out =
        consent(
            pipeline.apply("Customers", Create.of(chen)),
            pipeline.apply("Readings", Create.of(before)),
            ConsentScope.ALL_READINGS);

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(before);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(chen);
    pipeline.run().waitUntilFinish();
  }

  /** Broker-time stream: t is the arrival time of each message. */
  private static TestStream.Builder<Customer> customers() {
    return TestStream.create(Customer.RecordCoder.of());
  }

  private static PCollectionTuple streamed(
      TestPipeline pipeline,
      TestStream<Customer> customers,
      TestStream<AccelerometerReading> readings) {
    return consent(
        pipeline.apply("Customers", customers),
        pipeline.apply("Readings", readings),
        ConsentScope.AFTER_CONSENT);
  }

  @Test
  void streamOnTimeCustomerAndReadingsJoin(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading r = reading("ada@test.com", T + 10, 1);
    Instant now = new Instant(T + DAY);

    PCollectionTuple out =
        streamed(
            pipeline,
            customers().addElements(TimestampedValue.of(ada, now)).advanceWatermarkToInfinity(),
            TestStream.create(AccelerometerReading.RecordCoder.of())
                .addElements(TimestampedValue.of(r, now.plus(Duration.standardSeconds(5))))
                .advanceWatermarkToInfinity());

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(r);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(ada);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void streamCustomerArrivingAfterItsReadingsWithinTheWaitStillAdmitsThem(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading r = reading("ada@test.com", T + 10, 1);
    Instant now = new Instant(T + DAY);

    PCollectionTuple out =
        streamed(
            pipeline,
            customers()
                .advanceWatermarkTo(now.plus(Duration.standardSeconds(30)))
                .addElements(TimestampedValue.of(ada, now.plus(Duration.standardSeconds(50))))
                .advanceWatermarkToInfinity(),
            TestStream.create(AccelerometerReading.RecordCoder.of())
                .addElements(TimestampedValue.of(r, now))
                .advanceWatermarkTo(now.plus(Duration.standardSeconds(30)))
                .advanceWatermarkToInfinity());

    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(r);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void streamCustomerArrivingLaterThanTheWaitDoesNotAdmitEarlierReadings(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    AccelerometerReading r = reading("ada@test.com", T + 10, 1);
    Instant now = new Instant(T + DAY);
    Instant muchLater = now.plus(Duration.standardMinutes(5));

    PCollectionTuple out =
        streamed(
            pipeline,
            customers()
                .advanceWatermarkTo(muchLater)
                .addElements(TimestampedValue.of(ada, muchLater))
                .advanceWatermarkToInfinity(),
            TestStream.create(AccelerometerReading.RecordCoder.of())
                .addElements(TimestampedValue.of(r, now))
                .advanceWatermarkTo(muchLater)
                .advanceWatermarkToInfinity());

    // The reading was decided alone, a minute after it arrived: no customer, no consent.
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).empty();
    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(ada);
    PAssert.that(out.get(ApplyConsent.CUSTOMER_CURATED)).empty();
    pipeline.run().waitUntilFinish();
  }

  @Test
  void streamConsentWithdrawnWithinTheWaitKeepsEverythingOut(TestPipeline pipeline) {
    Customer consented = customer("ada@test.com", T, T);
    Customer withdrawn = customer("ada@test.com", T + DAY, null);
    AccelerometerReading r = reading("ada@test.com", T + 10, 1);
    Instant now = new Instant(T + DAY);

    PCollectionTuple out =
        streamed(
            pipeline,
            customers()
                .addElements(TimestampedValue.of(consented, now))
                .addElements(TimestampedValue.of(withdrawn, now.plus(Duration.standardSeconds(40))))
                .advanceWatermarkToInfinity(),
            TestStream.create(AccelerometerReading.RecordCoder.of())
                .addElements(TimestampedValue.of(r, now.plus(Duration.standardSeconds(20))))
                .advanceWatermarkToInfinity());

    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).empty();
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).empty();
    pipeline.run().waitUntilFinish();
  }

  @Test
  void streamLateButAllowedMessagesAreDecidedInALatePaneAndTooLateOnesNever(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    Customer ben = customer("ben@test.com", T, T);
    Customer cara = customer("cara@test.com", T, T);
    AccelerometerReading adaOnTime = reading("ada@test.com", T + 10, 1);
    AccelerometerReading adaLate = reading("ada@test.com", T + 20, 2);
    Instant now = new Instant(T + DAY);

    PCollectionTuple out =
        streamed(
            pipeline,
            customers()
                .addElements(TimestampedValue.of(ada, now))
                .advanceWatermarkTo(now.plus(Duration.standardMinutes(3)))
                // Behind the watermark, within the 10 minutes allowed: decided in a late pane.
                .addElements(TimestampedValue.of(ben, now))
                .advanceWatermarkTo(now.plus(Duration.standardMinutes(20)))
                // Behind it by more than the allowed lateness: the runner drops it.
                .addElements(TimestampedValue.of(cara, now))
                .advanceWatermarkToInfinity(),
            TestStream.create(AccelerometerReading.RecordCoder.of())
                .addElements(TimestampedValue.of(adaOnTime, now))
                .advanceWatermarkTo(now.plus(Duration.standardMinutes(3)))
                .addElements(TimestampedValue.of(adaLate, now.plus(Duration.standardSeconds(1))))
                .advanceWatermarkToInfinity());

    PAssert.that(out.get(ApplyConsent.CUSTOMER_TRUSTED)).containsInAnyOrder(ada, ben);
    // Ada's late reading is decided in its own late pane, without her record (decided on time
    // already): it stays out of the stream's tables; a backfill decides it with her record.
    PAssert.that(out.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(adaOnTime);
    pipeline.run().waitUntilFinish();
  }
}
