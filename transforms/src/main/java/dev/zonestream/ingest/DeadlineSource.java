package dev.zonestream.ingest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.BoundedReadFromUnboundedSource;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * An unbounded source whose readers all stop at one deadline, for a bounded read that must end by a
 * wall-clock time whatever the number of splits.
 *
 * <p>Why: Beam's bounded read of an unbounded source ({@code withMaxReadTime}) starts each split's
 * clock when that split starts reading, and checks it only while the split has nothing to read. The
 * splits of a read (one per Kinesis shard) run a few at a time, each for the whole read time:
 * {@code --maxReadSeconds=90} over 3 streams of 4 shards read for about 6.4 minutes on the Direct
 * runner's three threads; and a split whose records keep coming never looks at its clock at all.
 *
 * <p>Here the read carries one deadline and keeps one split (see {@link #split}), whose reader
 * returns no record once the deadline has passed, and until then waits for one (polling the wrapped
 * reader) instead of reporting none, so "nothing to read" means "the deadline has passed". {@link
 * #boundedRead} pairs it with a per-split read time of 1 ms, so the split ends as soon as its
 * reader first reports nothing: at the deadline. The runner must run the reads of all streams at
 * once (the entry point gives the Direct runner enough threads). Unbounded reads do not use this
 * source.
 */
final class DeadlineSource<T, CheckpointT extends UnboundedSource.CheckpointMark>
    extends UnboundedSource<T, CheckpointT> {
  /** How often a reader with nothing to hand out asks its wrapped reader again. */
  private static final long POLL_MILLIS = 100;

  private final UnboundedSource<T, CheckpointT> delegate;
  private final Instant deadline;

  DeadlineSource(UnboundedSource<T, CheckpointT> delegate, Instant deadline) {
    this.delegate = delegate;
    this.deadline = deadline;
  }

  /**
   * A bounded read of {@code source} that ends at {@code deadline} (and, when {@code maxNumRecords}
   * is less than {@link Long#MAX_VALUE}, after that many records in all, split evenly over the
   * splits as Beam does).
   */
  static <T> BoundedReadFromUnboundedSource<T> boundedRead(
      UnboundedSource<T, ?> source, Instant deadline, long maxNumRecords) {
    // Beam's per-split read time only ends a split once its reader reports nothing; this reader
    // reports nothing only at the deadline, so 1 ms ends each split there and no later.
    return Read.from(new DeadlineSource<>(source, deadline))
        .withMaxNumRecords(maxNumRecords)
        .withMaxReadTime(Duration.millis(1));
  }

  /**
   * The unbounded source that {@code read} (an IO's read transform, without bounds) expands to,
   * found by expanding it in a scratch pipeline with {@code options} (which also runs the IO's own
   * validation). Beam's IOs keep their sources package private.
   */
  @SuppressWarnings("unchecked")
  static <T> UnboundedSource<T, UnboundedSource.CheckpointMark> sourceOf(
      PTransform<PBegin, PCollection<T>> read, PipelineOptions options) {
    Pipeline scratch = Pipeline.create(options);
    scratch.apply(read);
    AtomicReference<@Nullable UnboundedSource<?, ?>> found = new AtomicReference<>();
    scratch.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (node.getTransform() instanceof Read.Unbounded<?> unbounded) {
              found.compareAndSet(null, unbounded.getSource());
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            if (node.getTransform() instanceof Read.Unbounded<?> unbounded) {
              found.compareAndSet(null, unbounded.getSource());
            }
          }
        });
    UnboundedSource<?, ?> source = found.get();
    if (source == null) {
      throw new IllegalArgumentException(read + " did not expand to an unbounded read");
    }
    return (UnboundedSource<T, UnboundedSource.CheckpointMark>) source;
  }

  /**
   * One split, whatever is asked: a runner runs a few splits at a time, and a split it starts after
   * the deadline reads nothing, so a read of many splits (one per Kinesis shard) would leave shards
   * unread. One reader per stream or queue runs from the start; a Kinesis reader fetches all its
   * shards in threads of its own.
   */
  @Override
  public List<DeadlineSource<T, CheckpointT>> split(int desiredNumSplits, PipelineOptions options)
      throws Exception {
    List<DeadlineSource<T, CheckpointT>> splits = new ArrayList<>();
    for (UnboundedSource<T, CheckpointT> split : delegate.split(1, options)) {
      splits.add(new DeadlineSource<>(split, deadline));
    }
    return splits;
  }

  @Override
  public UnboundedReader<T> createReader(
      PipelineOptions options, @Nullable CheckpointT checkpointMark) throws IOException {
    return new Reader(this, delegate.createReader(options, checkpointMark));
  }

  @Override
  public Coder<CheckpointT> getCheckpointMarkCoder() {
    return delegate.getCheckpointMarkCoder();
  }

  @Override
  public Coder<T> getOutputCoder() {
    return delegate.getOutputCoder();
  }

  @Override
  public boolean requiresDeduping() {
    return delegate.requiresDeduping();
  }

  private final class Reader extends ForwardingUnboundedReader<T> {
    Reader(DeadlineSource<T, CheckpointT> source, UnboundedReader<T> reader) {
      super(source, reader);
    }

    @Override
    public boolean start() throws IOException {
      // Started even past the deadline: Beam finalises the reader's checkpoint mark after the read.
      return reader.start() || awaitRecord();
    }

    @Override
    public boolean advance() throws IOException {
      // The deadline is looked at before the wrapped reader is asked, never after: a record it
      // hands out is emitted (an SQS message handed out is deleted when the read is finalised).
      if (deadline.isBeforeNow()) {
        return false;
      }
      return reader.advance() || awaitRecord();
    }

    /** Asks the wrapped reader again until it has a record (true) or the deadline passes. */
    private boolean awaitRecord() throws IOException {
      while (true) {
        long left = deadline.getMillis() - System.currentTimeMillis();
        if (left <= 0) {
          return false;
        }
        try {
          Thread.sleep(Math.min(POLL_MILLIS, left));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for a record", e);
        }
        if (reader.advance()) {
          return true;
        }
      }
    }
  }
}
