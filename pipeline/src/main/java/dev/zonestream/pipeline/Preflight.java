package dev.zonestream.pipeline;

import dev.zonestream.ingest.KafkaClientProperties;
import dev.zonestream.spec.DatasetRoutes;
import dev.zonestream.spec.LakeSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;

/**
 * The checks that run before a job reads anything, each ending the run with one line naming the
 * option: the input folder holds datasets, the lake answers and took the probe write ({@link
 * LakeChecks}), the Kafka properties file reads, and the brokers or the Kinesis/SQS endpoint answer
 * and have what the job reads.
 */
final class Preflight {
  private Preflight() {}

  /**
   * The job's settings from {@code options}: validated ({@link JobConfig#from}, no I/O), then
   * checked against the world. Registers the lake's file systems with {@code options} (and
   * path-style S3), checks the input folder and the lake, and reads {@code --kafkaPropertiesFile}.
   *
   * @throws InvalidOptionException naming the first bad option and its value
   */
  static JobConfig configure(ZonestreamOptions options) {
    JobConfig config = JobConfig.from(options);
    if (config.input() != null) {
      checkFolder("input", config.input());
      checkHasDatasetFolder(config.input(), config.spec());
    }
    LakeChecks.configure(options);
    LakeChecks.verify(config.lake(), config.source() == SourceType.LANDING, options);
    String propertiesFile = config.kafka().propertiesFile();
    return propertiesFile == null
        ? config
        : config.withKafkaProperties(readKafkaProperties(propertiesFile));
  }

  /** Says, as the job starts, that the lake took the probe write and how much room it has. */
  static void announceLake(JobConfig config, PrintStream err) {
    OptionalLong free = LakeChecks.freeSpace(config.lake());
    if (free.isPresent()) {
      err.printf(
          Locale.ROOT,
          "zonestream: lake %s is writable, %.1f GB free%n",
          config.lake(),
          free.getAsLong() / 1e9);
    } else {
      err.println("zonestream: lake " + config.lake() + " is writable");
    }
  }

  /** The brokers answer within the check timeout and have the topics ({@link KafkaChecks}). */
  static void verifyKafka(JobConfig config) {
    KafkaChecks.verify(
        config.kafka().bootstrapServers(),
        config.kafka().properties(),
        config.kafka().topics().keySet(),
        config.brokers().checkTimeout().getStandardSeconds());
  }

  /** The Kinesis or SQS endpoint answers and has the streams or queues ({@link EndpointChecks}). */
  static void verifyEndpoints(JobConfig config) {
    EndpointChecks.verify(config);
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
  private static void checkHasDatasetFolder(String input, LakeSpec spec) {
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
    DatasetRoutes routes = DatasetRoutes.of(spec);
    if (found.stream().noneMatch(name -> routes.ofFolder(name).isPresent())) {
      throw new InvalidOptionException(
          "input",
          input,
          "holds no dataset folder: expected at least one of "
              + spec.datasets().values().stream()
                  .map(d -> d.sources().files())
                  .filter(java.util.Objects::nonNull)
                  .collect(java.util.stream.Collectors.joining(", "))
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

  /**
   * The client settings of {@code --kafkaPropertiesFile}; its secrets are kept apart (see {@link
   * KafkaClientProperties}). Only a Kafka source reads it ({@link JobConfig#from} says so): the
   * embedded broker is plain, on loopback.
   */
  private static KafkaClientProperties readKafkaProperties(String path) {
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
}
