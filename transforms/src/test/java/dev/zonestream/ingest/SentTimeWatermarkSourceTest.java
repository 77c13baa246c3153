package dev.zonestream.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.aws2.sqs.SqsMessage;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The SQS watermark: behind the newest sent time, following the clock when the queue is idle. */
class SentTimeWatermarkSourceTest {
  private static final Duration DELAY = Duration.standardSeconds(5);

  @Test
  void watermarkTrailsTheNewestSentTimeAndFollowsTheClockWhenTheQueueIsEmpty() throws Exception {
    // A queue that returns two messages, then nothing, then a message sent long ago.
    QueueSource queue = new QueueSource();
    queue.messages.add(message("a", 10_000));
    queue.messages.add(message("b", 30_000));
    UnboundedSource.UnboundedReader<SqsMessage> reader =
        new SentTimeWatermarkSource<>(queue, DELAY, Integer.MAX_VALUE)
            .createReader(options(), null);

    assertThat(reader.getWatermark(), equalTo(BoundedWindow.TIMESTAMP_MIN_VALUE));
    assertThat(reader.start(), equalTo(true));
    assertThat(reader.getCurrentTimestamp(), equalTo(new Instant(10_000)));
    assertThat(reader.getWatermark(), equalTo(new Instant(5_000)));
    assertThat(reader.advance(), equalTo(true));
    assertThat(reader.getCurrentTimestamp(), equalTo(new Instant(30_000)));
    assertThat(reader.getWatermark(), equalTo(new Instant(25_000)));

    Instant before = Instant.now();
    assertThat(reader.advance(), equalTo(false));
    // Idle: the watermark follows the clock minus the delay, so windows close.
    assertThat(reader.getWatermark(), greaterThanOrEqualTo(before.minus(DELAY)));

    // A redelivery sent before that watermark is stamped at it (on time, not dropped) and keeps
    // its real sent time in the message itself.
    Instant watermark = reader.getWatermark();
    queue.messages.add(message("a", 10_000));
    assertThat(reader.advance(), equalTo(true));
    assertThat(reader.getCurrentTimestamp(), equalTo(watermark));
    assertThat(reader.getCurrent().getTimeStamp(), equalTo(10_000L));
    assertThat(
        reader.getCurrentRecordId(),
        equalTo("a".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    // The watermark never goes back.
    assertThat(reader.getWatermark(), greaterThanOrEqualTo(watermark));
  }

  @Test
  void keepsTheDelegatesCodersAndNeverAsksTheRunnerToDropRepeats() {
    // Each delivery of a message carries the receipt handle its delete needs.
    QueueSource queue = new QueueSource();
    SentTimeWatermarkSource<NoMark> source =
        new SentTimeWatermarkSource<>(queue, DELAY, Integer.MAX_VALUE);
    assertThat(source.requiresDeduping(), equalTo(false));
    assertThat(source.getOutputCoder(), equalTo(queue.getOutputCoder()));
  }

  @Test
  void aBoundedReadKeepsOneReaderPerQueue() throws Exception {
    // Beam's bounded read of an unbounded source asks for 100 splits, each reading until the
    // read time ends; an SQS source would make 100 readers of one queue.
    QueueSource queue = new QueueSource();
    assertThat(
        new SentTimeWatermarkSource<>(queue, DELAY, 1).split(100, options()).size(), equalTo(1));
    assertThat(
        new SentTimeWatermarkSource<>(queue, DELAY, Integer.MAX_VALUE).split(4, options()).size(),
        equalTo(4));
  }

  private static SqsMessage message(String id, long sent) {
    return SqsMessage.create("{}", id, "receipt-" + id, sent, sent + 1);
  }

  private static PipelineOptions options() {
    return PipelineOptionsFactory.create();
  }

  /** Nothing to acknowledge in memory. */
  private static final class NoMark
      implements UnboundedSource.CheckpointMark, java.io.Serializable {
    @Override
    public void finalizeCheckpoint() {}
  }

  /** An in-memory stand-in for the SQS source: hands out what its deque holds. */
  private static final class QueueSource extends UnboundedSource<SqsMessage, NoMark> {
    final transient Deque<SqsMessage> messages = new ArrayDeque<>();

    @Override
    public List<QueueSource> split(int desiredNumSplits, PipelineOptions options) {
      return java.util.Collections.nCopies(desiredNumSplits, this);
    }

    @Override
    public UnboundedReader<SqsMessage> createReader(
        PipelineOptions options, @Nullable NoMark checkpointMark) {
      QueueSource source = this;
      return new UnboundedReader<>() {
        private @Nullable SqsMessage current;

        @Override
        public boolean start() {
          return advance();
        }

        @Override
        public boolean advance() {
          current = messages.poll();
          return current != null;
        }

        @Override
        public SqsMessage getCurrent() {
          if (current == null) {
            throw new NoSuchElementException();
          }
          return current;
        }

        @Override
        public Instant getCurrentTimestamp() {
          return new Instant(getCurrent().getTimeStamp());
        }

        @Override
        public byte[] getCurrentRecordId() {
          return getCurrent().getMessageId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public Instant getWatermark() {
          return BoundedWindow.TIMESTAMP_MIN_VALUE;
        }

        @Override
        public CheckpointMark getCheckpointMark() {
          return new NoMark();
        }

        @Override
        public UnboundedSource<SqsMessage, ?> getCurrentSource() {
          return source;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public Coder<NoMark> getCheckpointMarkCoder() {
      return SerializableCoder.of(NoMark.class);
    }

    @Override
    public Coder<SqsMessage> getOutputCoder() {
      return SerializableCoder.of(SqsMessage.class);
    }

    @Override
    public boolean requiresDeduping() {
      return true;
    }
  }
}
