package dev.zonestream.trusted;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.beam.sdk.state.TimeDomain;

/**
 * What ends a stream's waits: a reading waiting for its customer or its device's owner, a moment's
 * readings held for their join partner.
 *
 * <ul>
 *   <li>{@link #WATERMARK}: the data's progress. A wait of {@code d} that began with a record
 *       stamped {@code t} (its landing window's end, in broker time) ends when the step's input
 *       watermark passes {@code t + d}: when every input of the step, the other dataset's included,
 *       has been processed past that broker time. A slow runner, a backlog, a restart's catch-up or
 *       an outage therefore never ends a wait early; only data arriving {@code d} of broker time
 *       after its partner misses it. Needs event-time timers in a stateful step (Direct, Flink).
 *   <li>{@link #PROCESSING_TIME}: the runner's clock, {@code d} after the wait began, counting only
 *       time the job ran ({@link ProcessingTimeWaits}). For a runner without event-time timers in a
 *       stream (Beam's Spark streaming runner rejects them): a runner slower than {@code d}, or
 *       partners uploaded further apart, decides differently from a batch run.
 * </ul>
 */
public enum WaitClock {
  WATERMARK("watermark", TimeDomain.EVENT_TIME),
  PROCESSING_TIME("processing-time", TimeDomain.PROCESSING_TIME);

  private final String label;
  private final TimeDomain domain;

  WaitClock(String label, TimeDomain domain) {
    this.label = label;
    this.domain = domain;
  }

  /** The option value that names this clock. */
  public String label() {
    return label;
  }

  /** The time domain of the timers that end the waits. */
  public TimeDomain domain() {
    return domain;
  }

  public static Optional<WaitClock> fromLabel(String label) {
    return Arrays.stream(values()).filter(c -> c.label.equals(label)).findFirst();
  }

  /** Every label, for an error message. */
  public static String labels() {
    return Arrays.stream(values()).map(WaitClock::label).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return label;
  }
}
