package dev.zonestream.ingest;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.SourceKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.aws2.common.ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.common.ClientConfiguration;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PDone;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;

/**
 * Deletes SQS messages only once they are in a final landing file, and keeps them hidden from other
 * consumers until then, the way a Kafka Connect S3 sink commits only what it has uploaded. Applied
 * to the receipts {@link ReadSqsMessages} emits ({@link ReadSqsMessages#RECEIPTS}) with {@link
 * #whenLanded} the messages as read back from final landing files; messages of other sources pass
 * unseen.
 *
 * <p><b>How.</b> Every bundle of receipts sends, per queue, the deliveries it read (message id,
 * receipt handle, when hidden until); every bundle of landed messages the ids it found in final
 * files. A stateful step keyed by queue keeps the newest delivery of each message read but not yet
 * deleted and deletes a message ({@code DeleteMessageBatch}, by that delivery's receipt handle) as
 * soon as it has both its delivery and its landing. In a stream it also wakes every quarter of the
 * {@link #withVisibilityTimeout visibility timeout} and extends ({@code ChangeMessageVisibility
 * Batch}, by the visibility timeout again) every delivery with less than half of it left, for as
 * long as the message has not landed: unlike Beam's SQS reader, which gives up two minutes after
 * the receive, however long a window stays open. SQS itself ends that at 12 hours after the
 * receive: the message then comes back and lands again.
 *
 * <p><b>Boundedness.</b> Either. A bounded read (a batch job) deletes what has landed by the time
 * the job ends, with no timers; a message it read but did not land stays hidden until its
 * visibility timeout ends and is then received by the next run.
 *
 * <p><b>Delivery.</b> Only a landed message is ever deleted, so nothing read is lost: a job that
 * dies leaves its read but not landed messages hidden until their visibility timeout ends, and SQS
 * then delivers them again (at least once into landing; the trusted zone keeps equal records once).
 * A delivery that SQS hands out again (its visibility lapsed) comes with a new receipt handle, the
 * only one SQS honours for the delete: the newest delivery of a message is the one kept, and a
 * landed message whose delete SQS refused for a stale handle waits for its newer delivery.
 *
 * <p><b>Failures.</b> A failed call is logged and retried at the next wake-up (a stream) or left to
 * the visibility timeout (a bounded read); it never stops the job. A landing of a message whose
 * delivery never arrives (it landed twice and was deleted after the first) is forgotten after
 * {@value #FORGET_LANDED_MINUTES} minutes. Counters per queue name: {@link
 * MetricNames#SQS_DELETED}, {@link MetricNames#SQS_EXTENDED} and {@link MetricNames#SQS_LAPSED}
 * (deliveries that could no longer be extended and come back).
 */
@AutoValue
public abstract class DeleteLandedSqsMessages extends PTransform<PCollection<SqsReceipt>, PDone> {
  static final int FORGET_LANDED_MINUTES = 10;

  /** SQS's limit of entries per batch call. */
  private static final int BATCH = 10;

  abstract @Nullable PCollection<Envelope> landed();

  abstract @Nullable URI endpoint();

  abstract Duration visibilityTimeout();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setLanded(@Nullable PCollection<Envelope> landed);

    abstract Builder setEndpoint(@Nullable URI endpoint);

    abstract Builder setVisibilityTimeout(Duration visibilityTimeout);

