package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zonestream.demo.EmbeddedKafka;
import dev.zonestream.demo.StediGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A stream fed as real life feeds one, through a Kafka broker the test starts and feeds in phases
 * while the job runs: the customers; their phone readings (and the rest) more than three consent
 * waits after the customers have landed, with each reading's event time as its broker time (weeks
 * of it); the step-trainer readings more than three waits after the phone readings have landed (a
 * device that syncs later); ten phone and ten step-trainer readings redelivered with broker times
 * six hours later; then, once everything before them has been decided, the {@link #withdrawals}.
 * The job runs on any runner ({@code runnerArgs}) with that runner's streaming defaults, until
 * everything published has landed and the stream has settled.
 */
final class RealLifeStream {
  static final long HOUR = 3_600_000L;
  private static final int REDELIVERED = 10;

  private RealLifeStream() {}

  /**
   * A newer record without consent for the first two consenting customers (by email) that have rows
   * in {@code trustedAccelerometer}; their emails are added to {@code withdrawn}.
   */
  static List<byte[]> withdrawals(
      List<byte[]> customers, List<String> trustedAccelerometer, List<String> withdrawn)
      throws IOException {
    Map<String, ObjectNode> newest = new TreeMap<>();
    for (byte[] message : customers) {
      JsonNode node = parse(message);
      if (node != null && node.has("email") && node.path("lastUpdateDate").isIntegralNumber()) {
        ObjectNode seen = newest.get(node.get("email").asText());
        if (seen == null
            || node.get("lastUpdateDate").asLong() > seen.get("lastUpdateDate").asLong()) {
          newest.put(node.get("email").asText(), (ObjectNode) node);
        }
      }
    }
    List<byte[]> records = new ArrayList<>();
    for (ObjectNode customer : newest.values()) {
      String email = customer.get("email").asText();
      boolean hasTrustedReadings =
          trustedAccelerometer.stream().anyMatch(row -> row.contains("\"" + email + "\""));
      if (customer.has("shareWithResearchAsOfDate") && hasTrustedReadings && records.size() < 2) {
        ObjectNode withdrawal = customer.deepCopy();
        withdrawal.remove("shareWithResearchAsOfDate");
        withdrawal.put("lastUpdateDate", customer.get("lastUpdateDate").asLong() + 30 * 24 * HOUR);
        records.add(LakeFiles.MAPPER.writeValueAsBytes(withdrawal));
        withdrawn.add(email);
      }
    }
    assertThat("the data holds consenting customers to withdraw", records.size(), equalTo(2));
    return records;
  }

  /** The input folders with the withdrawals added to the customers. */
  static Map<String, List<byte[]>> withWithdrawals(
      Map<String, List<byte[]>> byFolder, List<byte[]> withdrawals) {
    Map<String, List<byte[]>> everything = new TreeMap<>(byFolder);
    List<byte[]> customers = new ArrayList<>(byFolder.get("customer"));
    customers.addAll(withdrawals);
    everything.put("customer", customers);
    return everything;
  }

  /** Streams {@code byFolder}, redeliveries and then {@code withdrawals} into {@code lake}. */
  static void stream(
      Path lake,
      List<String> runnerArgs,
      long waitSeconds,
      Map<String, List<byte[]>> byFolder,
      List<byte[]> withdrawals)
      throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      Map<String, String> topicOf =
          Map.of(
              "customer", "zt.customer",
              "accelerometer", "zt.accelerometer",
              "step_trainer", "zt.step_trainer",
              "thermostat", "zt.thermostat");
      kafka.createTopics(topicOf.values(), 3);
      List<byte[]> phones = byFolder.get("accelerometer").subList(0, REDELIVERED);
      List<byte[]> steps = byFolder.get("step_trainer").subList(0, REDELIVERED);
      Map<String, Long> beforeWithdrawals = new TreeMap<>();
      byFolder.forEach(
          (folder, messages) ->
              beforeWithdrawals.merge(
                  folder.equals("thermostat") ? "_unrouted" : folder,
                  (long) messages.size(),
                  Long::sum));
      beforeWithdrawals.merge("accelerometer", (long) phones.size(), Long::sum);
      beforeWithdrawals.merge("step_trainer", (long) steps.size(), Long::sum);
      Map<String, Long> published = new TreeMap<>(beforeWithdrawals);
      published.merge("customer", (long) withdrawals.size(), Long::sum);

      List<String> args = new ArrayList<>(runnerArgs);
      args.addAll(
          List.of(
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--topics=customer=zt.customer,accelerometer=zt.accelerometer,"
                  + "step_trainer=zt.step_trainer",
              "--topicPattern=zt\\..*",
              "--consumerGroup=real-life",
              "--lake=" + lake,
              "--windowSeconds=2",
              "--maxBrokerDelaySeconds=1",
              "--consentWaitSeconds=" + waitSeconds,
              "--runTimeoutSeconds=300"));
      String runner =
          runnerArgs.stream()
              .filter(a -> a.startsWith("--runner="))
              .map(a -> a.substring("--runner=".length()))
              .findFirst()
              .orElse("DirectRunner");
      Path sparkCheckpoint = Files.createTempDirectory("real-life-spark-checkpoint");
      args.addAll(
          RunnerArgs.streamingDefaults(
              runner,
              args.toArray(String[]::new),
              sparkCheckpoint.toString(),
              RunnerDefaults.flinkCheckpointUri(lake.toString()),
              "kafka"));

      ExecutorService job = Executors.newSingleThreadExecutor();
      Future<Integer> run =
          job.submit(
              () ->
                  JobRunner.runUntilSettled(
                      args.toArray(String[]::new), published, System.out, System.err));
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        send(producer, topicOf.get("customer"), "customer", byFolder.get("customer"), 0);
        awaitLanded(lake, Map.of("customer", beforeWithdrawals.get("customer")), run);
        Thread.sleep((3 * waitSeconds + 1) * 1000); // the gap that session windows lost

        for (String folder : List.of("accelerometer", "thermostat")) {
          send(producer, topicOf.get(folder), folder, byFolder.get(folder), 0);
        }
        send(producer, topicOf.get("accelerometer"), "accelerometer", phones, 6 * HOUR);
        // The step trainer syncs well after the phone: more than three waits of wall time after
        // the phone readings have landed, with the readings' own times as broker times (so the
        // partitions have gone idle and the watermark has moved to the present in between).
        Map<String, Long> phonesLanded = new TreeMap<>(beforeWithdrawals);
        phonesLanded.remove("step_trainer");
        awaitLanded(lake, phonesLanded, run);
        Thread.sleep((3 * waitSeconds + 1) * 1000);
        send(
            producer, topicOf.get("step_trainer"), "step_trainer", byFolder.get("step_trainer"), 0);
        send(producer, topicOf.get("step_trainer"), "step_trainer", steps, 6 * HOUR);
        awaitLanded(lake, beforeWithdrawals, run);
        // Readings that wait for an owner with phone readings are decided within a wait.
        Thread.sleep((2 * waitSeconds + 2) * 1000);

        send(producer, topicOf.get("customer"), "customer", withdrawals, 0);
      }
      int code = run.get(6, TimeUnit.MINUTES);
      job.shutdown();
      assertThat("the stream settled over everything published", code, equalTo(0));
      deleteQuietly(sparkCheckpoint);
    }
  }

  private static void deleteQuietly(Path folder) throws IOException {
    try (var paths = Files.walk(folder)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** Sends each message (customers keyed by email) with its event time, shifted, as broker time. */
  private static void send(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      String folder,
      List<byte[]> messages,
      long shiftMillis)
      throws Exception {
    String timeField =
        switch (folder) {
          case "customer" -> "lastUpdateDate";
          case "accelerometer" -> "timestamp";
          case "step_trainer" -> "sensorReadingTime";
          default -> "time";
        };
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (byte[] message : messages) {
      JsonNode node = parse(message);
      long time =
          node != null && node.path(timeField).isIntegralNumber()
              ? node.get(timeField).asLong()
              : StediGenerator.BASE_TIME;
      byte[] key =
          node != null && node.path("email").isTextual()
              ? node.get("email").asText().getBytes(StandardCharsets.UTF_8)
              : null;
      acks.add(producer.send(new ProducerRecord<>(topic, null, time + shiftMillis, key, message)));
    }
    for (Future<RecordMetadata> ack : acks) {
      ack.get();
    }
  }

  private static @Nullable JsonNode parse(byte[] message) {
    try {
      JsonNode node = LakeFiles.MAPPER.readTree(message);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Polls (bounded) until the landing zone holds at least {@code expected} lines per dataset. */
  private static void awaitLanded(Path lake, Map<String, Long> expected, Future<Integer> run)
      throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline && !run.isDone()) {
      Map<String, Long> landed = LakeProgress.linesPerFolder(lake.resolve("landing").toString());
      if (expected.entrySet().stream()
          .allMatch(e -> landed.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("did not land in time: " + expected);
  }
}
