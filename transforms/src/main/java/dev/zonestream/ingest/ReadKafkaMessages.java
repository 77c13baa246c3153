package dev.zonestream.ingest;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import dev.zonestream.model.Dataset;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.SourceKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads messages from Kafka topics as {@link Envelope}s, each routed to its dataset by topic.
 *
 * <p><b>Boundedness.</b> Unbounded: a stream that runs until the pipeline is cancelled.
 *
 * <p><b>Timestamps and watermark.</b> Each message carries its broker timestamp (see {@link
 * BrokerTimestampPolicy}); windows downstream close even when a partition receives nothing.
 *
 * <p><b>Delivery.</b> This read commits no offsets itself: with a consumer group, {@link
 * CommitLandedKafkaOffsets} commits them once the messages are in final landing files, and a new
 * job resumes after the committed offsets (auto-commit is off). A runner restored from its own
 * checkpoint resumes from the checkpoint instead. The trusted zone removes duplicates.
 *
 * <p><b>Routing.</b> Topics are mapped to datasets; with a topic pattern, a matching topic that is
 * not mapped lands under {@link Dataset#UNROUTED_FOLDER}.
 *
 * <p><b>Failures.</b> Connection problems are retried by the Kafka client; a payload that is not
 * JSON is still emitted (landing keeps it).
 */
public final class ReadKafkaMessages extends PTransform<PBegin, PCollection<Envelope>> {

  /** Where a consumer without committed offsets starts. */
  public enum StartPosition {
    EARLIEST,
    LATEST
  }

  private final @Nullable String bootstrapServers;
  private final Map<String, Dataset> topics;
  private final @Nullable String topicPattern;
  private final @Nullable String consumerGroup;
  private final StartPosition startPosition;
  private final Map<String, Object> consumerProperties;
  private final Duration maxBrokerDelay;

  private ReadKafkaMessages(
      @Nullable String bootstrapServers,
      Map<String, Dataset> topics,
      @Nullable String topicPattern,
      @Nullable String consumerGroup,
      StartPosition startPosition,
      Map<String, Object> consumerProperties,
      Duration maxBrokerDelay) {
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.topicPattern = topicPattern;
    this.consumerGroup = consumerGroup;
    this.startPosition = startPosition;
    this.consumerProperties = consumerProperties;
    this.maxBrokerDelay = maxBrokerDelay;
  }

  /**
   * Defaults: the STEDI topics ({@code stedi.customer}, {@code stedi.accelerometer}, {@code
   * stedi.step_trainer}), no consumer group, earliest, 5 s max broker delay.
   */
  public static ReadKafkaMessages create() {
    Map<String, Dataset> stedi = new LinkedHashMap<>();
    for (Dataset dataset : Dataset.values()) {
      stedi.put("stedi." + dataset.folder(), dataset);
    }
    return new ReadKafkaMessages(
        null, stedi, null, null, StartPosition.EARLIEST, Map.of(), Duration.standardSeconds(5));
  }

  /** {@code host:port[,host:port]} of the brokers. */
  public ReadKafkaMessages withBootstrapServers(String servers) {
    if (servers == null || servers.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers must not be empty");
    }
    return new ReadKafkaMessages(
        servers,
        topics,
        topicPattern,
        consumerGroup,
        startPosition,
        consumerProperties,
        maxBrokerDelay);
  }

  /** Topic name to dataset; replaces the defaults. */
  public ReadKafkaMessages withTopics(Map<String, Dataset> topicToDataset) {
    if (topicToDataset == null || topicToDataset.isEmpty()) {
      throw new IllegalArgumentException("at least one topic is needed");
    }
    return new ReadKafkaMessages(
        bootstrapServers,
        Map.copyOf(topicToDataset),
        topicPattern,
        consumerGroup,
        startPosition,
        consumerProperties,
        maxBrokerDelay);
  }

  /**
   * Subscribe to every topic matching this regular expression instead of the mapped topics only;
   * matching topics that are not mapped land under {@code _unrouted}.
   */
  public ReadKafkaMessages withTopicPattern(String regex) {
    Pattern.compile(regex); // fails early on a bad expression
    return new ReadKafkaMessages(
        bootstrapServers,
        topics,
        regex,
        consumerGroup,
        startPosition,
        consumerProperties,
        maxBrokerDelay);
  }

  /**
   * The consumer group: the read starts after its committed offsets ({@link
   * CommitLandedKafkaOffsets} commits them).
   */
  public ReadKafkaMessages withConsumerGroup(String groupId) {
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("consumer group must not be empty");
    }
    return new ReadKafkaMessages(
        bootstrapServers,
        topics,
        topicPattern,
        groupId,
        startPosition,
        consumerProperties,
        maxBrokerDelay);
  }

  /** Where to start when the group has no committed offset. */
  public ReadKafkaMessages withStartPosition(StartPosition position) {
    checkArgumentNotNull(position, "start position");
    return new ReadKafkaMessages(
        bootstrapServers,
        topics,
        topicPattern,
        consumerGroup,
        position,
        consumerProperties,
        maxBrokerDelay);
  }

  /** Extra consumer properties, for example TLS or SASL settings. */
  public ReadKafkaMessages withConsumerProperties(Map<String, ?> properties) {
    return new ReadKafkaMessages(
        bootstrapServers,
        topics,
        topicPattern,
        consumerGroup,
        startPosition,
        Map.copyOf(properties),
        maxBrokerDelay);
  }

  /** How far behind the newest broker timestamp a partition's watermark is held. */
  public ReadKafkaMessages withMaxBrokerDelay(Duration delay) {
    if (delay == null || delay.getMillis() < 0) {
      throw new IllegalArgumentException("max broker delay must not be negative, got " + delay);
    }
    return new ReadKafkaMessages(
        bootstrapServers,
        topics,
        topicPattern,
        consumerGroup,
        startPosition,
        consumerProperties,
        delay);
  }

  @Override
  public PCollection<Envelope> expand(PBegin input) {
    String servers =
        checkArgumentNotNull(bootstrapServers, "ReadKafkaMessages needs withBootstrapServers");
    Map<String, Object> config = new HashMap<>(consumerProperties);
    config.put(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        startPosition.name().toLowerCase(java.util.Locale.ROOT));
    if (consumerGroup != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, consumerGroup);
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    }
    KafkaIO.Read<byte[], byte[]> read =
        KafkaIO.readBytes()
            .withBootstrapServers(servers)
            .withConsumerConfigUpdates(config)
            .withTimestampPolicyFactory(BrokerTimestampPolicy.factory(maxBrokerDelay));
    read =
        topicPattern != null
            ? read.withTopicPattern(topicPattern)
            : read.withTopics(new ArrayList<>(topics.keySet()));
    Map<String, String> routes = new HashMap<>();
    topics.forEach((topic, dataset) -> routes.put(topic, dataset.folder()));
    return input.apply("ReadKafka", read).apply("ToEnvelopes", ParDo.of(new ToEnvelopeFn(routes)));
  }

  /** Wraps a Kafka record into an envelope, routed by topic. */
  static final class ToEnvelopeFn extends DoFn<KafkaRecord<byte[], byte[]>, Envelope> {
    private static final byte[] NO_VALUE = new byte[0];
    private final Map<String, String> routes;

    ToEnvelopeFn(Map<String, String> routes) {
      this.routes = routes;
    }

    @ProcessElement
    public void processElement(
        @Element KafkaRecord<byte[], byte[]> record, OutputReceiver<Envelope> out) {
      byte[] value = record.getKV().getValue();
      String dataset = routes.getOrDefault(record.getTopic(), Dataset.UNROUTED_FOLDER);
      Metrics.counter(MetricNames.READ, dataset).inc();
      out.output(
          new Envelope(
              dataset,
              SourceKind.KAFKA,
              record.getTopic(),
              Integer.toString(record.getPartition()),
              Long.toString(record.getOffset()),
              record.getTimestamp(),
              Instant.now().getMillis(),
              value == null ? NO_VALUE : value,
              record.getKV().getKey()));
    }
  }
}
