package dev.zonestream.trusted;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.EnvelopeCoder;
import dev.zonestream.model.Parsed;
import dev.zonestream.model.Rejected;
import dev.zonestream.model.StepTrainerReading;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class ParseRecordsTest {
  private static final String SERIAL = "0f2d4c1e-6b7a-4f1e-9c3d-2a1b0c9d8e7f";

  @Test
  void validMessagesReachTheirDatasetAndBadOnesTheDeadLetterWithMessageAndReason(
      TestPipeline pipeline) {
    Envelope phone =
        Messages.of(
            "accelerometer",
            "{\"user\":\"a@test.com\",\"timestamp\":1655564444000,\"x\":1,\"y\":2,\"z\":3}");
    Envelope step =
        Messages.of(
            "step_trainer",
            "{\"sensorReadingTime\":1655564444000,\"serialNumber\":\""
                + SERIAL
                + "\",\"distanceFromObject\":218}");
    Envelope wrongType =
        Messages.of(
            "accelerometer",
            "{\"user\":\"a@test.com\",\"timestamp\":\"soon\",\"x\":1,\"y\":2,\"z\":3}");
    Envelope unknown = Messages.of("_unrouted", "{\"deviceId\":\"t1\"}");

    PCollectionTuple out =
        pipeline
            .apply(Create.of(phone, step, wrongType, unknown).withCoder(EnvelopeCoder.of()))
            .apply(ParseRecords.create());

    PAssert.that(out.get(ParseRecords.ACCELEROMETER))
        .containsInAnyOrder(
            new Parsed<>(new AccelerometerReading("a@test.com", 1655564444000L, 1, 2, 3), phone));
    PAssert.that(out.get(ParseRecords.STEP_TRAINER))
        .containsInAnyOrder(
            new Parsed<>(new StepTrainerReading(1655564444000L, SERIAL, 218), step));
    PAssert.that(out.get(ParseRecords.CUSTOMERS)).empty();
    PAssert.that(out.get(ParseRecords.REJECTED))
        .containsInAnyOrder(
            new Rejected("timestamp: expected integer epoch milliseconds, got string", wrongType),
            new Rejected(
                "unknown dataset: no topic, stream, queue or folder maps to one", unknown));
    pipeline.run().waitUntilFinish();
  }
}
