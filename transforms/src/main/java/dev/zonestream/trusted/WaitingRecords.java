package dev.zonestream.trusted;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The records a stateful step keeps waiting for a partner, each with its own deadline on the step's
 * {@link WaitClock}: its wait ends {@code wait} after it began to wait, whatever the other records
 * of its key did. One timer per key, armed for the earliest deadline; {@code due} remembers when.
 *
 * <p>A record's deadline ({@link #deadline}): on {@link WaitClock#WATERMARK} its own timestamp (its
 * landing window's end, in broker time) plus the wait, on {@link WaitClock#PROCESSING_TIME} the
 * runner's clock plus the wait.
 */
public final class WaitingRecords {
  private WaitingRecords() {}

  /**
   * When a wait of {@code wait} that begins with an element stamped {@code timestamp} ends, on
   * {@code timer}'s clock. An event-time timer's "current time" is the step's input watermark,
   * which lags the element (at a job's start it is the beginning of time), so the wait counts from
   * the element's timestamp, or from the watermark if that is later (a late element: its partners
   * up to the watermark have been processed already).
   */
  public static Instant deadline(Timer timer, WaitClock clock, Instant timestamp, Duration wait) {
    Instant now = timer.getCurrentRelativeTime();
    Instant from = clock == WaitClock.WATERMARK && timestamp.isAfter(now) ? timestamp : now;
    return atMostTheEnd(from.plus(wait));
  }

  /**
   * {@code time}, or the global window's last moment if it is later: an event-time timer may not
   * fire after its window expires, and a watermark at the end of time (an input that finished, a
   * job draining) plus a wait would.
   */
  public static Instant atMostTheEnd(Instant time) {
    Instant end = GlobalWindow.INSTANCE.maxTimestamp();
    return time.isAfter(end) ? end : time;
  }

  /**
   * Adds {@code record}, stamped {@code timestamp}, to the waiting ones with the {@link #deadline}
   * of a {@code wait} on {@code clock}, arming {@code timer} if that is the earliest.
   */
  public static <T> void add(
      BagState<TimestampedValue<T>> waiting,
      ValueState<Instant> due,
      Timer timer,
      WaitClock clock,
      Duration wait,
      Instant timestamp,
      T record) {
    Instant deadline = deadline(timer, clock, timestamp, wait);
    waiting.add(TimestampedValue.of(record, deadline));
    @Nullable Instant armed = due.read();
    if (armed == null || deadline.isBefore(armed)) {
      timer.set(deadline);
      due.write(deadline);
    }
  }

  /**
   * At the timer ({@code now}, its firing time): removes and returns the records whose deadline has
   * come, and arms the timer for the earliest of the others.
   */
  public static <T> List<T> takeDue(
      BagState<TimestampedValue<T>> waiting, ValueState<Instant> due, Timer timer, Instant now) {
    List<T> ended = new ArrayList<>();
    List<TimestampedValue<T>> still = new ArrayList<>();
    Instant next = null;
    for (TimestampedValue<T> record : waiting.read()) {
      if (record.getTimestamp().isAfter(now)) {
        still.add(record);
        if (next == null || record.getTimestamp().isBefore(next)) {
          next = record.getTimestamp();
        }
      } else {
        ended.add(record.getValue());
      }
    }
    if (!ended.isEmpty()) {
      waiting.clear();
      still.forEach(waiting::add);
    }
    if (next == null) {
      due.clear();
    } else {
      timer.set(next);
      due.write(next);
    }
    return ended;
  }
}
