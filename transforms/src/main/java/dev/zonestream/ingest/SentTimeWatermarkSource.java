package dev.zonestream.ingest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.aws2.sqs.SqsMessage;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * An SQS source ({@link SqsQueueSource}) with a watermark that closes windows: it reads through the
 * wrapped reader and only replaces its timestamps and watermark.
 *
 * <p>Why not Beam's: Beam 2.70's {@code SqsUnboundedReader} stamps each message with its sent
 * timestamp but estimates its watermark from a one-minute moving sample of those timestamps, which
 * it trusts only once at least 10 messages spread over two 5-second buckets were seen; until then
 * the watermark stays where it was (at first the beginning of time). It moves to the wall clock
 * only after a full minute without any message received. A small burst, or a trickle of a message
 * every few seconds, thus holds windows downstream open (on Flink no window closed at all).
 *
 * <p>Here each message keeps its SQS sent timestamp; the watermark trails the newest sent timestamp
 * by {@code maxDelay} and, whenever the queue has nothing to receive, trails the wall clock by the
 * same amount. It never goes back. A message sent before the watermark already reported (a
 * redelivery after a visibility timeout, a producer retrying long after) is stamped at that
 * watermark so it is still on time; its envelope keeps the real sent timestamp.
 */
final class SentTimeWatermarkSource<CheckpointT extends UnboundedSource.CheckpointMark>
    extends UnboundedSource<SqsMessage, CheckpointT> {
  private final UnboundedSource<SqsMessage, CheckpointT> delegate;
  private final Duration maxDelay;
  private final int maxSplits;

  /**
   * @param maxSplits at most this many readers of the queue. An SQS source splits into as many
   *     readers as asked, and Beam's bounded read of an unbounded source asks for 100, each reading
   *     until the read time ends: a bounded read keeps one reader per queue.
   */
  SentTimeWatermarkSource(
      UnboundedSource<SqsMessage, CheckpointT> delegate, Duration maxDelay, int maxSplits) {
    this.delegate = delegate;
    this.maxDelay = maxDelay;
    this.maxSplits = maxSplits;
  }

  @Override
  public List<SentTimeWatermarkSource<CheckpointT>> split(
      int desiredNumSplits, PipelineOptions options) throws Exception {
    List<SentTimeWatermarkSource<CheckpointT>> splits = new ArrayList<>();
    for (UnboundedSource<SqsMessage, CheckpointT> split :
        delegate.split(Math.min(desiredNumSplits, maxSplits), options)) {
      splits.add(new SentTimeWatermarkSource<>(split, maxDelay, 1));
    }
    return splits;
  }

  @Override
  public UnboundedReader<SqsMessage> createReader(
      PipelineOptions options, @Nullable CheckpointT checkpointMark) throws IOException {
    return new Reader(this, delegate.createReader(options, checkpointMark));
  }

  @Override
  public Coder<CheckpointT> getCheckpointMarkCoder() {
    return delegate.getCheckpointMarkCoder();
  }

  @Override
  public Coder<SqsMessage> getOutputCoder() {
    return delegate.getOutputCoder();
  }

  /**
   * Never: every delivery of a message carries the receipt handle its delete needs (see {@link
   * SqsQueueSource#requiresDeduping}). In a bounded read Beam's wrapper would also de-duplicate
   * through a combine in the global window whose output carries the end of time, which had landed
   * every message under {@code dt=294247-01-09}. A repeat lands twice instead (landing is at least
   * once) and the trusted zone keeps it once.
   */
  @Override
  public boolean requiresDeduping() {
    return false;
  }

  private final class Reader extends ForwardingUnboundedReader<SqsMessage> {
    private Instant newestSent = BoundedWindow.TIMESTAMP_MIN_VALUE;
    private Instant watermark = BoundedWindow.TIMESTAMP_MIN_VALUE;
    private @Nullable Instant currentTimestamp;

    Reader(SentTimeWatermarkSource<CheckpointT> source, UnboundedReader<SqsMessage> reader) {
      super(source, reader);
    }

    @Override
    public boolean start() throws IOException {
      return track(reader.start());
    }

    @Override
    public boolean advance() throws IOException {
      return track(reader.advance());
    }

    private boolean track(boolean available) {
      if (!available) {
        currentTimestamp = null;
        // Nothing to receive now: whatever arrives next is sent from now on.
        advanceWatermarkTo(Instant.now().minus(maxDelay));
        return false;
      }
      Instant sent = new Instant(reader.getCurrent().getTimeStamp());
      if (sent.isAfter(newestSent)) {
        newestSent = sent;
      }
      currentTimestamp = sent.isBefore(watermark) ? watermark : sent;
      return true;
    }

    private void advanceWatermarkTo(Instant candidate) {
      if (candidate.isAfter(watermark)) {
        watermark = candidate;
      }
    }

    @Override
    public Instant getWatermark() {
      advanceWatermarkTo(newestSent.minus(maxDelay));
      return watermark;
    }

    @Override
    public Instant getCurrentTimestamp() throws NoSuchElementException {
      if (currentTimestamp == null) {
        throw new NoSuchElementException();
      }
      return currentTimestamp;
    }
  }
}
