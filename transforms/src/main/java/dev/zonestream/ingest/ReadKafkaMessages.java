package dev.zonestream.ingest;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.SourceKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
 * <p><b>Routing.</b> Topics are mapped to datasets by name or by a dataset's topic pattern; with a
 * further topic pattern, a matching topic that is not mapped lands under {@link
 * Dataset#UNROUTED_FOLDER}.
 *
 * <p><b>Security.</b> TLS and SASL settings come as consumer properties; the secret ones
 * (passwords, the JAAS configuration) are given to the consumer only and never appear in the read's
 * display data.
 *
 * <p><b>Failures.</b> Connection problems are retried by the Kafka client; a payload that is not
 * JSON is still emitted (landing keeps it).
 */
@AutoValue
public abstract class ReadKafkaMessages extends PTransform<PBegin, PCollection<Envelope>> {

  /** Where a consumer without committed offsets starts. */
  public enum StartPosition {
    EARLIEST,
    LATEST
  }

  abstract @Nullable String bootstrapServers();

  abstract Map<String, String> topics();

  abstract Map<String, String> topicPatternRoutes();

  abstract @Nullable String topicPattern();

  abstract @Nullable String consumerGroup();

  abstract StartPosition startPosition();

  abstract KafkaClientProperties consumerProperties();

  abstract Duration maxBrokerDelay();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setBootstrapServers(String servers);

    abstract Builder setTopics(Map<String, String> topics);

    abstract Builder setTopicPatternRoutes(Map<String, String> routes);

    abstract Builder setTopicPattern(String regex);

    abstract Builder setConsumerGroup(String groupId);

    abstract Builder setStartPosition(StartPosition position);

    abstract Builder setConsumerProperties(KafkaClientProperties properties);

    abstract Builder setMaxBrokerDelay(Duration delay);

    abstract ReadKafkaMessages build();
  }

  /**
   * Defaults: the STEDI topics ({@code stedi.customer}, {@code stedi.accelerometer}, {@code
   * stedi.step_trainer}), no consumer group, earliest, 5 s max broker delay.
   */
  public static ReadKafkaMessages create() {
    Map<String, String> stedi = new LinkedHashMap<>();
    for (Dataset dataset : Dataset.values()) {
      stedi.put("stedi." + dataset.folder(), dataset.folder());
    }
    return new AutoValue_ReadKafkaMessages.Builder()
        .setTopics(stedi)
        .setTopicPatternRoutes(Map.of())
        .setStartPosition(StartPosition.EARLIEST)
        .setConsumerProperties(KafkaClientProperties.none())
        .setMaxBrokerDelay(Duration.standardSeconds(5))
        .build();
  }

  /** {@code host:port[,host:port]} of the brokers. */
  public ReadKafkaMessages withBootstrapServers(String servers) {
    if (servers == null || servers.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers must not be empty");
    }
    return toBuilder().setBootstrapServers(servers).build();
  }

  /** Topic name to dataset name; replaces the defaults. */
  public ReadKafkaMessages withTopics(Map<String, String> topicToDataset) {
    if (topicToDataset == null) {
      throw new IllegalArgumentException("topics must not be null");
    }
    return toBuilder().setTopics(Map.copyOf(topicToDataset)).build();
  }

  /**
   * Topic pattern (a regular expression) to dataset name: every topic matching one is read too and
   * routed to its dataset, the first matching pattern in the map's order (after the named topics).
   */
  public ReadKafkaMessages withTopicPatternRoutes(Map<String, String> patternToDataset) {
    checkArgumentNotNull(patternToDataset, "topic pattern routes");
    patternToDataset.keySet().forEach(Pattern::compile); // fails early on a bad expression
    return toBuilder().setTopicPatternRoutes(new LinkedHashMap<>(patternToDataset)).build();
  }

  /**
   * Subscribe to every topic matching this regular expression instead of the mapped topics only;
   * matching topics that are not mapped land under {@code _unrouted}.
   */
  public ReadKafkaMessages withTopicPattern(String regex) {
    Pattern.compile(regex); // fails early on a bad expression
    return toBuilder().setTopicPattern(regex).build();
  }

  /**
   * The consumer group: the read starts after its committed offsets ({@link
   * CommitLandedKafkaOffsets} commits them).
   */
  public ReadKafkaMessages withConsumerGroup(String groupId) {
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("consumer group must not be empty");
    }
    return toBuilder().setConsumerGroup(groupId).build();
  }

  /** Where to start when the group has no committed offset. */
  public ReadKafkaMessages withStartPosition(StartPosition position) {
    checkArgumentNotNull(position, "start position");
    return toBuilder().setStartPosition(position).build();
  }

  /** Extra consumer properties, for example TLS or SASL settings. */
  public ReadKafkaMessages withConsumerProperties(Map<String, ?> properties) {
    return withConsumerProperties(KafkaClientProperties.of(properties));
  }

  /**
   * Extra consumer properties, for example TLS or SASL settings. The secret ones (see {@link
   * KafkaClientProperties}) reach the consumer through its factory rather than KafkaIO's consumer
   * configuration, which KafkaIO publishes as the read's display data.
   */
  public ReadKafkaMessages withConsumerProperties(KafkaClientProperties properties) {
    checkArgumentNotNull(properties, "consumer properties");
    return toBuilder().setConsumerProperties(properties).build();
  }

  /** How far behind the newest broker timestamp a partition's watermark is held. */
  public ReadKafkaMessages withMaxBrokerDelay(Duration delay) {
    if (delay == null || delay.getMillis() < 0) {
      throw new IllegalArgumentException("max broker delay must not be negative, got " + delay);
    }
    return toBuilder().setMaxBrokerDelay(delay).build();
  }

  @Override
  public PCollection<Envelope> expand(PBegin input) {
    String servers =
        checkArgumentNotNull(bootstrapServers(), "ReadKafkaMessages needs withBootstrapServers");
    Map<String, Object> config = new HashMap<>(consumerProperties().plain());
    config.put(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        startPosition().name().toLowerCase(java.util.Locale.ROOT));
    if (consumerGroup() != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, consumerGroup());
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    }
    KafkaIO.Read<byte[], byte[]> read =
        KafkaIO.readBytes()
            .withBootstrapServers(servers)
            .withConsumerConfigUpdates(config)
            .withTimestampPolicyFactory(BrokerTimestampPolicy.factory(maxBrokerDelay()));
    if (!consumerProperties().secrets().isEmpty()) {
      read = read.withConsumerFactoryFn(new CreateConsumerWithSecretsFn(consumerProperties()));
    }
    if (topicPattern() == null && topicPatternRoutes().isEmpty()) {
      if (topics().isEmpty()) {
        throw new IllegalArgumentException("at least one topic or topic pattern is needed");
      }
      read = read.withTopics(new ArrayList<>(topics().keySet()));
    } else {
      // One subscription: the named topics, the datasets' patterns and the pattern of further
      // topics, each matched whole.
      List<String> alternatives = new ArrayList<>();
      topics().keySet().forEach(topic -> alternatives.add(Pattern.quote(topic)));
      alternatives.addAll(topicPatternRoutes().keySet());
      if (topicPattern() != null) {
        alternatives.add(topicPattern());
      }
      read =
          read.withTopicPattern(
              alternatives.stream().map(p -> "(?:" + p + ")").collect(Collectors.joining("|")));
    }
    return input
        .apply("ReadKafka", read)
        .apply(
            "ToEnvelopes",
            ParDo.of(new ToEnvelopeFn(new HashMap<>(topics()), topicPatternRoutes())));
  }

  /**
   * Creates KafkaIO's consumers (the reader's and its offset consumer) with the secret settings
   * added to the configuration KafkaIO gives.
   */
  static final class CreateConsumerWithSecretsFn
      implements SerializableFunction<Map<String, Object>, Consumer<byte[], byte[]>> {
    private final KafkaClientProperties properties;

    CreateConsumerWithSecretsFn(KafkaClientProperties properties) {
      this.properties = properties;
    }

    @Override
    public Consumer<byte[], byte[]> apply(Map<String, Object> config) {
      Map<String, Object> withSecrets = new HashMap<>(config);
      withSecrets.putAll(properties.secrets());
      return new KafkaConsumer<>(withSecrets);
    }
  }

  /** Wraps a Kafka record into an envelope, routed by topic. */
  static final class ToEnvelopeFn extends DoFn<KafkaRecord<byte[], byte[]>, Envelope> {
    private static final byte[] NO_VALUE = new byte[0];
    private final Map<String, String> routes;
    private final Map<String, String> patternRoutes;
    private transient @Nullable Map<String, String> routed;
    private transient @Nullable List<KV<Pattern, String>> patterns;

    ToEnvelopeFn(Map<String, String> routes, Map<String, String> patternRoutes) {
      this.routes = routes;
      this.patternRoutes = new LinkedHashMap<>(patternRoutes);
    }

    @Setup
    public void setup() {
      routed = new HashMap<>(routes);
      List<KV<Pattern, String>> compiled = new ArrayList<>();
      patternRoutes.forEach(
          (regex, dataset) -> compiled.add(KV.of(Pattern.compile(regex), dataset)));
      patterns = compiled;
    }

    /** The topic's dataset: named, else the first pattern it matches, else unrouted. */
    private String datasetOf(String topic) {
      Map<String, String> known = checkArgumentNotNull(routed);
      String dataset = known.get(topic);
      if (dataset == null) {
        dataset = Dataset.UNROUTED_FOLDER;
        for (KV<Pattern, String> route : checkArgumentNotNull(patterns)) {
          if (route.getKey().matcher(topic).matches()) {
            dataset = route.getValue();
            break;
          }
        }
        known.put(topic, dataset); // a job reads a handful of topics: remember each decision
      }
      return dataset;
    }

    @ProcessElement
    public void processElement(
        @Element KafkaRecord<byte[], byte[]> record, OutputReceiver<Envelope> out) {
      byte[] value = record.getKV().getValue();
      String dataset = datasetOf(record.getTopic());
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
