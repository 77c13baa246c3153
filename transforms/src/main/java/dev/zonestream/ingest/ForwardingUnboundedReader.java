package dev.zonestream.ingest;

import java.io.IOException;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.UnboundedSource.CheckpointMark;
import org.apache.beam.sdk.io.UnboundedSource.UnboundedReader;
import org.joda.time.Instant;

/**
 * A reader of a wrapping source ({@link DeadlineSource}, {@link SentTimeWatermarkSource}) that
 * hands every call to the wrapped source's reader, except {@link #start} and {@link #advance},
 * which each wrapper decides, and {@link #getCurrentSource}, which names the wrapper (a runner that
 * splits or restores the read must get the wrapper back). A subclass overrides what it changes.
 */
abstract class ForwardingUnboundedReader<T> extends UnboundedReader<T> {
  private final UnboundedSource<T, ?> source;

  /** The wrapped source's reader. */
  protected final UnboundedReader<T> reader;

  ForwardingUnboundedReader(UnboundedSource<T, ?> source, UnboundedReader<T> reader) {
    this.source = source;
    this.reader = reader;
  }

  @Override
  public T getCurrent() throws NoSuchElementException {
    return reader.getCurrent();
  }

  @Override
  public Instant getCurrentTimestamp() throws NoSuchElementException {
    return reader.getCurrentTimestamp();
  }

  @Override
  public byte[] getCurrentRecordId() throws NoSuchElementException {
    return reader.getCurrentRecordId();
  }

  @Override
  public Instant getWatermark() {
    return reader.getWatermark();
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
  public UnboundedSource<T, ?> getCurrentSource() {
    return source;
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
