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
 * Beam's SQS source with a watermark that closes windows: it reads through Beam's own reader (which
 * receives, extends visibility and deletes on checkpoint finalisation) and only replaces its
 * timestamps and watermark.
 *
 * <p>Why: Beam 2.70's {@code SqsUnboundedReader} stamps each message with its sent timestamp but
 * estimates its watermark from a one-minute moving sample of those timestamps, which it trusts only
 * once at least 10 messages spread over two 5-second buckets were seen; until then the watermark
 * stays where it was (at first the beginning of time). It moves to the wall clock only after a full
 * minute without any message received. A small burst, or a trickle of a message every few seconds,
 * thus holds windows downstream open (on Flink no window closed at all).
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
  private final boolean dedupe;

  /**
   * @param maxSplits at most this many readers of the queue. Beam's SQS source splits into as many
   *     readers as asked, and Beam's bounded read of an unbounded source asks for 100, each reading
   *     until the read time ends: a bounded read keeps one reader per queue.
   * @param dedupe whether the runner should drop repeats of one message id. A bounded read says no:
   *     Beam's bounded wrapper de-duplicates through a combine in the global window whose output
   *     carries the end of time, so every message landed under {@code dt=294247-01-09}; a repeat
   *     lands twice instead (landing is at least once) and the trusted zone keeps it once.
   */
  SentTimeWatermarkSource(
      UnboundedSource<SqsMessage, CheckpointT> delegate,
      Duration maxDelay,
      int maxSplits,
      boolean dedupe) {
    this.delegate = delegate;
    this.maxDelay = maxDelay;
    this.maxSplits = maxSplits;
    this.dedupe = dedupe;
  }

  @Override
  public List<SentTimeWatermarkSource<CheckpointT>> split(
      int desiredNumSplits, PipelineOptions options) throws Exception {
    List<SentTimeWatermarkSource<CheckpointT>> splits = new ArrayList<>();
    for (UnboundedSource<SqsMessage, CheckpointT> split :
        delegate.split(Math.min(desiredNumSplits, maxSplits), options)) {
      splits.add(new SentTimeWatermarkSource<>(split, maxDelay, 1, dedupe));
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
   * SQS delivers at least once; in a stream Beam removes repeats of one message id within its
   * window (see the constructor for a bounded read).
   */
  @Override
  public boolean requiresDeduping() {
    return dedupe && delegate.requiresDeduping();
  }

  private final class Reader extends UnboundedReader<SqsMessage> {
    private final SentTimeWatermarkSource<CheckpointT> source;
    private final UnboundedReader<SqsMessage> reader;
    private Instant newestSent = BoundedWindow.TIMESTAMP_MIN_VALUE;
    private Instant watermark = BoundedWindow.TIMESTAMP_MIN_VALUE;
    private @Nullable Instant currentTimestamp;

    Reader(SentTimeWatermarkSource<CheckpointT> source, UnboundedReader<SqsMessage> reader) {
      this.source = source;
      this.reader = reader;
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
    public SqsMessage getCurrent() throws NoSuchElementException {
      return reader.getCurrent();
    }

    @Override
    public Instant getCurrentTimestamp() throws NoSuchElementException {
      if (currentTimestamp == null) {
        throw new NoSuchElementException();
      }
      return currentTimestamp;
    }

    @Override
    public byte[] getCurrentRecordId() throws NoSuchElementException {
      return reader.getCurrentRecordId();
    }

    @Override
    public CheckpointMark getCheckpointMark() {
      return reader.getCheckpointMark();
    }

    @Override
    public long getSplitBacklogBytes() {
      return reader.getSplitBacklogBytes();
    }

    @Override
    public UnboundedSource<SqsMessage, ?> getCurrentSource() {
      return source;
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }
}
