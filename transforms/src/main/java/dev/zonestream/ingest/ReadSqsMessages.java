package dev.zonestream.ingest;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import dev.zonestream.model.Dataset;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.SourceKind;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.aws2.common.ClientConfiguration;
import org.apache.beam.sdk.io.aws2.sqs.SqsIO;
import org.apache.beam.sdk.io.aws2.sqs.SqsMessage;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads messages from SQS queues as {@link Envelope}s, each routed to its dataset by queue URL.
 *
 * <p><b>Boundedness.</b> Unbounded, unless {@link #withMaxNumRecords} or {@link #withMaxReadTime}
 * is set: then bounded, ending after that many messages of a queue or that long, with one reader
 * per queue.
 *
 * <p><b>Timestamps and watermark.</b> Each message carries its SQS {@code SentTimestamp}. The
 * watermark comes from {@link SentTimeWatermarkSource}, which wraps Beam's own SQS source: it
 * trails the newest sent timestamp by the max delay and, while the queue is empty, the wall clock
 * by the same delay, so windows downstream close when the queue goes quiet.
 *
 * <p><b>Delivery.</b> Beam's reader deletes a message once the runner finalises the checkpoint that
 * holds it, and extends its visibility until then. SQS still delivers at least once (a visibility
 * timeout expiring, a producer re-sending): in a stream Beam drops repeats of one message id within
 * its de-duplication period (a bounded read does not: its de-duplication would stamp every message
 * with the end of time), and the trusted zone keeps equal records once.
 *
 * <p><b>Routing.</b> Queue URLs are mapped to datasets. Beam 2.70's {@code SqsMessage} carries
 * body, message id, receipt handle and timestamps only, no message attributes, so the dataset
 * cannot come from an attribute. A body is text: SQS accepts only valid Unicode characters.
 */
public final class ReadSqsMessages extends PTransform<PBegin, PCollection<Envelope>> {
  private final Map<String, String> queues;
  private final @Nullable URI endpoint;
  private final Duration maxDelay;
  private final long maxNumRecords;
  private final @Nullable Duration maxReadTime;

  private ReadSqsMessages(
      Map<String, String> queues,
      @Nullable URI endpoint,
      Duration maxDelay,
      long maxNumRecords,
      @Nullable Duration maxReadTime) {
    this.queues = queues;
    this.endpoint = endpoint;
    this.maxDelay = maxDelay;
    this.maxNumRecords = maxNumRecords;
    this.maxReadTime = maxReadTime;
  }

  /** No queues yet, the AWS endpoint of the region, 5 s max delay, unbounded. */
  public static ReadSqsMessages create() {
    return new ReadSqsMessages(Map.of(), null, Duration.standardSeconds(5), Long.MAX_VALUE, null);
  }

  /**
   * Queue URL to dataset folder ({@link Dataset#folder()} or {@link Dataset#UNROUTED_FOLDER});
   * replaces any earlier mapping.
   */
  public ReadSqsMessages withQueues(Map<String, String> queueUrlToDataset) {
    if (queueUrlToDataset == null || queueUrlToDataset.isEmpty()) {
      throw new IllegalArgumentException("at least one queue is needed");
    }
    return new ReadSqsMessages(
        new LinkedHashMap<>(queueUrlToDataset), endpoint, maxDelay, maxNumRecords, maxReadTime);
  }

  /** An SQS endpoint other than AWS's for the region (ElasticMQ, a VPC endpoint). */
  public ReadSqsMessages withEndpoint(URI uri) {
    checkArgumentNotNull(uri, "endpoint");
    return new ReadSqsMessages(queues, uri, maxDelay, maxNumRecords, maxReadTime);
  }

  /** How far behind the newest sent timestamp, and the clock when idle, the watermark is held. */
  public ReadSqsMessages withMaxDelay(Duration delay) {
    if (delay == null || delay.getMillis() < 0) {
      throw new IllegalArgumentException("max delay must not be negative, got " + delay);
    }
    return new ReadSqsMessages(queues, endpoint, delay, maxNumRecords, maxReadTime);
  }

  /** Bounded: stop after this many messages per queue. */
  public ReadSqsMessages withMaxNumRecords(long max) {
    if (max < 1) {
      throw new IllegalArgumentException("max records must be at least 1, got " + max);
    }
    return new ReadSqsMessages(queues, endpoint, maxDelay, max, maxReadTime);
  }

  /** Bounded: stop reading after this long. */
  public ReadSqsMessages withMaxReadTime(Duration time) {
    if (time == null || time.getMillis() < 1) {
      throw new IllegalArgumentException("max read time must be positive, got " + time);
    }
    return new ReadSqsMessages(queues, endpoint, maxDelay, maxNumRecords, time);
  }

  @Override
  public PCollection<Envelope> expand(PBegin input) {
    if (queues.isEmpty()) {
      throw new IllegalArgumentException("ReadSqsMessages needs withQueues");
    }
    ClientConfiguration.Builder client = ClientConfiguration.builder();
    if (endpoint != null) {
      client.endpoint(endpoint);
    }
    PCollectionList<Envelope> all = PCollectionList.empty(input.getPipeline());
    int index = 0;
    for (Map.Entry<String, String> queue : queues.entrySet()) {
      SqsIO.Read read =
          SqsIO.read().withQueueUrl(queue.getKey()).withClientConfiguration(client.build());
      boolean bounded = maxNumRecords < Long.MAX_VALUE || maxReadTime != null;
      Read.Unbounded<SqsMessage> unbounded =
          Read.from(
              new SentTimeWatermarkSource<>(
                  beamSource(read, input.getPipeline().getOptions()),
                  maxDelay,
                  bounded ? 1 : Integer.MAX_VALUE,
                  !bounded));
      PTransform<PBegin, PCollection<SqsMessage>> transform =
          bounded
              ? unbounded.withMaxNumRecords(maxNumRecords).withMaxReadTime(maxReadTime)
              : unbounded;
      // Step names by position, never by queue URL: they identify state across savepoints.
      all =
          all.and(
              input
                  .apply("ReadQueue" + index, transform)
                  .apply(
                      "ToEnvelopes" + index,
                      ParDo.of(new ToEnvelopeFn(queue.getKey(), queue.getValue()))));
      index++;
    }
    return all.apply("FlattenQueues", Flatten.pCollections());
  }

  /**
   * Beam's SQS source for {@code read}, as {@code SqsIO.Read} builds it (the class is package
   * private): expanded in a scratch pipeline with the same options, which also runs SqsIO's own
   * validation of region and credentials.
   */
  @SuppressWarnings("unchecked")
  private static UnboundedSource<SqsMessage, UnboundedSource.CheckpointMark> beamSource(
      SqsIO.Read read, PipelineOptions options) {
    Pipeline scratch = Pipeline.create(options);
    scratch.apply(read);
    AtomicReference<UnboundedSource<?, ?>> found = new AtomicReference<>();
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
    return (UnboundedSource<SqsMessage, UnboundedSource.CheckpointMark>)
        checkArgumentNotNull(found.get(), "SqsIO.Read did not expand to an unbounded read");
  }

  /** Wraps an SQS message into an envelope of its queue's dataset. */
  static final class ToEnvelopeFn extends DoFn<SqsMessage, Envelope> {
    private final String queueUrl;
    private final String dataset;

    ToEnvelopeFn(String queueUrl, String dataset) {
      this.queueUrl = queueUrl;
      this.dataset = dataset;
    }

    @ProcessElement
    public void processElement(@Element SqsMessage message, OutputReceiver<Envelope> out) {
      Metrics.counter(MetricNames.READ, dataset).inc();
      out.output(
          new Envelope(
              dataset,
              SourceKind.SQS,
              queueUrl,
              null,
              message.getMessageId(),
              message.getTimeStamp(),
              Instant.now().getMillis(),
              message.getBody().getBytes(StandardCharsets.UTF_8)));
    }
  }
}
