package dev.zonestream.pipeline;

import dev.zonestream.ingest.KafkaClientProperties;
import dev.zonestream.ingest.ReadKafkaMessages.StartPosition;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.beam.sdk.io.Compression;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The job's settings, validated once from {@link ZonestreamOptions}: every later stage takes typed
 * values from here, never the raw options.
 */
public record JobConfig(
    SourceType source,
    @Nullable String input,
    String lake,
    @Nullable String bootstrapServers,
    Map<String, Dataset> topics,
    @Nullable String topicPattern,
    @Nullable String consumerGroup,
    StartPosition startPosition,
    KafkaClientProperties kafkaProperties,
    Duration brokerCheckTimeout,
    Duration maxBrokerDelay,
    Duration window,
    Duration allowedLateness,
    int landingShards,
    Compression landingCompression,
    ConsentScope consentScope,
    Duration consentWait,
    Duration dedupHorizon,
    int maxPayloadBytes,
    int customers,
    long seed,
    Duration runTimeout,
    Duration readingsDelay,
    AwsSourceConfig aws) {

  /** The landing zone's root under the lake. */
  public String landingRoot() {
    return lake + "/landing";
  }

  /** The same settings reading from another Kafka (the embedded broker once it has started). */
  public JobConfig withBootstrapServers(String servers, @Nullable String pattern) {
    return withSource(source, input, servers, pattern, aws);
  }

  /** The same settings reading the lake's landing zone instead of a source (a backfill). */
  public JobConfig asBackfill() {
    return withSource(SourceType.LANDING, null, null, null, aws);
  }

  /** The same settings with other Kinesis and SQS settings (where each Kinesis stream starts). */
  public JobConfig withAws(AwsSourceConfig other) {
    return withSource(source, input, bootstrapServers, topicPattern, other);
  }

  /** The same lake and zone settings with another source. */
  private JobConfig withSource(
      SourceType newSource,
      @Nullable String newInput,
      @Nullable String newBootstrapServers,
      @Nullable String newTopicPattern,
      AwsSourceConfig newAws) {
    return new JobConfig(
        newSource,
        newInput,
        lake,
        newBootstrapServers,
        topics,
        newTopicPattern,
        consumerGroup,
        startPosition,
        kafkaProperties,
        brokerCheckTimeout,
        maxBrokerDelay,
        window,
        allowedLateness,
        landingShards,
        landingCompression,
        consentScope,
        consentWait,
        dedupHorizon,
        maxPayloadBytes,
        customers,
        seed,
        runTimeout,
        readingsDelay,
        newAws);
  }

  /**
   * Validates the options.
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
    AwsSourceConfig aws = AwsSourceConfig.from(options, source);
    if (awsSource && options.getAwsRegion() == null) {
      throw new InvalidOptionException(
          "--source="
              + source.label()
              + " needs --awsRegion=REGION (or AWS_REGION, or a region in ~/.aws/config)");
    }
    if (input != null) {
      checkFolder("input", input);
      checkHasDatasetFolder(input);
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
    LakeChecks.configure(options);
    LakeChecks.verify(lake, source == SourceType.LANDING, options);

    Map<String, Dataset> topics = parseTopics(options.getTopics());
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

    return new JobConfig(
        source,
        input,
        lake,
        bootstrap,
        topics,
        pattern,
        blankToNull(options.getConsumerGroup()),
        start,
        readKafkaProperties(options.getKafkaPropertiesFile(), source),
        Duration.standardSeconds(
            atLeast("brokerCheckTimeoutSeconds", options.getBrokerCheckTimeoutSeconds(), 1)),
        Duration.standardSeconds(
            atLeast("maxBrokerDelaySeconds", options.getMaxBrokerDelaySeconds(), 0)),
        Duration.standardSeconds(atLeast("windowSeconds", options.getWindowSeconds(), 1)),
        Duration.standardSeconds(
            atLeast("allowedLatenessSeconds", options.getAllowedLatenessSeconds(), 0)),
        (int) atLeast("landingShards", options.getLandingShards(), 1),
        Boolean.FALSE.equals(options.getLandingGzip())
            ? Compression.UNCOMPRESSED
            : Compression.GZIP,
        parseScope(options.getConsentScope()),
        Duration.standardSeconds(
            options.getConsentWaitSeconds() == null
                ? (source == SourceType.EMBEDDED_KAFKA ? 20 : 600)
                : atLeast("consentWaitSeconds", options.getConsentWaitSeconds(), 1)),
        Duration.standardHours(atLeast("dedupHorizonHours", options.getDedupHorizonHours(), 1)),
        (int) atLeast("maxPayloadBytes", options.getMaxPayloadBytes(), 1),
        (int) atLeast("customers", options.getCustomers(), 1),
        options.getSeed(),
        Duration.standardSeconds(atLeast("runTimeoutSeconds", options.getRunTimeoutSeconds(), 1)),
        Duration.standardSeconds(
            atLeast("readingsDelaySeconds", options.getReadingsDelaySeconds(), 0)),
        aws);
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

  private static void checkFolder(String option, String value) {
    if (hasScheme(value)) {
      return; // a remote file system: the match at run time reports what is missing
    }
    Path path = Path.of(value);
    if (!Files.exists(path)) {
      throw new InvalidOptionException(option, value, "no such folder");
    }
    if (!Files.isDirectory(path)) {
      throw new InvalidOptionException(option, value, "not a folder");
    }
  }

  /**
   * An input folder must hold at least one dataset folder ({@code customer/}, ...): a folder
   * without one (empty, or a broker's own state folder) would land nothing, or binary noise under
   * {@code _unrouted}, and end with exit 0.
   */
  private static void checkHasDatasetFolder(String input) {
    if (hasScheme(input)) {
      return;
    }
    List<String> found = new ArrayList<>();
    try (var entries = Files.list(Path.of(input))) {
      entries
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(name -> !name.startsWith(".") && !name.startsWith("_"))
          .sorted()
          .forEach(found::add);
    } catch (IOException e) {
      throw new InvalidOptionException("input", input, "cannot list: " + e.getMessage());
    }
    if (found.stream().noneMatch(name -> Dataset.fromFolder(name).isPresent())) {
      throw new InvalidOptionException(
          "input",
          input,
          "holds no dataset folder: expected at least one of "
              + Dataset.knownNames()
              + " (one folder per dataset, JSON Lines files inside)"
              + (found.isEmpty()
                  ? "; it holds no folder at all"
                  : "; found "
                      + String.join(", ", found.subList(0, Math.min(5, found.size())))
                      + (found.size() > 5 ? ", ..." : "")));
    }
  }

  private static boolean hasScheme(String value) {
    return value.matches("^[a-zA-Z][a-zA-Z0-9+.-]+://.*");
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

  static Map<String, Dataset> parseTopics(String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidOptionException("topics", value, "needs at least one dataset=topic pair");
    }
    Map<String, Dataset> topics = new LinkedHashMap<>();
    for (String pair : value.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new InvalidOptionException(
            "topics", value, "expected dataset=topic pairs, '" + pair.trim() + "' is not one");
      }
      String name = pair.substring(0, eq).trim();
      String topic = pair.substring(eq + 1).trim();
      Dataset dataset =
          Dataset.fromFolder(name)
              .orElseThrow(
                  () ->
                      new InvalidOptionException(
                          "topics",
                          value,
                          "unknown dataset '" + name + "' (known: " + Dataset.knownNames() + ")"));
      if (topics.put(topic, dataset) != null) {
        throw new InvalidOptionException("topics", value, "topic '" + topic + "' is named twice");
      }
    }
    return topics;
  }

  /**
   * The client settings of {@code --kafkaPropertiesFile}; its secrets are kept apart (see {@link
   * KafkaClientProperties}). Only a Kafka source reads it: the embedded broker is plain, on
   * loopback.
   */
  private static KafkaClientProperties readKafkaProperties(
      @Nullable String file, SourceType source) {
    String path = blankToNull(file);
    if (path == null) {
      return KafkaClientProperties.none();
    }
    if (source != SourceType.KAFKA) {
      throw new InvalidOptionException(
          "kafkaPropertiesFile",
          path,
          "only --source=kafka reads it (--source=" + source.label() + " does not)");
    }
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(path))) {
      properties.load(in);
    } catch (IOException e) {
      throw new InvalidOptionException("kafkaPropertiesFile", path, "cannot read: " + e);
    }
    Map<String, Object> map = new HashMap<>();
    properties.stringPropertyNames().forEach(k -> map.put(k, properties.getProperty(k).trim()));
    return KafkaClientProperties.of(map);
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
