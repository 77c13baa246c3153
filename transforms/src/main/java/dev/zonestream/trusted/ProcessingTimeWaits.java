package dev.zonestream.trusted;

import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.ValueState;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The stream's processing-time waits (a reading waiting for its customer or device owner, a
 * moment's readings held for their join partner) count the time the job ran, not an outage.
 *
 * <p>A runner that restores a job from a checkpoint (Flink after a crash) restores its timers too:
 * every wait that fell due while the job was down fires as soon as it is back, before the job has
 * read again what it had not read when it died, so a customer or partner that was on its way
 * arrives too late. A timer that fires more than {@link #slack} after it was due tells that story;
 * its wait is then given once more, in full.
 */
public final class ProcessingTimeWaits {
  private static final Duration MIN_SLACK = Duration.standardSeconds(5);

  private ProcessingTimeWaits() {}

  /** How late a timer of a {@code wait} may fire and still count as on time. */
  public static Duration slack(Duration wait) {
    Duration quarter = wait.dividedBy(4);
    return quarter.isLongerThan(MIN_SLACK) ? quarter : MIN_SLACK;
  }

  /**
   * Whether {@code timer}, due at {@code due} (the firing timer's own time), fires now more than
   * {@link #slack} of {@code wait} late, by the runner's processing-time clock.
   */
  public static boolean firedLate(Timer timer, Instant due, Duration wait) {
    return timer.getCurrentRelativeTime().isAfter(due.plus(slack(wait)));
  }

  /**
   * At a wait's end ({@code timer} firing at {@code due}): gives the wait once more, and returns
   * true, when readings still wait, the timer fired late and {@code extended} says the wait was not
   * given again yet; otherwise resets {@code extended} and returns false (decide now).
   */
  public static boolean waitOnceMore(
      boolean anyoneWaits, Timer timer, Instant due, Duration wait, ValueState<Boolean> extended) {
    if (anyoneWaits && !Boolean.TRUE.equals(extended.read()) && firedLate(timer, due, wait)) {
      extended.write(true);
      timer.offset(wait).setRelative();
      return true;
    }
    extended.clear();
    return false;
  }
}
