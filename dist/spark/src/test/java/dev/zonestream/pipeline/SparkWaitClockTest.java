package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.zonestream.trusted.WaitClock;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;

/**
 * Beam's Spark streaming runner rejects a stateful step with event-time timers when it translates
 * the graph: on Spark the waits run on the processing-time clock, and asking for the watermark is
 * refused before anything is built.
 */
class SparkWaitClockTest {
  private static JobConfig config(String... args) {
    return JobConfig.from(
        PipelineOptionsFactory.fromArgs(args).withValidation().as(ZonestreamOptions.class));
  }

  @Test
  void sparkWaitsOnTheProcessingTimeClockAndDirectOnTheWatermark() {
    assertThat(
        config("--input=in", "--runner=SparkRunner").zones().waitClock(),
        equalTo(WaitClock.PROCESSING_TIME));
    assertThat(config("--input=in").zones().waitClock(), equalTo(WaitClock.WATERMARK));
  }

  @Test
  void sparkRefusesTheWatermarkClockNamingTheOption() {
    InvalidOptionException error =
        assertThrows(
            InvalidOptionException.class,
            () -> config("--input=in", "--runner=SparkRunner", "--waitClock=watermark"));
    assertThat(
        error.getMessage(),
        containsString("--waitClock=watermark: the Spark runner has no event-time timers"));
  }
}
