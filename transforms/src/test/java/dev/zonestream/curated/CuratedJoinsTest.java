package dev.zonestream.curated;

import static dev.zonestream.trusted.ApplyConsentTest.counter;
import static dev.zonestream.trusted.ApplyConsentTest.customer;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.Customer;
import dev.zonestream.model.DeviceOwner;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.EnvelopeCoder;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.MachineLearningRow;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.OwnedStepReading;
import dev.zonestream.model.Parsed.ParsedCoder;
import dev.zonestream.model.Rejected;
import dev.zonestream.model.StepTrainerReading;
import dev.zonestream.model.Tables;
import dev.zonestream.trusted.ApplyConsent;
import dev.zonestream.trusted.Messages;
import dev.zonestream.trusted.ParseRecords;
import dev.zonestream.trusted.WaitClock;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class CuratedJoinsTest {
  static final long T = 1_655_564_444_000L;
  static final String ADA_SERIAL = "0f2d4c1e-6b7a-4f1e-9c3d-2a1b0c9d8e7f";
  static final String BEN_SERIAL = "7a9e2b4c-1d3f-4e5a-8b6c-9d0e1f2a3b4c";
  static final String STRANGER_SERIAL = "3c5e7a9b-2d4f-4a6b-8c0d-1e2f3a4b5c6d";

  @Test
  void stepReadingsEnterOnlyForCuratedOwnersUnderTheConsentScope(TestPipeline pipeline) {
    DeviceOwner ada = new DeviceOwner("ada@test.com", ADA_SERIAL, T, T, true);
    DeviceOwner benWithoutPhoneReadings = new DeviceOwner("ben@test.com", BEN_SERIAL, T, T, false);
    StepTrainerReading adaAfter = new StepTrainerReading(T + 100, ADA_SERIAL, 200);
    StepTrainerReading adaBefore = new StepTrainerReading(T - 100, ADA_SERIAL, 201);
    StepTrainerReading ben = new StepTrainerReading(T + 100, BEN_SERIAL, 203);
    Envelope stranger = Messages.of(new StepTrainerReading(T + 100, STRANGER_SERIAL, 202));

    PCollectionTuple out =
        PCollectionTuple.of(
                ApplyConsent.OWNERS,
                pipeline.apply("Owners", Create.of(ada, benWithoutPhoneReadings)))
            .and(
                ParseRecords.STEP_TRAINER,
                pipeline.apply(
                    "Steps",
                    Create.of(
                            Messages.parsed(adaAfter),
                            Messages.parsed(adaAfter),
                            Messages.parsed(adaBefore),
                            Messages.parsed(ben),
                            new dev.zonestream.model.Parsed<>(
                                new StepTrainerReading(T + 100, STRANGER_SERIAL, 202), stranger))
                        .withCoder(ParsedCoder.of(JsonRecordCoder.of(StepTrainerReading.class)))))
            .apply(AdmitStepTrainerReadings.create().withScope(ConsentScope.AFTER_CONSENT));

    PAssert.that(out.get(AdmitStepTrainerReadings.STEP_TRAINER_TRUSTED))
        .containsInAnyOrder(adaAfter);
    PAssert.that(out.get(AdmitStepTrainerReadings.OWNED_READINGS))
        .containsInAnyOrder(new OwnedStepReading("ada@test.com", adaAfter));
    PAssert.that(out.get(AdmitStepTrainerReadings.REJECTED))
        .containsInAnyOrder(new Rejected(AdmitStepTrainerReadings.NO_OWNER, stranger));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void machineLearningPairsOnlyTheSameCustomersReadingsAtTheSameMillisecond(TestPipeline pipeline) {
    StepTrainerReading adaStep = new StepTrainerReading(T, ADA_SERIAL, 200);
    StepTrainerReading benStep = new StepTrainerReading(T + 100, BEN_SERIAL, 150);
    AccelerometerReading adaPhone1 = new AccelerometerReading("ada@test.com", T, 1, 2, 3);
    AccelerometerReading adaPhone2 = new AccelerometerReading("ada@test.com", T, -1, -2, -3);
    AccelerometerReading adaPhoneOtherMs = new AccelerometerReading("ada@test.com", T + 1, 9, 9, 9);
    // Ben's phone at Ada's millisecond: a timestamp-only join would pair it with Ada's step.
    AccelerometerReading benPhoneAtAdasTime = new AccelerometerReading("ben@test.com", T, 5, 5, 5);

    PCollection<MachineLearningRow> rows =
        PCollectionTuple.of(
                AdmitStepTrainerReadings.OWNED_READINGS,
                pipeline.apply(
                    "Steps",
                    Create.of(
                        new OwnedStepReading("ada@test.com", adaStep),
                        new OwnedStepReading("ben@test.com", benStep))))
            .and(
                ApplyConsent.ACCELEROMETER_TRUSTED,
                pipeline.apply(
                    "Phones", Create.of(adaPhone1, adaPhone2, adaPhoneOtherMs, benPhoneAtAdasTime)))
            .apply(JoinStepTrainerWithAccelerometer.create());

    PAssert.that(rows)
        .containsInAnyOrder(
            new MachineLearningRow(T, ADA_SERIAL, 200, T, 1, 2, 3),
            new MachineLearningRow(T, ADA_SERIAL, 200, T, -1, -2, -3));
    pipeline.run().waitUntilFinish();
  }

  /**
   * A stream that started from the lake: this job's readings pair with the readings earlier jobs
   * trusted at the same moment, but two known readings never pair again (their row exists).
   */
  @Test
  void streamPairsThisJobsReadingsWithKnownOnesButNotKnownOnesWithEachOther(TestPipeline pipeline) {
    StepTrainerReading knownStep = new StepTrainerReading(T, ADA_SERIAL, 200);
    AccelerometerReading knownPhone = new AccelerometerReading("ada@test.com", T, 1, 2, 3);
    AccelerometerReading newPhone = new AccelerometerReading("ada@test.com", T, 4, 5, 6);
    StepTrainerReading newStep = new StepTrainerReading(T + 100, ADA_SERIAL, 150);
    AccelerometerReading knownPhoneLater =
        new AccelerometerReading("ada@test.com", T + 100, 7, 8, 9);

    TestStream<AccelerometerReading> phones =
        TestStream.create(JsonRecordCoder.of(AccelerometerReading.class))
            .advanceProcessingTime(Duration.standardMinutes(1))
            .addElements(TimestampedValue.of(newPhone, new Instant(T)))
            .advanceProcessingTime(Duration.standardMinutes(1))
            .advanceWatermarkToInfinity();
    PCollection<MachineLearningRow> rows =
        PCollectionTuple.of(
                AdmitStepTrainerReadings.OWNED_READINGS,
                pipeline.apply(
                    "NewSteps", Create.of(new OwnedStepReading("ada@test.com", newStep))))
            .and(ApplyConsent.ACCELEROMETER_TRUSTED, pipeline.apply("NewPhones", phones))
            .and(
                JoinStepTrainerWithAccelerometer.KNOWN_STEPS,
                pipeline.apply(
                    "KnownSteps", Create.of(new OwnedStepReading("ada@test.com", knownStep))))
            // Stamped as ReadKnownRecords' grouping stamps them: at the end of the global window.
            .and(
                JoinStepTrainerWithAccelerometer.KNOWN_PHONES,
                pipeline.apply(
                    "KnownPhones",
                    Create.timestamped(
                        TimestampedValue.of(knownPhone, GlobalWindow.INSTANCE.maxTimestamp()),
                        TimestampedValue.of(knownPhoneLater, GlobalWindow.INSTANCE.maxTimestamp()),
                        // Alone in its minute: it starts that key's hold itself.
                        TimestampedValue.of(
                            new AccelerometerReading("ada@test.com", T + 600_000, 0, 0, 0),
                            GlobalWindow.INSTANCE.maxTimestamp()))))
            .apply(JoinStepTrainerWithAccelerometer.create());

    PAssert.that(rows)
        .containsInAnyOrder(
            new MachineLearningRow(T, ADA_SERIAL, 200, T, 4, 5, 6),
            new MachineLearningRow(T + 100, ADA_SERIAL, 150, T + 100, 7, 8, 9));
    pipeline.run().waitUntilFinish();
  }

  /**
   * A step trainer that uploads hours after the phone: the phone reading is held for the horizon of
   * broker time, however much processing time passes, and the step pairs with it.
   */
  @Test
  void streamPairsAStepReadingThatComesHoursAfterItsPhoneReading(TestPipeline pipeline) {
    PipelineResult result = joinAcrossAGap(pipeline, Duration.standardHours(5), true);
    assertThat(counter(result, MetricNames.UNPAIRED, Tables.MACHINE_LEARNING_CURATED), equalTo(0L));
  }

  /**
   * A partner that comes after the horizon (24 hours of broker time past the first reading) finds
   * nothing: no row, and the step reading that left the join without a partner is counted.
   */
  @Test
  void streamCountsAStepReadingAsUnpairedWhenItsPhoneComesAfterTheHorizon(TestPipeline pipeline) {
    PipelineResult result = joinAcrossAGap(pipeline, Duration.standardHours(25), false);
    assertThat(counter(result, MetricNames.UNPAIRED, Tables.MACHINE_LEARNING_CURATED), equalTo(1L));
  }

  /**
   * A consenting customer's phone reading, then {@code gap} of both broker and processing time,
   * then the step reading of the same millisecond, through the whole chain (horizon: the default 24
   * hours of broker time and of the job's time).
   */
  private static PipelineResult joinAcrossAGap(TestPipeline pipeline, Duration gap, boolean pairs) {
    Customer ada = customer("ada@test.com", T, T);
    StepTrainerReading step = new StepTrainerReading(T + 1_000, ada.serialNumber(), 200);
    AccelerometerReading phone = new AccelerometerReading("ada@test.com", T + 1_000, 1, 2, 3);
    // Broker times of today: the horizon counts from the broker time or from when the job read the
    // reading, whichever is later.
    Instant start = Instant.now();
    TestStream<Envelope> messages =
        TestStream.create(EnvelopeCoder.of())
            .addElements(
                TimestampedValue.of(Messages.of(ada), start),
                TimestampedValue.of(Messages.of(phone), start.plus(1_000)))
            .advanceWatermarkTo(start.plus(gap))
            .advanceProcessingTime(gap)
            .addElements(TimestampedValue.of(Messages.of(step), start.plus(gap)))
            // The step's own hold ends too (a horizon of broker and of the job's time).
            .advanceWatermarkTo(start.plus(gap).plus(Duration.standardHours(25)))
            .advanceProcessingTime(Duration.standardHours(25))
            .advanceWatermarkToInfinity();
    Chain chain =
        chain(
            pipeline.apply(messages),
            Duration.standardMinutes(10),
            Duration.standardHours(24),
            WaitClock.WATERMARK);
    PCollectionTuple steps = chain.steps();
    PCollection<MachineLearningRow> rows = chain.rows();
    PAssert.that(steps.get(AdmitStepTrainerReadings.STEP_TRAINER_TRUSTED)).containsInAnyOrder(step);
    if (pairs) {
      PAssert.that(rows)
          .containsInAnyOrder(
              new MachineLearningRow(T + 1_000, ada.serialNumber(), 200, T + 1_000, 1, 2, 3));
    } else {
      PAssert.that(rows).empty();
    }
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    return result;
  }

  /**
   * Processing-time clock (Spark): the hold counts time the job ran. A moment's timer that fires
   * long after it was due (the job was down, then restored from a checkpoint) holds the readings
   * once more, so the partner read after the restore still pairs; a timer that fires on time drops
   * them, and a partner after that finds nothing.
   */
  @Test
  void processingTimeHoldsAMomentAgainWhenItsTimerFiresLateAfterAnOutage(TestPipeline pipeline) {
    assertPairsAfter(pipeline, Duration.standardMinutes(6), true);
  }

  @Test
  void processingTimeDropsAMomentWhenItsTimerFiresOnTime(TestPipeline pipeline) {
    assertPairsAfter(
        pipeline, Duration.standardMinutes(2).plus(Duration.standardSeconds(1)), false);
  }

  /** A step, then {@code gap} of processing time in one jump, then its phone (hold: 2 minutes). */
  private static void assertPairsAfter(TestPipeline pipeline, Duration gap, boolean pairs) {
    StepTrainerReading step = new StepTrainerReading(T, ADA_SERIAL, 200);
    AccelerometerReading phone = new AccelerometerReading("ada@test.com", T, 1, 2, 3);
    TestStream<AccelerometerReading> phones =
        TestStream.create(JsonRecordCoder.of(AccelerometerReading.class))
            .advanceProcessingTime(Duration.standardSeconds(1))
            .advanceProcessingTime(gap)
            .addElements(TimestampedValue.of(phone, new Instant(T)))
            .advanceProcessingTime(Duration.standardSeconds(1))
            .advanceWatermarkToInfinity();
    PCollection<MachineLearningRow> rows =
        PCollectionTuple.of(
                AdmitStepTrainerReadings.OWNED_READINGS,
                pipeline.apply("Steps", Create.of(new OwnedStepReading("ada@test.com", step))))
            .and(ApplyConsent.ACCELEROMETER_TRUSTED, pipeline.apply("Phones", phones))
            .apply(
                JoinStepTrainerWithAccelerometer.create()
                    .withHorizon(Duration.standardMinutes(2))
                    .withWaitClock(WaitClock.PROCESSING_TIME));
    if (pairs) {
      PAssert.that(rows).containsInAnyOrder(new MachineLearningRow(T, ADA_SERIAL, 200, T, 1, 2, 3));
    } else {
      PAssert.that(rows).empty();
    }
    pipeline.run().waitUntilFinish();
  }

  /**
   * A step-trainer reading that lands before its owner's phone readings have been decided is
   * decided by them, however much processing time passes in between: its wait ends only when the
   * data has moved a wait of broker time past it. On the processing-time clock the same messages
   * exclude it (the wait ran out while nothing was read), which is what a slow runner did.
   */
  @Test
  void streamStepReadingIsDecidedByItsOwnersPhoneReadingsHoweverLateTheyAreProcessed(
      TestPipeline pipeline) {
    assertStepAdmittedAfterAStall(pipeline, WaitClock.WATERMARK, true);
  }

  @Test
  void processingTimeStepReadingIsExcludedWhenTheRunnerStallsLongerThanTheWait(
      TestPipeline pipeline) {
    assertStepAdmittedAfterAStall(pipeline, WaitClock.PROCESSING_TIME, false);
  }

  private static void assertStepAdmittedAfterAStall(
      TestPipeline pipeline, WaitClock clock, boolean admitted) {
    Customer ada = customer("ada@test.com", T, T);
    long moment = T + 3_600_000L;
    StepTrainerReading adaStep = new StepTrainerReading(moment, ada.serialNumber(), 200);
    AccelerometerReading adaPhone = new AccelerometerReading("ada@test.com", moment, 1, 2, 3);
    Instant start = new Instant(T);
    Instant landed = start.plus(Duration.standardHours(2));

    TestStream<Envelope> messages =
        TestStream.create(EnvelopeCoder.of())
            .addElements(TimestampedValue.of(Messages.of(ada), start))
            .advanceWatermarkTo(landed)
            // The step landed a second before the phone; then the runner falls hours behind (its
            // clock runs on, in small steps: a running job, not an outage).
            .addElements(TimestampedValue.of(Messages.of(adaStep), landed))
            .advanceProcessingTime(Duration.standardMinutes(1))
            .advanceProcessingTime(Duration.standardSeconds(1))
            .advanceProcessingTime(Duration.standardHours(3))
            .addElements(TimestampedValue.of(Messages.of(adaPhone), landed.plus(1_000)))
            .advanceProcessingTime(Duration.standardSeconds(1))
            .advanceWatermarkToInfinity();

    Chain chain =
        chain(
            pipeline.apply(messages),
            Duration.standardMinutes(1),
            Duration.standardHours(24),
            clock);
    PCollectionTuple consented = chain.consented();
    PCollectionTuple steps = chain.steps();
    PCollection<MachineLearningRow> rows = chain.rows();

    PAssert.that(consented.get(ApplyConsent.ACCELEROMETER_TRUSTED)).containsInAnyOrder(adaPhone);
    if (admitted) {
      PAssert.that(steps.get(AdmitStepTrainerReadings.STEP_TRAINER_TRUSTED))
          .containsInAnyOrder(adaStep);
      PAssert.that(rows)
          .containsInAnyOrder(
              new MachineLearningRow(moment, ada.serialNumber(), 200, moment, 1, 2, 3));
    } else {
      PAssert.that(steps.get(AdmitStepTrainerReadings.STEP_TRAINER_TRUSTED)).empty();
      PAssert.that(rows).empty();
    }
    PAssert.that(steps.get(AdmitStepTrainerReadings.REJECTED)).empty();
    pipeline.run().waitUntilFinish();
  }

  /**
   * A stream through the whole trusted and curated chain: a step reading that arrives before its
   * owner's first phone reading waits for it, then joins it; a device nobody owns is rejected when
   * the wait ends; a consenting owner who never sends phone readings keeps their device out.
   */
  @Test
  void streamStepReadingWaitsForItsOwnersFirstPhoneReadingThenJoinsIt(TestPipeline pipeline) {
    Customer ada = customer("ada@test.com", T, T);
    Customer ben = customer("ben@test.com", T, T);
    long moment = T + 3_600_000L;
    StepTrainerReading adaStep = new StepTrainerReading(moment, ada.serialNumber(), 200);
    AccelerometerReading adaPhone = new AccelerometerReading("ada@test.com", moment, 1, 2, 3);
    StepTrainerReading benStep = new StepTrainerReading(moment, ben.serialNumber(), 150);
    Envelope strangerStep = Messages.of(new StepTrainerReading(moment, STRANGER_SERIAL, 99));
    Instant start = new Instant(T);
    Instant later = start.plus(Duration.standardDays(2));

    TestStream<Envelope> messages =
        TestStream.create(EnvelopeCoder.of())
            .addElements(
                TimestampedValue.of(Messages.of(ada), start),
                TimestampedValue.of(Messages.of(ben), start))
            .advanceProcessingTime(Duration.standardDays(2))
            .advanceWatermarkTo(later)
            .addElements(
                TimestampedValue.of(Messages.of(adaStep), later),
                TimestampedValue.of(Messages.of(benStep), later),
                TimestampedValue.of(strangerStep, later))
            .advanceProcessingTime(Duration.standardSeconds(30))
            .addElements(TimestampedValue.of(Messages.of(adaPhone), later.plus(30_000)))
            // The stranger's wait ends on time, as in a running job (not after an outage); the
            // DirectRunner fires a due timer at the next step of the test's clock.
            .advanceProcessingTime(Duration.standardSeconds(30))
            .advanceProcessingTime(Duration.standardSeconds(1))
            .advanceProcessingTime(Duration.standardMinutes(10))
            .advanceWatermarkToInfinity();

    Chain chain =
        chain(
            pipeline.apply(messages),
            Duration.standardMinutes(1),
            Duration.standardMinutes(2),
            WaitClock.WATERMARK);
    PCollectionTuple consented = chain.consented();
    PCollectionTuple steps = chain.steps();
    PCollection<MachineLearningRow> rows = chain.rows();

    PAssert.that(steps.get(AdmitStepTrainerReadings.STEP_TRAINER_TRUSTED))
        .containsInAnyOrder(adaStep);
    PAssert.that(steps.get(AdmitStepTrainerReadings.REJECTED))
        .containsInAnyOrder(new Rejected(AdmitStepTrainerReadings.NO_OWNER, strangerStep));
    PAssert.that(rows)
        .containsInAnyOrder(
            new MachineLearningRow(moment, ada.serialNumber(), 200, moment, 1, 2, 3));
    PAssert.that(consented.get(ApplyConsent.CUSTOMER_CURATED)).containsInAnyOrder(ada);
    pipeline.run().waitUntilFinish();
  }

  /**
   * A customer signs up without consent and consents a day later (event time); both records and the
   * devices' readings taken after the consent arrive within a minute of broker time, the readings
   * before the newer record. The stream decides them as a batch run does, by the newest record: the
   * readings of the phone and the step trainer enter and pair. Decided on arrival by the record
   * then known, both were excluded for good.
   */
  @Test
  void streamReadingsExcludedByTheRecordKnownOnArrivalEnterWhenTheNewerRecordComesWithinTheWait(
      TestPipeline pipeline) {
    Customer signedUp = customer("bo@test.com", T, null);
    Customer consented = customer("bo@test.com", T + 86_400_000L, T + 86_400_000L);
    long moment = T + 2 * 86_400_000L;
    StepTrainerReading step = new StepTrainerReading(moment, signedUp.serialNumber(), 120);
    AccelerometerReading phone = new AccelerometerReading("bo@test.com", moment, 4, 5, 6);
    Instant start = new Instant(moment + 3_600_000L);

    TestStream<Envelope> messages =
        TestStream.create(EnvelopeCoder.of())
            .addElements(TimestampedValue.of(Messages.of(signedUp), start))
            .advanceProcessingTime(Duration.standardMinutes(1))
            .advanceWatermarkTo(start.plus(Duration.standardSeconds(5)))
            .addElements(
                TimestampedValue.of(Messages.of(phone), start.plus(Duration.standardSeconds(5))),
                TimestampedValue.of(Messages.of(step), start.plus(Duration.standardSeconds(5))))
            .advanceProcessingTime(Duration.standardMinutes(1))
            .addElements(
                TimestampedValue.of(
                    Messages.of(consented), start.plus(Duration.standardSeconds(40))))
            .advanceProcessingTime(Duration.standardMinutes(1))
            .advanceWatermarkToInfinity();

    Chain chain =
        chain(
            pipeline.apply(messages),
            Duration.standardMinutes(1),
            Duration.standardHours(24),
            WaitClock.WATERMARK);

    PAssert.that(chain.consented().get(ApplyConsent.ACCELEROMETER_TRUSTED))
        .containsInAnyOrder(phone);
    PAssert.that(chain.steps().get(AdmitStepTrainerReadings.STEP_TRAINER_TRUSTED))
        .containsInAnyOrder(step);
    PAssert.that(chain.rows())
        .containsInAnyOrder(
            new MachineLearningRow(moment, signedUp.serialNumber(), 120, moment, 4, 5, 6));
    PAssert.that(chain.consented().get(ApplyConsent.CUSTOMER_CURATED))
        .containsInAnyOrder(consented);
    PAssert.that(chain.consented().get(ApplyConsent.REJECTED)).empty();
    pipeline.run().waitUntilFinish();
  }

  /** The trusted and curated chain of a stream, as the pipeline wires it. */
  record Chain(
      PCollectionTuple consented, PCollectionTuple steps, PCollection<MachineLearningRow> rows) {}

  /** Parses {@code messages} and runs consent, step-trainer admission and the join on them. */
  static Chain chain(
      PCollection<Envelope> messages, Duration wait, Duration horizon, WaitClock clock) {
    PCollectionTuple parsed = messages.apply(ParseRecords.create());
    PCollectionTuple consented =
        PCollectionTuple.of(ParseRecords.CUSTOMERS, parsed.get(ParseRecords.CUSTOMERS))
            .and(ParseRecords.ACCELEROMETER, parsed.get(ParseRecords.ACCELEROMETER))
            .apply("Consent", ApplyConsent.create().withWait(wait).withWaitClock(clock));
    PCollectionTuple steps =
        PCollectionTuple.of(ApplyConsent.OWNERS, consented.get(ApplyConsent.OWNERS))
            .and(ParseRecords.STEP_TRAINER, parsed.get(ParseRecords.STEP_TRAINER))
            .apply("Steps", AdmitStepTrainerReadings.create().withWait(wait).withWaitClock(clock));
    PCollection<MachineLearningRow> rows =
        PCollectionTuple.of(
                AdmitStepTrainerReadings.OWNED_READINGS,
                steps.get(AdmitStepTrainerReadings.OWNED_READINGS))
            .and(
                ApplyConsent.ACCELEROMETER_TRUSTED,
                consented.get(ApplyConsent.ACCELEROMETER_TRUSTED))
            .apply(
                "Join",
                JoinStepTrainerWithAccelerometer.create()
                    .withHorizon(horizon)
                    .withWaitClock(clock));
    return new Chain(consented, steps, rows);
  }
}
