package dev.zonestream.ingest;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Queue;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.aws2.common.ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.common.ClientConfiguration;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.io.aws2.sqs.SqsMessage;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * One SQS queue as an unbounded source that receives and never deletes: deleting is {@link
 * DeleteLandedSqsMessages}' job, once a message is in a final landing file.
 *
 * <p>Why not Beam's own SQS source: Beam 2.70's {@code SqsUnboundedReader} deletes a message when
 * the runner finalises the checkpoint that holds it, and that is the only way anything leaves its
 * memory. Its set of emitted message ids ({@code safeToDeleteIds}) shrinks only through the delete,
 * and every checkpoint mark copies and serialises that set, so a reader whose finalisation does not
 * delete grows without bound; its count of open checkpoints never falls, so it never closes its
 * client. Its own visibility extension also stops two minutes after a message was received ({@code
 * PROCESSING_TIMEOUT}) and as soon as the runner closes the reader, and it receives with the
 * queue's visibility timeout, which it cannot be told.
 *
 * <p>This reader receives up to ten messages at a time (short polling, as Beam's does), with the
 * {@code SentTimestamp} attribute and with a visibility timeout it chooses, so the messages stay
 * hidden from other consumers for that long after the receive; {@link DeleteLandedSqsMessages}
 * extends it from then on. Each message is emitted with its receipt handle, stamped with its sent
 * time; {@link SentTimeWatermarkSource} wraps this source for a watermark that closes windows.
 *
 * <p>Finalising a checkpoint does nothing; a checkpoint holds nothing, so a reader restored from
 * one starts afresh. Messages received but not yet emitted when a reader closes are made visible
 * again at once; those a reader emitted in a bundle the runner then dropped are not deleted by
 * anyone and come back when their visibility timeout ends (at least once).
 */
final class SqsQueueSource extends UnboundedSource<SqsMessage, SqsQueueSource.Checkpoint> {
  private static final Logger LOG = LoggerFactory.getLogger(SqsQueueSource.class);

  /** SQS's most per receive. */
  private static final int MAX_MESSAGES = 10;

  private final String queueUrl;
  private final ClientConfiguration clientConfiguration;
  private final Duration visibilityTimeout;

  /**
   * @param visibilityTimeout how long a received message stays hidden from other receives (whole
   *     seconds, at most SQS's 12 hours)
   */
  SqsQueueSource(
      String queueUrl, ClientConfiguration clientConfiguration, Duration visibilityTimeout) {
    this.queueUrl = queueUrl;
    this.clientConfiguration = clientConfiguration;
    this.visibilityTimeout = visibilityTimeout;
  }

  /** Every split reads the whole queue: SQS hands each message to one receive at a time. */
  @Override
  public List<SqsQueueSource> split(int desiredNumSplits, PipelineOptions options) {
    List<SqsQueueSource> splits = new ArrayList<>();
    for (int i = 0; i < Math.max(1, desiredNumSplits); i++) {
      splits.add(this);
    }
    return splits;
  }

  @Override
  public UnboundedReader<SqsMessage> createReader(
      PipelineOptions options, @Nullable Checkpoint checkpointMark) {
    return new Reader(this, options.as(AwsOptions.class));
  }

  @Override
  public Coder<Checkpoint> getCheckpointMarkCoder() {
    return SerializableCoder.of(Checkpoint.class);
  }

  @Override
  public Coder<SqsMessage> getOutputCoder() {
    return SerializableCoder.of(SqsMessage.class);
  }

  /**
   * No: a message that comes back (its visibility lapsed) carries a new receipt handle, the only
   * one SQS honours for its delete, so each delivery must reach {@link DeleteLandedSqsMessages}.
   * Landing keeps both copies; the trusted zone keeps the record once.
   */
  @Override
  public boolean requiresDeduping() {
    return false;
  }

  /** Nothing to finalise: deleting follows the landing files, not the runner's checkpoints. */
  static final class Checkpoint implements UnboundedSource.CheckpointMark, java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void finalizeCheckpoint() {}

    // All alike: the runner may compare checkpoints (the Direct runner's reader cache does).
    @Override
    public boolean equals(@Nullable Object other) {
      return other instanceof Checkpoint;
    }

    @Override
    public int hashCode() {
      return Checkpoint.class.hashCode();
    }
  }

  private static final class Reader extends UnboundedReader<SqsMessage> {
    private final SqsQueueSource source;
    private final AwsOptions options;
    private final Queue<SqsMessage> received = new ArrayDeque<>(MAX_MESSAGES);
    private @Nullable SqsClient client;
    private @Nullable SqsMessage current;

    Reader(SqsQueueSource source, AwsOptions options) {
      this.source = source;
      this.options = options;
    }

    private SqsClient client() {
      SqsClient sqs = client;
      if (sqs == null) {
        sqs =
            ClientBuilderFactory.buildClient(
                options, SqsClient.builder(), source.clientConfiguration);
        client = sqs;
      }
      return sqs;
    }

    @Override
    public boolean start() throws IOException {
      return advance();
    }

    @Override
    public boolean advance() throws IOException {
      if (received.isEmpty()) {
        receive();
      }
      current = received.poll();
      return current != null;
    }

    /** Up to ten messages; none when SQS cannot be reached (the next advance tries again). */
    private void receive() {
      long requestTime = System.currentTimeMillis();
      List<Message> messages;
      try {
        messages =
            client()
                .receiveMessage(
                    b ->
                        b.queueUrl(source.queueUrl)
                            .maxNumberOfMessages(MAX_MESSAGES)
                            .visibilityTimeout((int) source.visibilityTimeout.getStandardSeconds())
                            .attributeNamesWithStrings(
                                MessageSystemAttributeName.SENT_TIMESTAMP.toString()))
                .messages();
      } catch (SdkException e) {
        // The SDK has retried already; a stream outlives an outage of SQS.
        LOG.warn("zonestream: receiving from {} failed: {}", source.queueUrl, e.toString());
        return;
      }
      for (Message message : messages) {
        String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
        received.add(
            SqsMessage.create(
                message.body(),
                message.messageId(),
                message.receiptHandle(),
                sent != null ? Long.parseLong(sent) : requestTime,
                requestTime));
      }
    }

    @Override
    public SqsMessage getCurrent() throws NoSuchElementException {
      SqsMessage message = current;
      if (message == null) {
        throw new NoSuchElementException();
      }
      return message;
    }

    /** The sent time; {@link SentTimeWatermarkSource} holds late ones at its watermark. */
    @Override
    public Instant getCurrentTimestamp() throws NoSuchElementException {
      return new Instant(getCurrent().getTimeStamp());
    }

    @Override
    public byte[] getCurrentRecordId() throws NoSuchElementException {
      return getCurrent().getMessageId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@link SentTimeWatermarkSource} supplies the watermark. */
    @Override
    public Instant getWatermark() {
      return BoundedWindow.TIMESTAMP_MIN_VALUE;
    }

    @Override
    public CheckpointMark getCheckpointMark() {
      return new Checkpoint();
    }

    @Override
    public UnboundedSource<SqsMessage, ?> getCurrentSource() {
      return source;
    }

    /** Hands the received but not emitted messages back to the queue at once. */
    @Override
    public void close() {
      SqsClient sqs = client;
      if (sqs == null) {
        return;
      }
      try {
        List<ChangeMessageVisibilityBatchRequestEntry> release = new ArrayList<>();
        for (SqsMessage message : received) {
          release.add(
              ChangeMessageVisibilityBatchRequestEntry.builder()
                  .id(Integer.toString(release.size()))
                  .receiptHandle(message.getReceiptHandle())
                  .visibilityTimeout(0)
                  .build());
        }
        if (!release.isEmpty()) {
          sqs.changeMessageVisibilityBatch(b -> b.queueUrl(source.queueUrl).entries(release));
        }
      } catch (SdkException e) {
        // They come back when their visibility timeout ends instead.
        LOG.warn("zonestream: releasing {} unread SQS messages failed: {}", received.size(), e);
      } finally {
        received.clear();
        sqs.close();
        client = null;
      }
    }
  }
}
