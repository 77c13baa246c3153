package dev.zonestream.pipeline;

import static java.util.Objects.requireNonNull;

import dev.zonestream.ingest.KafkaClientProperties;
import dev.zonestream.ingest.ReadKafkaMessages.StartPosition;
import dev.zonestream.lake.TableFormat;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.Dataset;
import dev.zonestream.spec.DatasetRoutes;
import dev.zonestream.spec.LakeSpec;
import dev.zonestream.spec.LakeSpec.DatasetSpec;
import dev.zonestream.spec.SpecException;
import dev.zonestream.spec.SpecReader;
import dev.zonestream.trusted.WaitClock;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.beam.sdk.io.Compression;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The job's settings, validated once from {@link ZonestreamOptions}: every later stage takes typed
 * values from here, never the raw options. {@link #from} reads the lake spec and nothing else; what
 * needs the world (the input folder, the lake, the Kafka properties file) is {@link
 * Preflight#configure}'s.
 *
 * @param source what the job reads
 * @param input the folder a files source (or the embedded default) reads; null for the others
 * @param lake the lake's root, a local folder or a URI such as {@code s3://bucket/prefix}, without
 *     a trailing slash
 * @param brokers what holds for any broker (Kafka, Kinesis, SQS)
 * @param kafka where and how a Kafka source reads
 * @param aws where and how a Kinesis or SQS source reads
 * @param zones how the zones are written
 * @param demo the embedded default's generator and its run until settled
 * @param spec the lake spec: the datasets, where each comes from, their schemas and rules ({@code
 *     --spec}, or the STEDI spec the project ships)
 */
public record JobConfig(
    SourceType source,
    @Nullable String input,
    String lake,
    Brokers brokers,
    Kafka kafka,
    AwsSourceConfig aws,
    Zones zones,
    Demo demo,
    LakeSpec spec) {

  /**
   * What holds for any broker.
   *
   * @param checkTimeout how long a broker or endpoint may take to answer before the run starts
   * @param maxDelay how far a producer's timestamp may trail the newest one of its partition or
   *     shard (the watermark is held back by this much)
   */
  public record Brokers(Duration checkTimeout, Duration maxDelay) {}

  /**
   * Where and how a Kafka source reads; the embedded default uses the topics too.
   *
   * @param bootstrapServers host:port[,host:port]; null for other sources
   * @param topics each topic's dataset, in the order given
   * @param topicPatternRoutes each dataset's topic pattern (a regular expression), in the spec's
   *     order
   * @param topicPattern the regular expression of further topics to read, or null
   * @param consumerGroup the group whose offsets follow the landing files, or null
   * @param startPosition where a partition without a committed offset starts
   * @param propertiesFile {@code --kafkaPropertiesFile}, or null
   * @param properties the client settings read from {@code propertiesFile} (by {@link
   *     Preflight#configure}; none until then)
   */
  public record Kafka(
      @Nullable String bootstrapServers,
      Map<String, String> topics,
      Map<String, String> topicPatternRoutes,
      @Nullable String topicPattern,
      @Nullable String consumerGroup,
      StartPosition startPosition,
      @Nullable String propertiesFile,
      KafkaClientProperties properties) {

    /** The same settings with the client settings read from the properties file. */
    Kafka withProperties(KafkaClientProperties read) {
      return new Kafka(
          bootstrapServers,
          topics,
          topicPatternRoutes,
          topicPattern,
          consumerGroup,
          startPosition,
          propertiesFile,
          read);
    }

    /** The same settings reading from other brokers. */
    Kafka withServers(@Nullable String servers, @Nullable String pattern) {
      return new Kafka(
          servers,
          topics,
          topicPatternRoutes,
          pattern,
          consumerGroup,
          startPosition,
          propertiesFile,
          properties);
    }
  }

  /**
   * How the zones are written.
   *
   * @param window a landing file's time window
   * @param allowedLateness how late a message may come for its window's file
   * @param landingShards files per window and dataset
   * @param landingCompression the landing files' compression (and the JSON tables')
   * @param tableFormat the trusted and curated tables' format
   * @param catalogS3Location the S3 URI Athena's catalog gives a local lake, or null
   * @param consentScope which readings of a consenting customer are admitted
   * @param consentWait how long a reading waits for its customer (or its device's owner)
   * @param waitClock what ends a stream's waits and the join's hold: the data's progress or the
   *     runner's clock
   * @param joinHorizon how long a stream's machine-learning join holds a moment's readings
   * @param dedupHorizon how long a record is remembered to drop its duplicates
   * @param maxPayloadBytes the largest message the trusted zone parses
   * @param landingOnly whether the job writes the landing zone only ({@code --zones=landing})
   */
  public record Zones(
      Duration window,
      Duration allowedLateness,
      int landingShards,
      Compression landingCompression,
      TableFormat tableFormat,
      @Nullable String catalogS3Location,
      ConsentScope consentScope,
      Duration consentWait,
      WaitClock waitClock,
      Duration joinHorizon,
      Duration dedupHorizon,
      int maxPayloadBytes,
      boolean landingOnly) {}

  /**
   * The embedded default's settings.
   *
   * @param customers customers the seeded generator makes when no input is given
   * @param seed the generator's seed
   * @param readingsDelay the pause between the customers having landed and the readings
   * @param runTimeout how long a stream run until settled may take before it gives up
   */
  public record Demo(int customers, long seed, Duration readingsDelay, Duration runTimeout) {}

  /** The landing zone's root under the lake. */
  public String landingRoot() {
    return lake + "/landing";
  }

  /** The same settings reading from another Kafka (the embedded broker once it has started). */
  public JobConfig withBootstrapServers(String servers, @Nullable String pattern) {
    return new JobConfig(
        source, input, lake, brokers, kafka.withServers(servers, pattern), aws, zones, demo, spec);
  }

  /** The same settings reading the lake's landing zone instead of a source (a backfill). */
  public JobConfig asBackfill() {
    return new JobConfig(
        SourceType.LANDING,
        null,
        lake,
        brokers,
        kafka.withServers(null, null),
        aws,
        zones,
        demo,
        spec);
  }

  /** The same settings with other Kinesis and SQS settings (where each Kinesis stream starts). */
  public JobConfig withAws(AwsSourceConfig other) {
    return new JobConfig(source, input, lake, brokers, kafka, other, zones, demo, spec);
  }

  /** The same settings with the Kafka client settings read from the properties file. */
  JobConfig withKafkaProperties(KafkaClientProperties read) {
    return new JobConfig(
        source, input, lake, brokers, kafka.withProperties(read), aws, zones, demo, spec);
  }

  /**
   * Validates the options and reads the lake spec ({@code --spec}, or the jar's STEDI spec); reads
   * no other file and asks no server (see {@link Preflight#configure}).
   *
   * @throws InvalidOptionException naming the first bad option and its value
   */
  public static JobConfig from(ZonestreamOptions options) {
    SourceType source = resolveSource(options);
    String input = blankToNull(options.getInput());
    String bootstrap = blankToNull(options.getBootstrapServers());

    if (source == SourceType.FILES && input == null) {
      throw new InvalidOptionException("--source=files needs --input=FOLDER");
    }
    if (source == SourceType.KAFKA && bootstrap == null) {
      throw new InvalidOptionException("--source=kafka needs --bootstrapServers=HOST:PORT");
    }
    if (source == SourceType.LANDING && (input != null || bootstrap != null)) {
      throw new InvalidOptionException(
          "--source=landing reads <lake>/landing only; drop --input and --bootstrapServers");
    }
    if (source == SourceType.FILES && bootstrap != null) {
      throw new InvalidOptionException(
          "--bootstrapServers=" + bootstrap + ": not used with --source=files; drop one of them");
    }
    if (input != null && source == SourceType.KAFKA) {
      throw new InvalidOptionException(
          "--input="
              + input
              + ": not used with --source=kafka (use --source=embedded-kafka to"
              + " publish files to a broker)");
    }
    boolean awsSource = source == SourceType.KINESIS || source == SourceType.SQS;
    if (awsSource && (input != null || bootstrap != null)) {
      throw new InvalidOptionException(
          "--source="
              + source.label()
              + " reads "
              + (source == SourceType.SQS ? "--queues" : "--streams")
              + "; drop --input and --bootstrapServers");
    }
    LakeSpec spec = readSpec(options.getSpec());
    AwsSourceConfig aws = AwsSourceConfig.from(options, source, spec);
    if (awsSource && options.getAwsRegion() == null) {
      throw new InvalidOptionException(
          "--source="
              + source.label()
              + " needs --awsRegion=REGION (or AWS_REGION, or a region in ~/.aws/config)");
    }
    if (bootstrap != null) {
      checkBootstrapServers(bootstrap);
    }

    String lake = blankToNull(options.getLake());
    if (lake == null) {
      throw new InvalidOptionException("lake", options.getLake(), "must name a folder or URI");
    }
    while (lake.length() > 1 && lake.endsWith("/")) {
      lake = lake.substring(0, lake.length() - 1);
    }

    DatasetRoutes routes = DatasetRoutes.of(spec);
    Map<String, String> topics;
    Map<String, String> topicPatternRoutes;
    if (blankToNull(options.getTopics()) != null) {
      topics = parseTopics(options.getTopics(), spec);
      topicPatternRoutes = Map.of();
    } else {
      topics = routes.topics();
      topicPatternRoutes = routes.topicPatterns();
      if (topics.isEmpty()
          && topicPatternRoutes.isEmpty()
          && (source == SourceType.KAFKA || source == SourceType.EMBEDDED_KAFKA)) {
        throw new InvalidOptionException(
            "--source="
                + source.label()
                + " needs --topics=dataset=topic[,...] or a kafka source in the spec "
                + spec.origin());
      }
    }
    String pattern = blankToNull(options.getTopicPattern());
    if (pattern != null) {
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        throw new InvalidOptionException(
            "topicPattern", pattern, "not a regular expression: " + e.getDescription());
      }
    }

    StartPosition start;
    try {
      start = StartPosition.valueOf(options.getStartFrom().trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidOptionException(
          "startFrom", options.getStartFrom(), "must be earliest or latest");
    }
    String propertiesFile = blankToNull(options.getKafkaPropertiesFile());
    if (propertiesFile != null && source != SourceType.KAFKA) {
      throw new InvalidOptionException(
          "kafkaPropertiesFile",
          propertiesFile,
          "only --source=kafka reads it (--source=" + source.label() + " does not)");
    }

    Brokers brokers =
        new Brokers(
            Duration.standardSeconds(
                atLeast("brokerCheckTimeoutSeconds", options.getBrokerCheckTimeoutSeconds(), 1)),
            Duration.standardSeconds(
                atLeast("maxBrokerDelaySeconds", options.getMaxBrokerDelaySeconds(), 0)));
    Kafka kafka =
        new Kafka(
            bootstrap,
            topics,
            topicPatternRoutes,
            pattern,
            blankToNull(options.getConsumerGroup()),
            start,
            propertiesFile,
            KafkaClientProperties.none());
    Duration dedupHorizon =
        Duration.standardHours(atLeast("dedupHorizonHours", options.getDedupHorizonHours(), 1));
    Zones zones =
        new Zones(
            Duration.standardSeconds(atLeast("windowSeconds", options.getWindowSeconds(), 1)),
            Duration.standardSeconds(
                atLeast("allowedLatenessSeconds", options.getAllowedLatenessSeconds(), 0)),
            (int) atLeast("landingShards", options.getLandingShards(), 1),
            Boolean.FALSE.equals(options.getLandingGzip())
                ? Compression.UNCOMPRESSED
                : Compression.GZIP,
            parseFormat(options.getTableFormat()),
            parseS3Location(options.getCatalogS3Location()),
            parseScope(
                blankToNull(options.getConsentScope()) != null
                    ? options.getConsentScope()
                    : spec.consent() != null
                        ? spec.consent().scope()
                        : ConsentScope.AFTER_CONSENT.label()),
            Duration.standardSeconds(
                options.getConsentWaitSeconds() == null
                    ? (source == SourceType.EMBEDDED_KAFKA ? 20 : 600)
                    : atLeast("consentWaitSeconds", options.getConsentWaitSeconds(), 1)),
            parseWaitClock(options),
            options.getJoinHorizonHours() == null
                ? dedupHorizon
                : Duration.standardHours(
                    atLeast("joinHorizonHours", options.getJoinHorizonHours(), 1)),
            dedupHorizon,
            (int) atLeast("maxPayloadBytes", options.getMaxPayloadBytes(), 1),
            parseLandingOnly(options.getZones(), source));
    atLeast("progressSeconds", options.getProgressSeconds(), 0);
    Demo demo =
        new Demo(
            (int) atLeast("customers", options.getCustomers(), 1),
            options.getSeed(),
            Duration.standardSeconds(
                atLeast("readingsDelaySeconds", options.getReadingsDelaySeconds(), 0)),
            Duration.standardSeconds(
                atLeast("runTimeoutSeconds", options.getRunTimeoutSeconds(), 1)));
    return new JobConfig(source, input, lake, brokers, kafka, aws, zones, demo, spec);
  }

  /**
   * {@code --waitClock}, by default {@code watermark}, except on Spark, whose streaming runner has
   * no event-time timers in a stateful step (Beam 2.70 rejects them at translation): there {@code
   * processing-time}, the only clock it offers. Asking Spark for {@code watermark} is refused here
   * rather than by the runner after the job was built.
   */
  private static WaitClock parseWaitClock(ZonestreamOptions options) {
    boolean spark = options.getRunner().getSimpleName().startsWith("Spark");
    String value = options.getWaitClock();
    if (value == null) {
      return spark ? WaitClock.PROCESSING_TIME : WaitClock.WATERMARK;
    }
    WaitClock clock =
        WaitClock.fromLabel(value.trim().toLowerCase(Locale.ROOT))
            .orElseThrow(
                () ->
                    new InvalidOptionException(
                        "waitClock", value, "must be one of " + WaitClock.labels()));
    if (spark && clock == WaitClock.WATERMARK) {
      throw new InvalidOptionException(
          "waitClock",
          value,
          "the Spark runner has no event-time timers in a stream; use processing-time");
    }
    return clock;
  }

  private static @Nullable String parseS3Location(@Nullable String value) {
    String location = blankToNull(value);
    if (location == null) {
      return null;
    }
    if (!location.matches("s3a?://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?")) {
      throw new InvalidOptionException(
          "catalogS3Location", value, "must be s3://bucket or s3://bucket/prefix");
    }
    return location;
  }

  private static TableFormat parseFormat(@Nullable String value) {
    return TableFormat.fromLabel(value == null ? "" : value.trim().toLowerCase(Locale.ROOT))
        .orElseThrow(
            () ->
                new InvalidOptionException(
                    "tableFormat", value, "must be one of " + TableFormat.labels()));
  }

  /** {@code --zones}: {@code all} (false) or {@code landing} (true). */
  private static boolean parseLandingOnly(@Nullable String value, SourceType source) {
    String zones = value == null ? "all" : value.trim().toLowerCase(Locale.ROOT);
    if (zones.equals("all")) {
      return false;
    }
    if (!zones.equals("landing")) {
      throw new InvalidOptionException("zones", value, "must be all or landing");
    }
    if (source == SourceType.LANDING) {
      throw new InvalidOptionException(
          "zones",
          value,
          "--source=landing builds trusted and curated from the landing zone and writes no"
              + " landing; with --zones=landing it would write nothing");
    }
    return true;
  }

  private static ConsentScope parseScope(@Nullable String value) {
    for (ConsentScope scope : ConsentScope.values()) {
      if (scope.label().equals(value == null ? null : value.trim())) {
        return scope;
      }
    }
    throw new InvalidOptionException(
        "consentScope", value, "must be after-consent or all-readings");
  }

  private static SourceType resolveSource(ZonestreamOptions options) {
    String given = blankToNull(options.getSource());
    if (given == null) {
      if (blankToNull(options.getInput()) != null) {
        return SourceType.FILES;
      }
      if (blankToNull(options.getBootstrapServers()) != null) {
        return SourceType.KAFKA;
      }
      return SourceType.EMBEDDED_KAFKA;
    }
    Optional<SourceType> type = SourceType.fromLabel(given.trim().toLowerCase(Locale.ROOT));
    return type.orElseThrow(
        () -> new InvalidOptionException("source", given, "must be one of " + SourceType.labels()));
  }

  private static void checkBootstrapServers(String value) {
    for (String server : value.split(",")) {
      String s = server.trim();
      int colon = s.lastIndexOf(':');
      boolean ok = colon > 0 && colon < s.length() - 1;
      if (ok) {
        try {
          int port = Integer.parseInt(s.substring(colon + 1));
          ok = port > 0 && port < 65536;
        } catch (NumberFormatException e) {
          ok = false;
        }
      }
      if (!ok) {
        throw new InvalidOptionException(
            "bootstrapServers", value, "expected host:port[,host:port], '" + s + "' is not");
      }
    }
  }

  /**
   * The spec of {@code --spec=FILE}, or the STEDI spec the project ships when none is given.
   *
   * @throws InvalidOptionException with the spec's first problem, or when it declares a privacy
   *     rule or curated tables other than the STEDI spec's (the only ones this version runs)
   */
  static LakeSpec readSpec(@Nullable String file) {
    String path = blankToNull(file);
    LakeSpec spec;
    try {
      spec = path == null ? SpecReader.stedi() : SpecReader.read(Path.of(path));
    } catch (SpecException e) {
      throw new InvalidOptionException("spec", path, e.getMessage());
    }
    String unsupported = unsupported(spec, SpecReader.stedi());
    if (unsupported != null) {
      throw new InvalidOptionException("spec", path, unsupported);
    }
    return spec;
  }

  /**
   * Why {@code spec} cannot run, or null: a privacy rule or curated tables are run by the STEDI
   * datasets' own steps, so a spec that declares them must declare them, and the three datasets
   * (their sources and the consent scope aside), as {@code stedi} does.
   */
  static @Nullable String unsupported(LakeSpec spec, LakeSpec stedi) {
    if (spec.consent() == null && spec.curated().isEmpty()) {
      return null;
    }
    String limit =
        ": a privacy rule and curated tables run only as the STEDI spec declares them"
            + " (specs/stedi.yaml); declare the datasets without them to trust them by their rules";
    for (DatasetSpec shipped : stedi.datasets().values()) {
      DatasetSpec own = spec.datasets().get(shipped.name());
      if (own == null
          || !new DatasetSpec(
                  own.name(),
                  shipped.sources(),
                  own.schema(),
                  own.eventTime(),
                  own.identity(),
                  own.unknownFields(),
                  own.rules())
              .equals(shipped)) {
        return spec.origin() + ": dataset " + shipped.name() + " differs" + limit;
      }
    }
    LakeSpec.ConsentSpec consent = spec.consent();
    LakeSpec.ConsentSpec shippedConsent = requireNonNull(stedi.consent());
    if (consent == null
        || !new LakeSpec.ConsentSpec(
                consent.dataset(),
                consent.key(),
                consent.newestBy(),
                consent.consentTime(),
                shippedConsent.scope(),
                consent.readings())
            .equals(shippedConsent)) {
      return spec.origin() + ": consent differs" + limit;
    }
    if (!spec.curated().equals(stedi.curated())) {
      return spec.origin() + ": curated differs" + limit;
    }
    return null;
  }

  static Map<String, String> parseTopics(String value, LakeSpec spec) {
    if (value == null || value.isBlank()) {
      throw new InvalidOptionException("topics", value, "needs at least one dataset=topic pair");
    }
    Map<String, String> topics = new LinkedHashMap<>();
    for (String pair : value.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new InvalidOptionException(
            "topics", value, "expected dataset=topic pairs, '" + pair.trim() + "' is not one");
      }
      String name = pair.substring(0, eq).trim();
      String topic = pair.substring(eq + 1).trim();
      String dataset = datasetOf("topics", value, name, spec, false);
      if (topics.put(topic, dataset) != null) {
        throw new InvalidOptionException("topics", value, "topic '" + topic + "' is named twice");
      }
    }
    return topics;
  }

  /**
   * The spec's dataset named {@code name} (ignoring case), or {@code _unrouted} where {@code
   * unroutedAllowed}.
   *
   * @throws InvalidOptionException naming the option and the spec's datasets
   */
  static String datasetOf(
      String option, String value, String name, LakeSpec spec, boolean unroutedAllowed) {
    if (unroutedAllowed && Dataset.UNROUTED_FOLDER.equals(name)) {
      return Dataset.UNROUTED_FOLDER;
    }
    String wanted = name.toLowerCase(Locale.ROOT);
    if (spec.datasets().containsKey(wanted)) {
      return wanted;
    }
    throw new InvalidOptionException(
        option,
        value,
        "unknown dataset '"
            + name
            + "' (the spec "
            + spec.origin()
            + " declares: "
            + String.join(", ", spec.datasets().keySet())
            + (unroutedAllowed ? ", or " + Dataset.UNROUTED_FOLDER : "")
            + ")");
  }

  private static long atLeast(String option, @Nullable Number value, long min) {
    if (value == null) {
      throw new InvalidOptionException(option, null, "must be given");
    }
    if (value.longValue() < min) {
      throw new InvalidOptionException(option, value, "must be at least " + min);
    }
    return value.longValue();
  }

  private static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
