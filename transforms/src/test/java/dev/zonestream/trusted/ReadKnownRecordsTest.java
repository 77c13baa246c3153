package dev.zonestream.trusted;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.Customer;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.LandingLine;
import dev.zonestream.model.OwnedStepReading;
import dev.zonestream.model.StepTrainerReading;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class ReadKnownRecordsTest {
  private static final long T = 1_655_564_376_371L;

  @TempDir Path lake;

  @Test
  void readsLandedCustomersCuratedEmailsAndRecentTrustedReadingsButNotThisRunsFiles(
      TestPipeline pipeline) throws IOException {
    Customer ada = ApplyConsentTest.customer("ada@test.com", T, T);
    Customer bob = ApplyConsentTest.customer("bob@test.com", T, T);
    // Cy consents but has no curated row: the steps of Cy's device were never trusted for Cy.
    Customer cy = ApplyConsentTest.customer("cy@test.com", T, T);
    StepTrainerReading adaStep = new StepTrainerReading(T + 10, ada.serialNumber(), 120);
    StepTrainerReading adaStepBeforeConsent = new StepTrainerReading(T - 10, ada.serialNumber(), 9);
    StepTrainerReading cyStep = new StepTrainerReading(T + 10, cy.serialNumber(), 77);
    AccelerometerReading reading = new AccelerometerReading("ada@test.com", T + 10, 0.104, 0, -1);
    write(
        "landing/customer/dt=2022-06-18/hr=15/customer-a-00000-of-00001-r1.jsonl.gz",
        LandingLine.of(Messages.of(ada)).json()
            + "\n"
            + "not a landing line\n"
            + LandingLine.of(Messages.of(cy)).json()
            + "\n");
    write(
        "landing/customer/dt=2022-06-18/hr=15/customer-b-00000-of-00001-rNOW.jsonl.gz",
        LandingLine.of(Messages.of(bob)).json() + "\n");
    write(
        "landing/customer/.temp-beam-x/customer-c.jsonl.gz",
        LandingLine.of(Messages.of(bob)).json() + "\n");
    write(
        "curated/customer/dt=2022-06-18/hr=15/customer-r1-00000-of-00001.jsonl.gz",
        "{\"email\":\"ada@test.com\",\"customerName\":\"Ada\"}\n");
    write(
        "trusted/accelerometer/dt=2022-06-18/hr=15/accelerometer-r1-00000-of-00001.jsonl.gz",
        "{\"user\":\"ada@test.com\",\"timestamp\":"
            + (T + 10)
            + ",\"x\":0.104,\"y\":0,\"z\":-1}\n");

    write(
        "trusted/step_trainer/dt=2022-06-18/hr=15/step_trainer-r1-00000-of-00001.jsonl.gz",
        step(adaStep) + step(adaStepBeforeConsent) + step(cyStep));

    // Trusted two hours ago: beyond the one-hour horizon, so not a known repeat any more.
    write(
        "trusted/accelerometer/dt=2022-06-18/hr=14/accelerometer-r0-00000-of-00001.jsonl.gz",
        "{\"user\":\"ada@test.com\",\"timestamp\":" + T + ",\"x\":1,\"y\":1,\"z\":1}\n");
    Files.setLastModifiedTime(
        lake.resolve(
            "trusted/accelerometer/dt=2022-06-18/hr=14/accelerometer-r0-00000-of-00001.jsonl.gz"),
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 7_200_000L));

    PCollectionTuple known =
        pipeline.apply(
            ReadKnownRecords.create()
                .from(lake.toString(), lake.resolve("landing").toString())
                .withHorizon(Duration.standardHours(1))
                .withScope(ConsentScope.AFTER_CONSENT)
                .skippingRun("rNOW"));

    PAssert.that(known.get(ReadKnownRecords.CUSTOMERS)).containsInAnyOrder(ada, cy);
    PAssert.that(known.get(ReadKnownRecords.CURATED)).containsInAnyOrder("ada@test.com");
    PAssert.that(known.get(ReadKnownRecords.READINGS)).containsInAnyOrder(reading);
    PAssert.that(known.get(ReadKnownRecords.STEPS))
        .containsInAnyOrder(adaStep, adaStepBeforeConsent, cyStep);
    // The owner who admits it (curated, consenting, at or after consent), for the join.
    PAssert.that(known.get(ReadKnownRecords.OWNED_STEPS))
        .containsInAnyOrder(new OwnedStepReading("ada@test.com", adaStep));
    pipeline.run().waitUntilFinish();
  }

  private static String step(StepTrainerReading reading) {
    return "{\"sensorReadingTime\":"
        + reading.sensorReadingTime()
        + ",\"serialNumber\":\""
        + reading.serialNumber()
        + "\",\"distanceFromObject\":"
        + reading.distanceFromObject()
        + "}\n";
  }

  @Test
  void aLandedCustomerTheTrustedZoneRejectedAsOversizedIsNotKnown(TestPipeline pipeline)
      throws IOException {
    Customer ada = ApplyConsentTest.customer("ada@test.com", T, T);
    String small = LandingLine.of(Messages.of(ada)).json();
    // Another customer with a long extra field: over a limit of 1 KiB.
    String bob =
        JsonRecordCoder.MAPPER.writeValueAsString(ApplyConsentTest.customer("bob@test.com", T, T));
    String oversized =
        bob.substring(0, bob.length() - 1) + ",\"note\":\"" + "n".repeat(1024) + "\"}";
    write(
        "landing/customer/dt=2022-06-18/hr=15/customer-a-00000-of-00001-r1.jsonl.gz",
        small + "\n" + LandingLine.of(Messages.of("customer", oversized)).json() + "\n");

    PCollectionTuple known =
        pipeline.apply(
            ReadKnownRecords.create()
                .from(lake.toString(), lake.resolve("landing").toString())
                .withMaxPayloadBytes(1024));

    PAssert.that(known.get(ReadKnownRecords.CUSTOMERS)).containsInAnyOrder(ada);
    pipeline.run().waitUntilFinish();
  }

  private void write(String relative, String text) throws IOException {
    Path file = lake.resolve(relative);
    Files.createDirectories(file.getParent());
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }
}
