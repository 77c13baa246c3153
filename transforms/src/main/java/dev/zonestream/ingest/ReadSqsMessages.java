package dev.zonestream.ingest;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.SourceKind;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.aws2.common.ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.common.ClientConfiguration;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.io.aws2.sqs.SqsMessage;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads messages from SQS queues as {@link Envelope}s ({@link #MESSAGES}), each routed to its
 * dataset by queue URL, with the receipt of each delivery ({@link #RECEIPTS}) for {@link
 * DeleteLandedSqsMessages}, which deletes a message once it is in a final landing file. This read
 * deletes nothing.
 *
 * <p><b>Boundedness.</b> Unbounded, unless {@link #withMaxNumRecords} or {@link #withMaxReadTime}
 * is set: then bounded, with one reader per queue, each ending after that many messages of its
 * queue or at one deadline, the read time after the graph is built, shared by every queue ({@link
 * DeadlineSource}: a queue whose messages keep coming stops at the deadline too).
 *
 * <p><b>Timestamps and watermark.</b> Each message carries its SQS {@code SentTimestamp}. The
 * watermark comes from {@link SentTimeWatermarkSource}: it trails the newest sent timestamp by the
 * max delay and, while the queue is empty, the wall clock by the same delay, so windows downstream
 * close when the queue goes quiet.
 *
 * <p><b>Delivery.</b> Each receive asks SQS to hide the messages for the {@link
 * #withVisibilityTimeout visibility timeout} (a bounded read: that plus the read time, so a message
 * does not come back while the read still runs); {@link DeleteLandedSqsMessages} keeps them hidden
 * from then on and deletes them once landed. Nothing is deleted when the runner finalises a
 * checkpoint ({@link SqsQueueSource} says why Beam's own SQS reader is not used). SQS delivers at
 * least once, and every delivery is emitted, repeats included (the runner is not asked to drop
 * repeats of one message id: a repeat carries the receipt handle the delete needs); the trusted
 * zone keeps equal records once.
 *
 * <p><b>Failures.</b> Retries of single calls are the AWS SDK's; a receive that still fails is
 * logged and tried again at the next read, so a stream outlives an outage of SQS.
 *
 * <p><b>Routing.</b> Queue URLs are mapped to datasets; the dataset cannot come from a message
 * attribute (the envelope keeps body, id and timestamps, as Beam's {@code SqsMessage} does). A body
 * is text: SQS accepts only valid Unicode characters.
 */
@AutoValue
public abstract class ReadSqsMessages extends PTransform<PBegin, PCollectionTuple> {
  /** The messages, as envelopes. */
  public static final TupleTag<Envelope> MESSAGES = new TupleTag<>() {};

  /** One receipt per delivery, for {@link DeleteLandedSqsMessages}. */
  public static final TupleTag<SqsReceipt> RECEIPTS = new TupleTag<>() {};

  static final int DEFAULT_VISIBILITY_SECONDS = 60;

  /** SQS's longest visibility timeout. */
  private static final Duration MAX_VISIBILITY = Duration.standardHours(12);

  abstract Map<String, String> queues();

  abstract @Nullable URI endpoint();

  abstract Duration maxDelay();

  abstract long maxNumRecords();

  abstract @Nullable Duration maxReadTime();

  abstract Duration visibilityTimeout();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setQueues(Map<String, String> queues);

    abstract Builder setEndpoint(@Nullable URI endpoint);

    abstract Builder setMaxDelay(Duration maxDelay);

    abstract Builder setMaxNumRecords(long maxNumRecords);

    abstract Builder setMaxReadTime(@Nullable Duration maxReadTime);

    abstract Builder setVisibilityTimeout(Duration visibilityTimeout);

    abstract ReadSqsMessages build();
  }

  /**
   * No queues yet, the AWS endpoint of the region, 5 s max delay, a {@value
   * #DEFAULT_VISIBILITY_SECONDS} s visibility timeout, unbounded.
   */
  public static ReadSqsMessages create() {
    return new AutoValue_ReadSqsMessages.Builder()
        .setQueues(Map.of())
        .setMaxDelay(Duration.standardSeconds(5))
        .setMaxNumRecords(Long.MAX_VALUE)
        .setVisibilityTimeout(Duration.standardSeconds(DEFAULT_VISIBILITY_SECONDS))
        .build();
  }

  /**
   * Queue URL to dataset folder ({@link Dataset#folder()} or {@link Dataset#UNROUTED_FOLDER});
   * replaces any earlier mapping.
   */
  public ReadSqsMessages withQueues(Map<String, String> queueUrlToDataset) {
    if (queueUrlToDataset == null || queueUrlToDataset.isEmpty()) {
      throw new IllegalArgumentException("at least one queue is needed");
    }
    return toBuilder().setQueues(new LinkedHashMap<>(queueUrlToDataset)).build();
  }

  /** An SQS endpoint other than AWS's for the region (ElasticMQ, a VPC endpoint). */
  public ReadSqsMessages withEndpoint(URI uri) {
    checkArgumentNotNull(uri, "endpoint");
    return toBuilder().setEndpoint(uri).build();
  }

  /** How far behind the newest sent timestamp, and the clock when idle, the watermark is held. */
  public ReadSqsMessages withMaxDelay(Duration delay) {
    if (delay == null || delay.getMillis() < 0) {
      throw new IllegalArgumentException("max delay must not be negative, got " + delay);
    }
    return toBuilder().setMaxDelay(delay).build();
  }

  /** Bounded: stop after this many messages per queue. */
  public ReadSqsMessages withMaxNumRecords(long max) {
    if (max < 1) {
      throw new IllegalArgumentException("max records must be at least 1, got " + max);
    }
    return toBuilder().setMaxNumRecords(max).build();
  }

  /** Bounded: stop reading after this long. */
  public ReadSqsMessages withMaxReadTime(Duration time) {
    if (time == null || time.getMillis() < 1) {
      throw new IllegalArgumentException("max read time must be positive, got " + time);
    }
    return toBuilder().setMaxReadTime(time).build();
  }

  /**
   * How long a received message stays hidden from other receives before {@link
   * DeleteLandedSqsMessages} first extends it, and how long a job that died keeps its unlanded
   * messages hidden (whole seconds, 4 s to 12 h).
   */
  public ReadSqsMessages withVisibilityTimeout(Duration timeout) {
    checkVisibilityTimeout(timeout);
    return toBuilder().setVisibilityTimeout(timeout).build();
  }

  /**
   * The step that deletes what this read received once it has landed, with this read's endpoint and
   * visibility timeout; apply it to {@link #RECEIPTS} with {@link
   * DeleteLandedSqsMessages#whenLanded}.
   */
  public DeleteLandedSqsMessages deleteLanded() {
    DeleteLandedSqsMessages delete =
        DeleteLandedSqsMessages.create().withVisibilityTimeout(visibilityTimeout());
    URI endpoint = endpoint();
    return endpoint != null ? delete.withEndpoint(endpoint) : delete;
  }

  static void checkVisibilityTimeout(Duration timeout) {
    // Extended every quarter of it, a timeout under 4 s leaves no time for the receipts to arrive.
    if (timeout == null
        || timeout.isShorterThan(Duration.standardSeconds(4))
        || timeout.isLongerThan(MAX_VISIBILITY)
        || timeout.getMillis() % 1000 != 0) {
      throw new IllegalArgumentException(
          "visibility timeout must be whole seconds from 4 s to 12 h, got " + timeout);
    }
  }

  @Override
  public PCollectionTuple expand(PBegin input) {
    if (queues().isEmpty()) {
      throw new IllegalArgumentException("ReadSqsMessages needs withQueues");
    }
    ClientConfiguration.Builder client = ClientConfiguration.builder();
    if (endpoint() != null) {
      client.endpoint(endpoint());
    }
    ClientConfiguration clientConfiguration = client.build();
    ClientBuilderFactory.validate(
        input.getPipeline().getOptions().as(AwsOptions.class), clientConfiguration);
    boolean bounded = maxNumRecords() < Long.MAX_VALUE || maxReadTime() != null;
    // A bounded read's messages stay hidden while it reads; the landing follows the read.
    Duration hidden = visibilityTimeout();
    if (bounded && maxReadTime() != null) {
      hidden =
          Duration.standardSeconds(visibilityTimeout().plus(maxReadTime()).getStandardSeconds());
      if (hidden.isLongerThan(MAX_VISIBILITY)) {
        hidden = MAX_VISIBILITY;
      }
    }
    // One deadline for the whole read, fixed once, shared by every queue's reader.
    Instant deadline = maxReadTime() == null ? null : Instant.now().plus(maxReadTime());
    PCollectionList<Envelope> messages = PCollectionList.empty(input.getPipeline());
    PCollectionList<SqsReceipt> receipts = PCollectionList.empty(input.getPipeline());
    int index = 0;
    for (Map.Entry<String, String> queue : queues().entrySet()) {
      SentTimeWatermarkSource<?> source =
          new SentTimeWatermarkSource<>(
              new SqsQueueSource(queue.getKey(), clientConfiguration, hidden),
              maxDelay(),
              bounded ? 1 : Integer.MAX_VALUE);
      PTransform<PBegin, PCollection<SqsMessage>> transform;
      if (deadline != null) {
        transform = DeadlineSource.boundedRead(source, deadline, maxNumRecords());
      } else if (bounded) {
        transform = Read.from(source).withMaxNumRecords(maxNumRecords());
      } else {
        transform = Read.from(source);
      }
      // Step names by position, never by queue URL: they identify state across savepoints.
      PCollectionTuple read =
          input
              .apply("ReadQueue" + index, transform)
              .apply(
                  "ToEnvelopes" + index,
                  ParDo.of(new ToEnvelopeFn(queue.getKey(), queue.getValue(), hidden))
                      .withOutputTags(MESSAGES, TupleTagList.of(RECEIPTS)));
      messages = messages.and(read.get(MESSAGES));
      receipts = receipts.and(read.get(RECEIPTS).setCoder(SqsReceipt.ReceiptCoder.of()));
      index++;
    }
    return PCollectionTuple.of(MESSAGES, messages.apply("FlattenQueues", Flatten.pCollections()))
        .and(RECEIPTS, receipts.apply("FlattenReceipts", Flatten.pCollections()));
  }

  /** Wraps an SQS message into an envelope of its queue's dataset, and notes its receipt. */
  static final class ToEnvelopeFn extends DoFn<SqsMessage, Envelope> {
    private final String queueUrl;
    private final String dataset;
    private final Duration hidden;

    ToEnvelopeFn(String queueUrl, String dataset, Duration hidden) {
      this.queueUrl = queueUrl;
      this.dataset = dataset;
      this.hidden = hidden;
    }

    @ProcessElement
    public void processElement(@Element SqsMessage message, MultiOutputReceiver out) {
      Metrics.counter(MetricNames.READ, dataset).inc();
      out.get(MESSAGES)
          .output(
              new Envelope(
                  dataset,
                  SourceKind.SQS,
                  queueUrl,
                  null,
                  message.getMessageId(),
                  message.getTimeStamp(),
                  Instant.now().getMillis(),
                  message.getBody().getBytes(StandardCharsets.UTF_8)));
      out.get(RECEIPTS)
          .output(
              new SqsReceipt(
                  queueUrl,
                  message.getMessageId(),
                  message.getReceiptHandle(),
                  message.getRequestTimeStamp(),
                  message.getRequestTimeStamp() + hidden.getMillis()));
    }
  }
}