    abstract DeleteLandedSqsMessages build();
  }

  /**
   * Defaults: AWS's endpoint of the region, a {@value ReadSqsMessages#DEFAULT_VISIBILITY_SECONDS} s
   * visibility timeout.
   */
  public static DeleteLandedSqsMessages create() {
    return new AutoValue_DeleteLandedSqsMessages.Builder()
        .setVisibilityTimeout(Duration.standardSeconds(ReadSqsMessages.DEFAULT_VISIBILITY_SECONDS))
        .build();
  }

  /** The messages read back from final landing files. */
  public DeleteLandedSqsMessages whenLanded(PCollection<Envelope> landedMessages) {
    return toBuilder().setLanded(checkArgumentNotNull(landedMessages, "landed messages")).build();
  }

  /** An SQS endpoint other than AWS's for the region (ElasticMQ, a VPC endpoint). */
  public DeleteLandedSqsMessages withEndpoint(URI uri) {
    return toBuilder().setEndpoint(checkArgumentNotNull(uri, "endpoint")).build();
  }

  /**
   * How long each extension hides a message for (whole seconds, 4 s to 12 h); the read should ask
   * for the same at its receive.
   */
  public DeleteLandedSqsMessages withVisibilityTimeout(Duration timeout) {
    ReadSqsMessages.checkVisibilityTimeout(timeout);
    return toBuilder().setVisibilityTimeout(timeout).build();
  }

  @Override
  public PDone expand(PCollection<SqsReceipt> receipts) {
    PCollection<Envelope> landedMessages =
        checkArgumentNotNull(landed(), "DeleteLandedSqsMessages needs whenLanded(...)");
    ClientConfiguration.Builder client = ClientConfiguration.builder();
    URI endpoint = endpoint();
    if (endpoint != null) {
      client.endpoint(endpoint);
    }
    KvCoder<String, Marks> coder = KvCoder.of(StringUtf8Coder.of(), Marks.MarksCoder.of());
    PCollection<KV<String, Marks>> read =
        receipts.apply("MarkRead", ParDo.of(new MarkReadFn())).setCoder(coder);
    PCollection<KV<String, Marks>> landedMarks =
        landedMessages.apply("MarkLanded", ParDo.of(new MarkLandedFn())).setCoder(coder);
    PCollection<KV<String, Marks>> marks =
        PCollectionList.of(read).and(landedMarks).apply("ReadAndLanded", Flatten.pCollections());
    // The Spark runner refuses timers in batch: a bounded read gets the step without them.
    if (receipts.isBounded() == PCollection.IsBounded.BOUNDED
        && landedMessages.isBounded() == PCollection.IsBounded.BOUNDED) {
      marks.apply(
          "DeleteLanded", ParDo.of(new DeleteLandedFn(client.build(), visibilityTimeout())));
    } else {
      marks.apply(
          "HideAndDeleteLanded",
          ParDo.of(new HideAndDeleteLandedFn(client.build(), visibilityTimeout())));
    }
    return PDone.in(receipts.getPipeline());
  }

  /**
   * What one bundle saw of one queue: deliveries read, or ids of messages landed (one of the two is
   * empty).
   */
  record Marks(List<SqsReceipt> read, List<String> landed) {
    /** The two lists in turn. */
    static final class MarksCoder extends AtomicCoder<Marks> {
      private static final Coder<List<SqsReceipt>> READ =
          ListCoder.of(SqsReceipt.ReceiptCoder.of());
      private static final Coder<List<String>> LANDED = ListCoder.of(StringUtf8Coder.of());
      private static final MarksCoder INSTANCE = new MarksCoder();

      static MarksCoder of() {
        return INSTANCE;
      }

      @Override
      public void encode(Marks value, OutputStream out) throws IOException {
        READ.encode(value.read(), out);
        LANDED.encode(value.landed(), out);
      }

      @Override
      public Marks decode(InputStream in) throws IOException {
        return new Marks(READ.decode(in), LANDED.decode(in));
      }
    }
  }

  /**
   * Collects a bundle's marks per queue, emitted when the bundle finishes (both inputs are in the
   * global window), at the bundle's earliest timestamp.
   */
  private abstract static class MarkFn<T> extends DoFn<T, KV<String, Marks>> {
    private transient Map<String, List<Object>> byQueue;
    private transient @Nullable Instant earliest;
    private transient @Nullable BoundedWindow window;

    @StartBundle
    public void startBundle() {
      byQueue = new HashMap<>();
      earliest = null;
      window = null;
    }

    void add(String queue, Object mark, Instant timestamp, BoundedWindow elementWindow) {
      byQueue.computeIfAbsent(queue, q -> new ArrayList<>()).add(mark);
      if (earliest == null || timestamp.isBefore(earliest)) {
        earliest = timestamp;
      }
      window = elementWindow;
    }

    abstract Marks marks(List<Object> collected);

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      if (byQueue.isEmpty() || earliest == null || window == null) {
        return;
      }
      byQueue.forEach(
          (queue, collected) -> context.output(KV.of(queue, marks(collected)), earliest, window));
    }
  }

  /** The deliveries a bundle read, per queue. */
  static final class MarkReadFn extends MarkFn<SqsReceipt> {
    @ProcessElement
    public void processElement(
        @Element SqsReceipt receipt, @Timestamp Instant timestamp, BoundedWindow window) {
      add(receipt.queueUrl(), receipt, timestamp, window);
    }

    @Override
    Marks marks(List<Object> collected) {
      List<SqsReceipt> read = new ArrayList<>(collected.size());
      collected.forEach(r -> read.add((SqsReceipt) r));
      return new Marks(read, List.of());
    }
  }

  /** The SQS message ids a bundle found in final landing files, per queue. */
  static final class MarkLandedFn extends MarkFn<Envelope> {
    @ProcessElement
    public void processElement(
        @Element Envelope message, @Timestamp Instant timestamp, BoundedWindow window) {
      if (message.sourceKind() == SourceKind.SQS) {
        add(message.source(), message.offset(), timestamp, window);
      }
    }

    @Override
    Marks marks(List<Object> collected) {
      List<String> ids = new ArrayList<>(collected.size());
      collected.forEach(id -> ids.add((String) id));
      return new Marks(List.of(), ids);
    }
  }

  /**
   * Per queue: the newest delivery of each message read and not yet deleted, and the messages
   * landed and not yet deleted. Shared by the bounded and the streaming step.
   */
  abstract static class TrackFn extends DoFn<KV<String, Marks>, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(TrackFn.class);
    private static final String STALE_HANDLE = "ReceiptHandleIsInvalid";

    private final ClientConfiguration clientConfiguration;
    final Duration visibilityTimeout;
    private transient @Nullable SqsClient client;

    TrackFn(ClientConfiguration clientConfiguration, Duration visibilityTimeout) {
      this.clientConfiguration = clientConfiguration;
      this.visibilityTimeout = visibilityTimeout;
    }

    /**
     * Message id to the newest delivery read and not yet deleted (Beam takes state declared in the
     * concrete DoFn only).
     */
    static StateSpec<MapState<String, SqsReceipt>> readSpec() {
      return StateSpecs.map(StringUtf8Coder.of(), SqsReceipt.ReceiptCoder.of());
    }

    /** Message id to when its landing was first seen, for messages landed and not yet deleted. */
    static StateSpec<MapState<String, Long>> landedSpec() {
      return StateSpecs.map(StringUtf8Coder.of(), VarLongCoder.of());
    }

    /**
     * The SQS client, made on first use: the Spark runner calls a timer on an instance whose
     * {@code @Setup} it has not run (as for {@link CommitLandedKafkaOffsets}).
     */
    SqsClient client(PipelineOptions options) {
      SqsClient sqs = client;
      if (sqs == null) {
        sqs =
            ClientBuilderFactory.buildClient(
                options.as(AwsOptions.class), SqsClient.builder(), clientConfiguration);
        client = sqs;
      }
      return sqs;
    }

    void closeClient() {
      if (client != null) {
        client.close();
        client = null;
      }
    }

    /** Takes in one bundle's marks and deletes every message that now has both. */
    void track(
        String queue,
        Marks marks,
        MapState<String, SqsReceipt> read,
        MapState<String, Long> landed,
        PipelineOptions options) {
      Set<String> deletable = new LinkedHashSet<>();
      for (SqsReceipt delivery : marks.read()) {
        SqsReceipt known = read.get(delivery.messageId()).read();
        if (known == null || delivery.receivedAt() >= known.receivedAt()) {
          read.put(delivery.messageId(), delivery);
          if (landed.get(delivery.messageId()).read() != null) {
            deletable.add(delivery.messageId()); // landed before this delivery reached us
          }
        }
      }
      long now = System.currentTimeMillis();
      for (String id : marks.landed()) {
        if (landed.get(id).read() == null) {
          landed.put(id, now);
        }
        deletable.add(id);
      }
      deleteLanded(queue, deletable, read, landed, options);
    }

    /**
     * Deletes those of {@code ids} whose delivery is known; a delete refused for a stale handle
     * waits for the newer delivery, any other failure for the next try.
     */
    void deleteLanded(
        String queue,
        Collection<String> ids,
        MapState<String, SqsReceipt> read,
        MapState<String, Long> landed,
        PipelineOptions options) {
      List<SqsReceipt> known = new ArrayList<>();
      for (String id : ids) {
        SqsReceipt delivery = read.get(id).read();
        if (delivery != null) {
          known.add(delivery);
        }
      }
      long deleted = 0;
      for (int from = 0; from < known.size(); from += BATCH) {
        List<SqsReceipt> batch = known.subList(from, Math.min(known.size(), from + BATCH));
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
          entries.add(
              DeleteMessageBatchRequestEntry.builder()
                  .id(Integer.toString(i))
                  .receiptHandle(batch.get(i).receiptHandle())
                  .build());
        }
        DeleteMessageBatchResponse response;
        try {
          response = client(options).deleteMessageBatch(b -> b.queueUrl(queue).entries(entries));
        } catch (SdkException e) {
          LOG.warn(
              "zonestream: deleting {} landed messages of {} failed: {}", batch.size(), queue, e);
          continue;
        }
        for (var ok : response.successful()) {
          String id = batch.get(Integer.parseInt(ok.id())).messageId();
          read.remove(id);
          landed.remove(id);
          deleted++;
        }
        for (BatchResultErrorEntry failed : response.failed()) {
          if (STALE_HANDLE.equals(failed.code())) {
            forget(read, batch.get(Integer.parseInt(failed.id())));
          } else {
            LOG.warn("zonestream: SQS did not delete a landed message of {}: {}", queue, failed);
          }
        }
      }
      Metrics.counter(MetricNames.SQS_DELETED, queueName(queue)).inc(deleted);
    }

    /**
     * Retries the deletes of landed messages, extends the deliveries with less than half of the
     * visibility timeout left and forgets landings whose delivery never came. Returns whether
     * anything is left to watch.
     */
    boolean tend(
        String queue,
        MapState<String, SqsReceipt> read,
        MapState<String, Long> landed,
        PipelineOptions options) {
      long now = System.currentTimeMillis();
      List<String> landedIds = new ArrayList<>();
      long forgetBefore = now - Duration.standardMinutes(FORGET_LANDED_MINUTES).getMillis();
      List<String> forgotten = new ArrayList<>();
      for (Map.Entry<String, Long> landing : landed.entries().read()) {
        if (read.get(landing.getKey()).read() != null) {
          landedIds.add(landing.getKey());
        } else if (landing.getValue() < forgetBefore) {
          forgotten.add(landing.getKey());
        }
      }
      forgotten.forEach(landed::remove);
      deleteLanded(queue, landedIds, read, landed, options);

      List<SqsReceipt> deliveries = new ArrayList<>();
      read.values().read().forEach(deliveries::add);
      extendDue(queue, deliveries, read, options);
      return !read.isEmpty().read() || !landed.isEmpty().read();
    }

    /**
     * Drops {@code delivery} unless a newer delivery of its message has replaced it meanwhile (that
     * one's handle is the one that counts).
     */
    private static void forget(MapState<String, SqsReceipt> read, SqsReceipt delivery) {
      SqsReceipt current = read.get(delivery.messageId()).read();
      if (current != null && current.receiptHandle().equals(delivery.receiptHandle())) {
        read.remove(delivery.messageId());
      }
    }

    /**
     * Extends those of {@code deliveries} that are still the newest of their message, not yet
     * deleted, and have less than half of the visibility timeout left.
     */
    void extendDue(
        String queue,
        Collection<SqsReceipt> deliveries,
        MapState<String, SqsReceipt> read,
        PipelineOptions options) {
      long now = System.currentTimeMillis();
      long margin = visibilityTimeout.getMillis() / 2;
      List<SqsReceipt> due = new ArrayList<>();
      for (SqsReceipt delivery : deliveries) {
        SqsReceipt current = read.get(delivery.messageId()).read();
        if (current != null
            && current.receiptHandle().equals(delivery.receiptHandle())
            && current.hiddenUntil() - now < margin) {
          due.add(current);
        }
      }
      extend(queue, due, read, options);
    }

    private void extend(
        String queue,
        List<SqsReceipt> due,
        MapState<String, SqsReceipt> read,
        PipelineOptions options) {
      int seconds = (int) visibilityTimeout.getStandardSeconds();
      long extended = 0;
      long lapsed = 0;
      for (int from = 0; from < due.size(); from += BATCH) {
        List<SqsReceipt> batch = due.subList(from, Math.min(due.size(), from + BATCH));
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
          entries.add(
              ChangeMessageVisibilityBatchRequestEntry.builder()
                  .id(Integer.toString(i))
                  .receiptHandle(batch.get(i).receiptHandle())
                  .visibilityTimeout(seconds)
                  .build());
        }
        long asked = System.currentTimeMillis();
        ChangeMessageVisibilityBatchResponse response;
        try {
          response =
              client(options).changeMessageVisibilityBatch(b -> b.queueUrl(queue).entries(entries));
        } catch (SdkException e) {
          LOG.warn(
              "zonestream: hiding {} messages of {} longer failed: {}", batch.size(), queue, e);
          continue;
        }
        for (var ok : response.successful()) {
          SqsReceipt delivery = batch.get(Integer.parseInt(ok.id()));
          read.put(
              delivery.messageId(), delivery.hiddenUntil(asked + visibilityTimeout.getMillis()));
          extended++;
        }
        for (BatchResultErrorEntry failed : response.failed()) {
          // Not in flight under this handle any more (its visibility lapsed, SQS's 12 hours are
          // up): SQS delivers it again, with the handle to delete it by.
          forget(read, batch.get(Integer.parseInt(failed.id())));
          lapsed++;
        }
      }
      Metrics.counter(MetricNames.SQS_EXTENDED, queueName(queue)).inc(extended);
      Metrics.counter(MetricNames.SQS_LAPSED, queueName(queue)).inc(lapsed);
    }

    private static String queueName(String queueUrl) {
      return queueUrl.substring(queueUrl.lastIndexOf('/') + 1);
    }
  }

  /** A bounded read's step: deletes what has landed by the end of the job; no timers. */
  static final class DeleteLandedFn extends TrackFn {
    @StateId("read")
    private final StateSpec<MapState<String, SqsReceipt>> readSpec = readSpec();

    @StateId("landed")
    private final StateSpec<MapState<String, Long>> landedSpec = landedSpec();

    DeleteLandedFn(ClientConfiguration clientConfiguration, Duration visibilityTimeout) {
      super(clientConfiguration, visibilityTimeout);
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, Marks> marks,
        @StateId("read") MapState<String, SqsReceipt> read,
        @StateId("landed") MapState<String, Long> landed,
        PipelineOptions options) {
      track(marks.getKey(), marks.getValue(), read, landed, options);
    }

    @Teardown
    public void teardown() {
      closeClient();
    }
  }

  /**
   * A stream's step: deletes as landings arrive and, every quarter of the visibility timeout, keeps
   * the deliveries not yet landed hidden.
   */
  static final class HideAndDeleteLandedFn extends TrackFn {
    @StateId("read")
    private final StateSpec<MapState<String, SqsReceipt>> readSpec = readSpec();

    @StateId("landed")
    private final StateSpec<MapState<String, Long>> landedSpec = landedSpec();

    @TimerId("tend")
    private final TimerSpec tendSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    HideAndDeleteLandedFn(ClientConfiguration clientConfiguration, Duration visibilityTimeout) {
      super(clientConfiguration, visibilityTimeout);
    }

    private Duration period() {
      return Duration.millis(Math.max(1_000, visibilityTimeout.getMillis() / 4));
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, Marks> marks,
        @StateId("read") MapState<String, SqsReceipt> read,
        @StateId("landed") MapState<String, Long> landed,
        @TimerId("tend") Timer tend,
        PipelineOptions options) {
      track(marks.getKey(), marks.getValue(), read, landed, options);
      // A delivery that reached this step late is extended now rather than at the next wake-up.
      extendDue(marks.getKey(), marks.getValue().read(), read, options);
      // Aligned: the same instant however often it is set, so a steady stream cannot postpone it.
      tend.align(period()).setRelative();
    }

    @OnTimer("tend")
    public void onTend(
        @Key String queue,
        @StateId("read") MapState<String, SqsReceipt> read,
        @StateId("landed") MapState<String, Long> landed,
        @TimerId("tend") Timer tend,
        PipelineOptions options) {
      if (tend(queue, read, landed, options)) {
        tend.offset(period()).setRelative();
      }
    }

    @Teardown
    public void teardown() {
      closeClient();
    }
  }
}
