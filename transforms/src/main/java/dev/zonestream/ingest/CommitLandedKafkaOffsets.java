package dev.zonestream.ingest;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.SourceKind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a Kafka consumer group's offsets only past messages whose landing file is final, the way
 * a Kafka Connect S3 sink commits only what it has uploaded. Applied to the messages as read (the
 * output of {@link ReadKafkaMessages}) with {@link #whenLanded} the same messages as read back from
 * final landing files; any other source's messages pass through unseen.
 *
 * <p><b>How.</b> Every bundle of read messages sends, per topic-partition, the ranges of offsets it
 * read; every bundle of landed messages the ranges it found in final files. A stateful step keyed
 * by topic-partition keeps the offsets read but not yet landed, and every {@link
 * #withCommitInterval commit interval} commits the lowest of them (or, when all have landed, the
 * offset after the highest read), so the committed offset never passes a message that is not in a
 * final file. Offsets the broker never handed out (transaction markers, compacted records) are
 * never read, so they hold nothing back.
 *
 * <p><b>Delivery.</b> A new job (or a job restarted after a crash, on any runner) resumes after the
 * committed offsets: it loses nothing, and re-reads at most the messages landed in the last commit
 * interval, which land again under the new job's run id and which the trusted zone's de-duplication
 * removes. The read marks of a partition travel one step from the reader while its landed marks
 * wait for a window to close and a file to be written, so a read mark reaches the tracker long
 * before any later offset of its partition is landed; should one ever arrive behind the committed
 * offset, the counter {@link MetricNames#COMMIT_BEHIND} counts it.
 *
 * <p><b>Failures.</b> A failed commit is logged by the Kafka client and retried at the next
 * interval; it never stops the job. Counters: {@link MetricNames#COMMITTED} (offsets committed, per
 * topic).
 */
@AutoValue
public abstract class CommitLandedKafkaOffsets extends PTransform<PCollection<Envelope>, PDone> {
  abstract @Nullable PCollection<Envelope> landed();

  abstract @Nullable String bootstrapServers();

  abstract @Nullable String consumerGroup();

  abstract KafkaClientProperties consumerProperties();

  abstract Duration commitInterval();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setLanded(@Nullable PCollection<Envelope> landed);

    abstract Builder setBootstrapServers(@Nullable String bootstrapServers);

    abstract Builder setConsumerGroup(@Nullable String consumerGroup);

    abstract Builder setConsumerProperties(KafkaClientProperties consumerProperties);

    abstract Builder setCommitInterval(Duration commitInterval);

    abstract CommitLandedKafkaOffsets build();
  }

  /** Defaults: commits every 2 s. */
  public static CommitLandedKafkaOffsets create() {
    return new AutoValue_CommitLandedKafkaOffsets.Builder()
        .setConsumerProperties(KafkaClientProperties.none())
        .setCommitInterval(Duration.standardSeconds(2))
        .build();
  }

  /** The messages read back from final landing files. */
  public CommitLandedKafkaOffsets whenLanded(PCollection<Envelope> landedMessages) {
    return toBuilder().setLanded(checkArgumentNotNull(landedMessages, "landed messages")).build();
  }

  /** The brokers and the group whose offsets are committed, as the read uses them. */
  public CommitLandedKafkaOffsets forGroup(
      String servers, String group, KafkaClientProperties properties) {
    if (servers == null || servers.isBlank() || group == null || group.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers and consumer group are needed");
    }
    return toBuilder()
        .setBootstrapServers(servers)
        .setConsumerGroup(group)
        .setConsumerProperties(checkArgumentNotNull(properties, "consumer properties"))
        .build();
  }

  /** How often each partition's committed offset is advanced (at most). */
  public CommitLandedKafkaOffsets withCommitInterval(Duration interval) {
    if (interval == null || interval.getMillis() <= 0) {
      throw new IllegalArgumentException("commit interval must be positive, got " + interval);
    }
    return toBuilder().setCommitInterval(interval).build();
  }

  @Override
  public PDone expand(PCollection<Envelope> read) {
    PCollection<Envelope> landedMessages =
        checkArgumentNotNull(landed(), "CommitLandedKafkaOffsets needs whenLanded(...)");
    String servers =
        checkArgumentNotNull(bootstrapServers(), "CommitLandedKafkaOffsets needs forGroup");
    String group = checkArgumentNotNull(consumerGroup(), "CommitLandedKafkaOffsets needs forGroup");
    KvCoder<String, KV<Boolean, List<Long>>> marks =
        KvCoder.of(
            StringUtf8Coder.of(), KvCoder.of(BooleanCoder.of(), ListCoder.of(VarLongCoder.of())));
    PCollection<KV<String, KV<Boolean, List<Long>>>> readMarks =
        read.apply("MarkRead", ParDo.of(new MarkOffsetsFn(false))).setCoder(marks);
    PCollection<KV<String, KV<Boolean, List<Long>>>> landedMarks =
        landedMessages.apply("MarkLanded", ParDo.of(new MarkOffsetsFn(true))).setCoder(marks);
    PCollectionList.of(readMarks)
        .and(landedMarks)
        .apply("ReadAndLanded", Flatten.pCollections())
        .apply(
            "CommitLanded",
            ParDo.of(new CommitFn(servers, group, consumerProperties(), commitInterval())));
    return PDone.in(read.getPipeline());
  }

  /**
   * Collects a bundle's Kafka offsets per {@code topic/partition} as ranges (flat list {@code [s0,
   * e0, s1, e1, ...]}), flagged read or landed; emitted when the bundle finishes.
   */
  static final class MarkOffsetsFn extends DoFn<Envelope, KV<String, KV<Boolean, List<Long>>>> {
    private final boolean landed;
    private transient Map<String, OffsetRanges> offsets;
    private transient @Nullable Instant earliest;
    private transient @Nullable BoundedWindow window;

    MarkOffsetsFn(boolean landed) {
      this.landed = landed;
    }

    @StartBundle
    public void startBundle() {
      offsets = new HashMap<>();
      earliest = null;
      window = null;
    }

    @ProcessElement
    public void processElement(
        @Element Envelope message, @Timestamp Instant timestamp, BoundedWindow elementWindow) {
      if (message.sourceKind() != SourceKind.KAFKA || message.partition() == null) {
        return;
      }
      long offset;
      try {
        offset = Long.parseLong(message.offset());
      } catch (NumberFormatException e) {
        return; // not an offset this reader wrote; nothing to commit for it
      }
      offsets
          .computeIfAbsent(message.source() + "/" + message.partition(), k -> new OffsetRanges())
          .add(offset);
      if (earliest == null || timestamp.isBefore(earliest)) {
        earliest = timestamp;
      }
      window = elementWindow; // both inputs are in the global window
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      if (offsets.isEmpty() || earliest == null || window == null) {
        return;
      }
      for (Map.Entry<String, OffsetRanges> partition : offsets.entrySet()) {
        context.output(
            KV.of(partition.getKey(), KV.of(landed, partition.getValue().toList())),
            earliest,
            window);
      }
    }
  }

  /** Per topic-partition: offsets read but not landed, and the committed offset. */
  static final class CommitFn extends DoFn<KV<String, KV<Boolean, List<Long>>>, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(CommitFn.class);
    private final String servers;
    private final String group;
    private final KafkaClientProperties properties;
    private final Duration interval;
    private transient @Nullable KafkaConsumer<byte[], byte[]> committer;

    @StateId("pending")
    private final StateSpec<ValueState<List<Long>>> pendingSpec =
        StateSpecs.value(ListCoder.of(VarLongCoder.of()));

    @StateId("landedFirst")
    private final StateSpec<ValueState<List<Long>>> landedFirstSpec =
        StateSpecs.value(ListCoder.of(VarLongCoder.of()));

    @StateId("nextToRead")
    private final StateSpec<ValueState<Long>> nextToReadSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("firstRead")
    private final StateSpec<ValueState<Long>> firstReadSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("committed")
    private final StateSpec<ValueState<Long>> committedSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("commit")
    private final TimerSpec commitSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    CommitFn(String servers, String group, KafkaClientProperties properties, Duration interval) {
      this.servers = servers;
      this.group = group;
      this.properties = properties;
      this.interval = interval;
    }

    @Setup
    public void setup() {
      committer();
    }

    /**
     * The committing consumer, made on first use: the Spark runner calls a timer of this DoFn on an
     * instance whose {@code @Setup} it has not run (seen: a null committer at the first commit).
     */
    private KafkaConsumer<byte[], byte[]> committer() {
      KafkaConsumer<byte[], byte[]> consumer = committer;
      if (consumer == null) {
        Map<String, Object> config = new HashMap<>(properties.all());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer =
            new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        committer = consumer;
      }
      return consumer;
    }

    @Teardown
    public void teardown() {
      if (committer != null) {
        committer.close(java.time.Duration.ofSeconds(5));
        committer = null;
      }
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, KV<Boolean, List<Long>>> mark,
        @StateId("pending") ValueState<List<Long>> pendingState,
        @StateId("landedFirst") ValueState<List<Long>> landedFirstState,
        @StateId("nextToRead") ValueState<Long> nextToReadState,
        @StateId("firstRead") ValueState<Long> firstReadState,
        @StateId("committed") ValueState<Long> committedState,
        @TimerId("commit") Timer commit) {
      OffsetRanges pending = ranges(pendingState.read());
      OffsetRanges landedFirst = ranges(landedFirstState.read());
      OffsetRanges marked = OffsetRanges.fromList(mark.getValue().getValue());
      Long committed = committedState.read();
      if (marked.isEmpty()) {
        return;
      }
      if (Boolean.TRUE.equals(mark.getValue().getKey())) {
        OffsetRanges wasPending = pending.removeAll(marked);
        // Landed before its read mark arrived (or landed again): kept until its read mark comes.
        landedFirst.addAll(marked.minus(wasPending));
      } else {
        if (committed != null && marked.first() < committed) {
          Metrics.counter(MetricNames.COMMIT_BEHIND, topicOf(mark.getKey())).inc();
        }
        OffsetRanges alreadyLanded = landedFirst.removeAll(marked);
        pending.addAll(marked.minus(alreadyLanded));
        Long firstRead = firstReadState.read();
        if (firstRead == null || marked.first() < firstRead) {
          firstReadState.write(marked.first());
        }
        Long next = nextToReadState.read();
        nextToReadState.write(Math.max(next == null ? 0 : next, marked.last() + 1));
      }
      if (committed != null) {
        landedFirst.removeBelow(committed);
      }
      pendingState.write(pending.toList());
      landedFirstState.write(landedFirst.toList());
      commit.align(interval).setRelative(); // the same instant however often it is set
    }

    @OnTimer("commit")
    public void onCommit(
        @Key String topicPartition,
        @StateId("pending") ValueState<List<Long>> pendingState,
        @StateId("nextToRead") ValueState<Long> nextToReadState,
        @StateId("firstRead") ValueState<Long> firstReadState,
        @StateId("committed") ValueState<Long> committedState,
        @TimerId("commit") Timer commit) {
      Long next = nextToReadState.read();
      if (next == null) {
        return; // nothing read yet: nothing to commit
      }
      OffsetRanges pending = ranges(pendingState.read());
      long safe = pending.isEmpty() ? next : pending.first();
      Long committed = committedState.read();
      if (committed != null && safe <= committed) {
        return;
      }
      int slash = topicPartition.lastIndexOf('/');
      TopicPartition partition =
          new TopicPartition(
              topicPartition.substring(0, slash),
              Integer.parseInt(topicPartition.substring(slash + 1)));
      try {
        committer().commitSync(Map.of(partition, new OffsetAndMetadata(safe)));
      } catch (KafkaException e) {
        LOG.warn("zonestream: committing {} to offset {} failed, retrying: {}", partition, safe, e);
        commit.offset(interval).setRelative();
        return;
      }
      Long firstRead = firstReadState.read();
      long from = committed != null ? committed : firstRead != null ? firstRead : safe;
      Metrics.counter(MetricNames.COMMITTED, partition.topic()).inc(safe - from);
      committedState.write(safe);
    }

    private static OffsetRanges ranges(@Nullable List<Long> flat) {
      return flat == null ? new OffsetRanges() : OffsetRanges.fromList(flat);
    }

    private static String topicOf(String topicPartition) {
      return topicPartition.substring(0, topicPartition.lastIndexOf('/'));
    }
  }
}
