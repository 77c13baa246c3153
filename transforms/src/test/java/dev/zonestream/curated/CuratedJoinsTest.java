package dev.zonestream.curated;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.ConsentedOwner;
import dev.zonestream.model.MachineLearningRow;
import dev.zonestream.model.OwnedStepReading;
import dev.zonestream.model.StepTrainerReading;
import dev.zonestream.trusted.ApplyConsent;
import dev.zonestream.trusted.ParseRecords;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
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
    ConsentedOwner ada = new ConsentedOwner("ada@test.com", ADA_SERIAL, T);
    StepTrainerReading adaAfter = new StepTrainerReading(T + 100, ADA_SERIAL, 200);
    StepTrainerReading adaBefore = new StepTrainerReading(T - 100, ADA_SERIAL, 201);
    StepTrainerReading stranger = new StepTrainerReading(T + 100, STRANGER_SERIAL, 202);

    PCollectionTuple out =
        PCollectionTuple.of(ApplyConsent.OWNERS, pipeline.apply("Owners", Create.of(ada)))
            .and(
                ParseRecords.STEP_TRAINER,
                pipeline.apply("Steps", Create.of(adaAfter, adaAfter, adaBefore, stranger)))
            .apply(AdmitStepTrainerReadings.create().withScope(ConsentScope.AFTER_CONSENT));

    PAssert.that(out.get(AdmitStepTrainerReadings.STEP_TRAINER_TRUSTED))
        .containsInAnyOrder(adaAfter);
    PAssert.that(out.get(AdmitStepTrainerReadings.OWNED_READINGS))
        .containsInAnyOrder(new OwnedStepReading("ada@test.com", adaAfter));
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
}
