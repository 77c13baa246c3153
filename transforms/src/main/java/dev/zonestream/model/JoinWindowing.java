package dev.zonestream.model;

import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * The windows the trusted and curated joins group in.
 *
 * <p>Bounded input (files, backfill): one global window, so every record of a key meets every
 * other, whatever their times: the exact answer.
 *
 * <p>Unbounded input (a broker): session windows of the elements' broker time with a gap of {@code
 * wait}. Everything about a key that arrives within {@code wait} of the key's previous message is
 * decided together, once the watermark passes the session's end: a reading waits up to {@code wait}
 * for its customer. A group takes the earliest timestamp of its members, so its outputs stay close
 * in time to the messages they came from and later stages group them with the same gap. The
 * streaming tables equal the bounded ones over the same messages whenever each key's messages
 * arrive within {@code wait} of each other; what arrives later is decided in a new session.
 *
 * <p>A message behind the watermark (late) but within {@code allowedLateness} of its session's end
 * is decided in a further, late pane of that session, with the other late messages of its key only
 * (discarding panes: what was decided stays decided). Later than that, the runner drops it; the
 * zonestream sources stamp messages so that they are never late (see {@code
 * BrokerTimestampPolicy}), and a backfill decides everything from landing.
 */
public final class JoinWindowing {
  private JoinWindowing() {}

  /** Windows its input for grouping (see the class comment), then keys each element. */
  public static final class KeyForJoin<T>
      extends PTransform<PCollection<T>, PCollection<KV<String, T>>> {
    private final SerializableFunction<T, String> key;
    private final Duration wait;
    private final Duration allowedLateness;

    private KeyForJoin(
        SerializableFunction<T, String> key, Duration wait, Duration allowedLateness) {
      this.key = key;
      this.wait = wait;
      this.allowedLateness = allowedLateness;
    }

    @Override
    public PCollection<KV<String, T>> expand(PCollection<T> input) {
      return input
          .apply("Window", forInput(input, wait, allowedLateness))
          .apply("Key", WithKeys.of(key).withKeyType(TypeDescriptors.strings()));
    }
  }

  public static <T> KeyForJoin<T> keyedBy(
      SerializableFunction<T, String> key, Duration wait, Duration allowedLateness) {
    return new KeyForJoin<>(key, wait, allowedLateness);
  }

  public static <T> Window<T> forInput(
      PCollection<T> input, Duration wait, Duration allowedLateness) {
    if (input.isBounded() == PCollection.IsBounded.BOUNDED) {
      return Window.<T>into(new GlobalWindows());
    }
    return Window.<T>into(Sessions.withGapDuration(wait))
        .triggering(
            AfterWatermark.pastEndOfWindow().withLateFirings(AfterPane.elementCountAtLeast(1)))
        .withAllowedLateness(allowedLateness)
        .discardingFiredPanes()
        .withTimestampCombiner(TimestampCombiner.EARLIEST);
  }
}
