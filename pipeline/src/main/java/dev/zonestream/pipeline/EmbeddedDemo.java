package dev.zonestream.pipeline;

import dev.zonestream.demo.EmbeddedKafka;
import dev.zonestream.demo.KafkaPublisher;
import dev.zonestream.demo.StediGenerator;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.JsonLines;
import dev.zonestream.spec.DatasetRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.Compression;

/**
 * The embedded default: a Kafka broker in this JVM, the input files (or generated data) published
 * to it as they arrive in real life, customers first, and the stream run until all of it has landed
 * and settled.
 */
final class EmbeddedDemo {
  private EmbeddedDemo() {}

  private static final int PARTITIONS_PER_TOPIC = 2;

  /**
   * Starts a broker in this JVM, publishes the input files (or generated data) to it, streams them
   * into the lake and stops once every published message has landed.
   */
  static int runEmbedded(
      ZonestreamOptions options, JobConfig config, PrintStream out, PrintStream err) {
    Map<String, List<byte[]>> byFolder;
    try {
      byFolder =
          config.input() != null
              ? readFolders(Path.of(config.input()))
              : new StediGenerator(config.demo().customers(), config.demo().seed(), true)
                  .generate();
    } catch (IOException e) {
      throw new InvalidOptionException("input", config.input(), "cannot read: " + e.getMessage());
    }
    long start = System.nanoTime();
    err.println("zonestream: starting an embedded Kafka broker on loopback");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      Map<String, String> datasetTopics = new LinkedHashMap<>();
      config.kafka().topics().forEach((topic, dataset) -> datasetTopics.put(dataset, topic));
      DatasetRoutes routes = DatasetRoutes.of(config.spec());
      Map<String, List<byte[]>> byTopic = new LinkedHashMap<>();
      Map<String, Long> published = new TreeMap<>();
      byFolder.forEach(
          (folder, messages) -> {
            String dataset =
                routes
                    .ofFolder(folder)
                    .filter(datasetTopics::containsKey)
                    .orElse(Dataset.UNROUTED_FOLDER);
            String topic =
                datasetTopics.getOrDefault(dataset, "unrouted." + RunnerDefaults.sanitize(folder));
            byTopic.computeIfAbsent(topic, t -> new ArrayList<>()).addAll(messages);
            published.merge(dataset, (long) messages.size(), Long::sum);
          });
      List<String> topics = new ArrayList<>(datasetTopics.values());
      byTopic.keySet().stream().filter(t -> !topics.contains(t)).forEach(topics::add);
      kafka.createTopics(topics, PARTITIONS_PER_TOPIC);
      // The dataset that holds consent (STEDI's customers) goes first, as people sign up first.
      String partyDataset =
          config.spec().consent() != null
              ? config.spec().consent().dataset()
              : Dataset.CUSTOMER.folder();
      String customerTopic = datasetTopics.get(partyDataset);
      Map<String, List<byte[]>> customers = new LinkedHashMap<>();
      Map<String, List<byte[]>> readings = new LinkedHashMap<>(byTopic);
      if (customerTopic != null && readings.containsKey(customerTopic)) {
        customers.put(customerTopic, readings.remove(customerTopic));
      }
      long customerCount = published.getOrDefault(partyDataset, 0L);
      // As in real life: customers sign up first, their devices send afterwards. The readings
      // follow once every customer record has landed (so the job has seen it), and the delay.
      Runnable publisher =
          () -> {
            err.println(
                "zonestream: publishing "
                    + customerCount
                    + " customer messages to "
                    + kafka.bootstrapServers());
            KafkaPublisher.publish(kafka.bootstrapServers(), customers);
            awaitLanded(config, partyDataset, customerCount);
            sleepSeconds(config.demo().readingsDelay().getStandardSeconds());
            err.println(
                "zonestream: customers landed; publishing the other "
                    + (published.values().stream().mapToLong(Long::longValue).sum() - customerCount)
                    + " messages");
            KafkaPublisher.publish(kafka.bootstrapServers(), readings);
          };

      // Subscribe to exactly the topics published, mapped or not (unmapped ones land in _unrouted).
      String pattern = topics.stream().map(Pattern::quote).collect(Collectors.joining("|"));
      JobConfig embedded = config.withBootstrapServers(kafka.bootstrapServers(), pattern);
      return JobRunner.streamUntilSettled(
          options, config, embedded, published, start, publisher, out, err);
    } catch (IOException e) {
      err.println("zonestream: embedded Kafka broker failed: " + e.getMessage());
      return 1;
    }
  }

  /** Waits (bounded by the run timeout) until {@code count} lines of {@code folder} have landed. */
  private static void awaitLanded(JobConfig config, String folder, long count) {
    long deadline = System.nanoTime() + config.demo().runTimeout().getMillis() * 1_000_000L;
    while (LakeProgress.linesPerFolder(config.landingRoot()).getOrDefault(folder, 0L) < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the " + count + " " + folder + " messages did not land within the run timeout");
      }
      sleepSeconds(1);
    }
  }

  private static void sleepSeconds(long seconds) {
    try {
      Thread.sleep(seconds * 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing", e);
    }
  }

  /** Reads {@code <dir>/<folder>/**} into messages by folder, as the files source would. */
  static Map<String, List<byte[]>> readFolders(Path dir) throws IOException {
    Map<String, List<byte[]>> byFolder = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        Path relative = dir.relativize(file);
        if (relative.getNameCount() < 2 || isHidden(relative)) {
          continue;
        }
        String folder = relative.getName(0).toString();
        List<byte[]> messages = byFolder.computeIfAbsent(folder, f -> new ArrayList<>());
        try (InputStream in =
            Channels.newInputStream(
                Compression.detect(file.toString()).readDecompressed(Files.newByteChannel(file)))) {
          JsonLines.split(in, (message, line) -> messages.add(message));
        }
      }
    }
    return byFolder;
  }

  private static boolean isHidden(Path relative) {
    for (Path part : relative) {
      String name = part.toString();
      if (name.startsWith(".") || name.startsWith("_")) {
        return true;
      }
    }
    return false;
  }
}
