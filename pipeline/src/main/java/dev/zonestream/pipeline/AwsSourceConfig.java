package dev.zonestream.pipeline;

import dev.zonestream.spec.LakeSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import software.amazon.kinesis.common.InitialPositionInStream;

/**
 * The validated settings of the Kinesis and SQS sources.
 *
 * @param streams Kinesis stream name to dataset folder
 * @param kinesisStart where a Kinesis read starts: LATEST, TRIM_HORIZON or AT_TIMESTAMP
 * @param kinesisStartTimestamp the instant of AT_TIMESTAMP, else {@code null}
 * @param kinesisEndpoint a Kinesis endpoint other than AWS's, or {@code null}
 * @param queues SQS queue URL to dataset folder (empty unless given)
 * @param sqsEndpoint an SQS endpoint other than AWS's, or {@code null}
 * @param maxMessages bounded read: at most this many messages per stream or queue, or {@code null}
 * @param maxReadTime bounded read: read this long, or {@code null}
 * @param kinesisStreamStarts streams that start at an instant of their own instead of {@code
 *     kinesisStart}: where their landing ends ({@link KinesisStarts}); empty until decided
 * @param sqsVisibilityTimeout how long SQS hides a received message, and each extension of it
 */
public record AwsSourceConfig(
    Map<String, String> streams,
    InitialPositionInStream kinesisStart,
    @Nullable Instant kinesisStartTimestamp,
    @Nullable URI kinesisEndpoint,
    Map<String, String> queues,
    @Nullable URI sqsEndpoint,
    @Nullable Long maxMessages,
    @Nullable Duration maxReadTime,
    Map<String, Instant> kinesisStreamStarts,
    Duration sqsVisibilityTimeout) {

  /** Whether a Kinesis or SQS read is bounded (by count or time) instead of a stream. */
  public boolean bounded() {
    return maxMessages != null || maxReadTime != null;
  }

  /** The same settings, with streams that start at an instant of their own. */
  AwsSourceConfig withKinesisStreamStarts(Map<String, Instant> starts) {
    return new AwsSourceConfig(
        streams,
        kinesisStart,
        kinesisStartTimestamp,
        kinesisEndpoint,
        queues,
        sqsEndpoint,
        maxMessages,
        maxReadTime,
        Map.copyOf(starts),
        sqsVisibilityTimeout);
  }

  /** Validates the Kinesis and SQS options; the source decides which are required. */
  static AwsSourceConfig from(ZonestreamOptions options, SourceType source, LakeSpec spec) {
    Map<String, String> specStreams = new LinkedHashMap<>();
    Map<String, String> specQueues = new LinkedHashMap<>();
    spec.datasets()
        .values()
        .forEach(
            d -> {
              if (d.sources().kinesis() != null) {
                specStreams.put(d.sources().kinesis(), d.name());
              }
              if (d.sources().sqs() != null) {
                specQueues.put(d.sources().sqs(), d.name());
              }
            });
    Map<String, String> streams =
        !isBlank(options.getStreams())
            ? parseMapping("streams", options.getStreams(), "stream", spec)
            : Collections.unmodifiableMap(specStreams);
    if (source == SourceType.KINESIS && streams.isEmpty()) {
      throw new InvalidOptionException(
          "--source=kinesis needs --streams=dataset=STREAM[,...] or a kinesis source in the spec "
              + spec.origin());
    }
    if (source == SourceType.SQS && isBlank(options.getQueues()) && specQueues.isEmpty()) {
      throw new InvalidOptionException(
          "--source=sqs needs --queues=dataset=QUEUE_URL[,...] or an sqs source in the spec "
              + spec.origin());
    }
    Map<String, String> queues =
        !isBlank(options.getQueues())
            ? parseMapping("queues", options.getQueues(), "QUEUE_URL", spec)
            : Collections.unmodifiableMap(specQueues);
    for (String queue : queues.keySet()) {
      URI uri = parseUri("queues", queue);
      if (uri.getHost() == null) {
        throw new InvalidOptionException(
            "queues", String.valueOf(options.getQueues()), "'" + queue + "' is not a queue URL");
      }
    }

    String start = isBlank(options.getKinesisStartFrom()) ? "" : options.getKinesisStartFrom();
    InitialPositionInStream position;
    Instant timestamp = null;
    switch (start.trim().toLowerCase(Locale.ROOT)) {
      case "latest" -> position = InitialPositionInStream.LATEST;
      case "trim-horizon", "trim_horizon" -> position = InitialPositionInStream.TRIM_HORIZON;
      default -> {
        try {
          timestamp = new Instant(java.time.Instant.parse(start.trim()).toEpochMilli());
        } catch (DateTimeParseException e) {
          throw new InvalidOptionException(
              "kinesisStartFrom",
              options.getKinesisStartFrom(),
              "must be latest, trim-horizon or an ISO-8601 instant such as 2024-05-01T00:00:00Z");
        }
        if (timestamp.isAfterNow()) {
          throw new InvalidOptionException(
              "kinesisStartFrom", options.getKinesisStartFrom(), "must not be in the future");
        }
        position = InitialPositionInStream.AT_TIMESTAMP;
      }
    }

    Long maxMessages = options.getMaxMessages();
    if (maxMessages != null && maxMessages < 1) {
      throw new InvalidOptionException("maxMessages", maxMessages, "must be at least 1");
    }
    Long maxReadSeconds = options.getMaxReadSeconds();
    if (maxReadSeconds != null && maxReadSeconds < 1) {
      throw new InvalidOptionException("maxReadSeconds", maxReadSeconds, "must be at least 1");
    }
    if ((maxMessages != null || maxReadSeconds != null)
        && source != SourceType.KINESIS
        && source != SourceType.SQS) {
      throw new InvalidOptionException(
          (maxMessages != null ? "--maxMessages" : "--maxReadSeconds")
              + ": bounds a --source=kinesis or --source=sqs read only");
    }
    Long visibility = options.getSqsVisibilityTimeoutSeconds();
    if (visibility == null || visibility < 4 || visibility > 43_200) {
      throw new InvalidOptionException(
          "sqsVisibilityTimeoutSeconds", visibility, "must be from 4 to 43200 (12 hours)");
    }
    return new AwsSourceConfig(
        streams,
        position,
        timestamp,
        endpoint("kinesisEndpoint", options.getKinesisEndpoint()),
        queues,
        endpoint("sqsEndpoint", options.getSqsEndpoint()),
        maxMessages,
        maxReadSeconds == null ? null : Duration.standardSeconds(maxReadSeconds),
        Map.of(),
        Duration.standardSeconds(visibility));
  }

  /**
   * {@code dataset=name} pairs into name to dataset folder. A dataset is a known one or {@code
   * _unrouted} (read, but land and reject as unknown).
   */
  static Map<String, String> parseMapping(
      String option, @Nullable String value, String what, LakeSpec spec) {
    if (isBlank(value)) {
      throw new InvalidOptionException(
          option, value, "needs at least one dataset=" + what + " pair");
    }
    Map<String, String> mapping = new LinkedHashMap<>();
    for (String pair : value.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new InvalidOptionException(
            option, value, "expected dataset=" + what + " pairs, '" + pair.trim() + "' is not one");
      }
      String name = pair.substring(0, eq).trim();
      String target = pair.substring(eq + 1).trim();
      if (target.isEmpty()) {
        throw new InvalidOptionException(
            option, value, "expected dataset=" + what + " pairs, '" + pair.trim() + "' is not one");
      }
      String dataset = JobConfig.datasetOf(option, value, name, spec, true);
      if (mapping.put(target, dataset) != null) {
        throw new InvalidOptionException(option, value, "'" + target + "' is named twice");
      }
    }
    // In the order given, the same in every JVM: the read steps are named by position, and a
    // Flink job restored from a checkpoint must give each stream its own positions back.
    return Collections.unmodifiableMap(mapping);
  }

  private static @Nullable URI endpoint(String option, @Nullable String value) {
    if (isBlank(value)) {
      return null;
    }
    URI uri = parseUri(option, value.trim());
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new InvalidOptionException(option, value, "expected http(s)://host[:port]");
    }
    return uri;
  }

  private static URI parseUri(String option, String value) {
    try {
      return new URI(value);
    } catch (URISyntaxException e) {
      throw new InvalidOptionException(option, value, "not a URI: " + e.getReason());
    }
  }

  private static boolean isBlank(@Nullable String value) {
    return value == null || value.isBlank();
  }
}
