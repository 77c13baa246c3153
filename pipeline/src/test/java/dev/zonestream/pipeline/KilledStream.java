package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.EmbeddedKafka;
import dev.zonestream.model.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the tests that kill a stream's JVM ({@code kill -9}) and start it again share: the messages
 * split into what is published before each kill (customers first, then the readings of every other
 * customer, the rest later, with repeats of earlier readings), waits that end when a condition
 * holds, and the checks that nothing the broker holds is missing from landing.
 */
final class KilledStream {
  static final int REDELIVERED = 10;
  static final int PARTITIONS = 2;
  private static final long DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(3);

  private KilledStream() {}

  /**
   * The folders of {@code data} as topics ({@code stedi.<dataset>}) in publishing order: the
   * customers; the phone and step-trainer readings of every other customer (by email); the readings
   * of the rest, with the first {@value #REDELIVERED} readings of each dataset again. A customer's
   * phone and step-trainer readings of one moment are in the same part.
   */
  static List<Map<String, List<byte[]>>> parts(Path data) throws IOException {
    Map<String, List<byte[]>> byFolder = EmbeddedDemo.readFolders(data);
    String customerTopic = topic(Dataset.CUSTOMER);
    Map<String, List<byte[]>> customers =
        Map.of(customerTopic, byFolder.get(Dataset.CUSTOMER.folder()));
    Map<String, String> emailBySerial = new HashMap<>();
    Set<String> emails = new TreeSet<>();
    for (byte[] customer : byFolder.get(Dataset.CUSTOMER.folder())) {
      JsonNode node = parse(customer);
      if (node != null && node.path("email").isTextual()) {
        emails.add(node.get("email").asText());
        if (node.path("serialNumber").isTextual()) {
          emailBySerial.put(node.get("serialNumber").asText(), node.get("email").asText());
        }
      }
    }
    List<String> sorted = new ArrayList<>(emails);
    Set<String> later = new TreeSet<>();
    for (int i = 1; i < sorted.size(); i += 2) {
      later.add(sorted.get(i));
    }
    Map<String, List<byte[]>> firstReadings = new LinkedHashMap<>();
    Map<String, List<byte[]>> laterReadings = new LinkedHashMap<>();
    for (Dataset dataset : List.of(Dataset.ACCELEROMETER, Dataset.STEP_TRAINER)) {
      List<byte[]> before = new ArrayList<>();
      List<byte[]> after = new ArrayList<>();
      for (byte[] reading : byFolder.get(dataset.folder())) {
        JsonNode node = parse(reading);
        String owner =
            node == null
                ? null
                : dataset == Dataset.ACCELEROMETER
                    ? node.path("user").asText(null)
                    : emailBySerial.get(node.path("serialNumber").asText(""));
        (owner != null && later.contains(owner) ? after : before).add(reading);
      }
      assertThat(topic(dataset), before.size(), greaterThan(REDELIVERED));
      assertThat(topic(dataset), after.size(), greaterThan(0));
      firstReadings.put(topic(dataset), before);
      after.addAll(before.subList(0, REDELIVERED));
      laterReadings.put(topic(dataset), after);
    }
    return List.of(customers, firstReadings, laterReadings);
  }

  /** The tables of a bounded Direct run over {@code data} into {@code lake}, none empty. */
  static Map<String, List<String>> batchTables(Path data, Path lake) throws IOException {
    MainTest.Run batch = MainTest.run("--input=" + data, "--lake=" + lake);
    assertThat(batch.err(), batch.code(), equalTo(0));
    Map<String, List<String>> tables = ClusterRunChecks.tables(lake);
    for (String table : ZonesIT.TABLES) {
      assertThat(table, tables.get(table), not(empty()));
    }
    return tables;
  }

  static String topic(Dataset dataset) {
    return "stedi." + dataset.folder();
  }

  /** Every topic of {@code parts}. */
  static Set<String> topics(List<Map<String, List<byte[]>>> parts) {
    Set<String> topics = new TreeSet<>();
    parts.forEach(part -> topics.addAll(part.keySet()));
    return topics;
  }

  /**
   * {@code kill -9} of the job's JVM (the runner's local cluster runs inside it) and anything it
   * forked.
   */
  static void kill(Process process) throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  interface State {
    String describe() throws Exception;
  }

  /** Polls {@code condition} until it holds; fails if the job ends or the deadline passes. */
  static void await(String what, Process job, Path err, Condition condition) throws Exception {
    await(what, job, err, condition, () -> "");
  }

  /** As above; a failure says where things stood ({@code state}). */
  static void await(String what, Process job, Path err, Condition condition, State state)
      throws Exception {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (!condition.holds()) {
      if (!job.isAlive()) {
        throw new AssertionError(
            "the job ended (exit "
                + job.exitValue()
                + ") before "
                + what
                + "\n"
                + state.describe()
                + "\n"
                + ClusterRunChecks.tail(err));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "not within 3 minutes: "
                + what
                + "\n"
                + state.describe()
                + "\n"
                + ClusterRunChecks.tail(err));
      }
      job.waitFor(500, TimeUnit.MILLISECONDS);
    }
  }

  /** Per table: how many rows each side has, and a few rows only one side has. */
  static String difference(Map<String, List<String>> streamed, Map<String, List<String>> batch) {
    StringBuilder text = new StringBuilder();
    for (String table : ZonesIT.TABLES) {
      List<String> missing = new ArrayList<>(batch.get(table));
      streamed.get(table).forEach(missing::remove);
      List<String> extra = new ArrayList<>(streamed.get(table));
      batch.get(table).forEach(extra::remove);
      text.append(
          String.format(
              "%s: streamed %d, batch %d, missing %d %s, extra %d %s%n",
              table,
              streamed.get(table).size(),
              batch.get(table).size(),
              missing.size(),
              missing.subList(0, Math.min(2, missing.size())),
              extra.size(),
              extra.subList(0, Math.min(2, extra.size()))));
    }
    return text.toString();
  }

  static @Nullable JsonNode parse(byte[] message) {
    try {
      JsonNode node = LakeFiles.MAPPER.readTree(message);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  static long landed(Path landing, Dataset dataset) {
    return LakeProgress.linesPerFolder(landing.toString()).getOrDefault(dataset.folder(), 0L);
  }

  /** Phone and step-trainer lines in landing's final files. */
  static long landedReadings(Path landing) {
    return landed(landing, Dataset.ACCELEROMETER) + landed(landing, Dataset.STEP_TRAINER);
  }

  /**
   * Waits until some readings have landed, then until the runner has written a checkpoint after
   * that moment: a file under {@code checkpoints} (to three levels) that {@code checkpointFile}
   * accepts ({@code chk-N/_metadata} on Flink, {@code checkpoint-<time>} on Spark). The job must
   * still run.
   */
  static void awaitCheckpointAfterReadingsLanded(
      Process job, Path err, Path landing, Path checkpoints, Predicate<String> checkpointFile)
      throws Exception {
    await("some readings landed", job, err, () -> landedReadings(landing) > 0);
    FileTime readingsLanded = FileTime.fromMillis(System.currentTimeMillis());
    await(
        "a checkpoint written after readings landed",
        job,
        err,
        () -> newest(checkpoints, 3, checkpointFile).compareTo(readingsLanded) > 0);
    assertThat(ClusterRunChecks.tail(err), job.isAlive(), equalTo(true));
  }

  /**
   * When the newest file under {@code folder} (to {@code depth}) that {@code name} accepts was
   * written.
   */
  static FileTime newest(Path folder, int depth, Predicate<String> name) throws IOException {
    FileTime newest = FileTime.fromMillis(0);
    if (!Files.isDirectory(folder)) {
      return newest;
    }
    try (Stream<Path> files = Files.walk(folder, depth)) {
      for (Path file : files.filter(p -> name.test(p.getFileName().toString())).toList()) {
        FileTime time = Files.getLastModifiedTime(file);
        if (time.compareTo(newest) > 0) {
          newest = time;
        }
      }
    }
    return newest;
  }

  /** The offsets in landing's final files, per {@code topic/partition}, and how many lines. */
  record Landed(Map<String, Set<Long>> offsets, int lines) {}

  static Landed landedOffsets(Path landing) throws IOException {
    Map<String, Set<Long>> offsets = new TreeMap<>();
    int lines = 0;
    for (JsonNode line : LakeFiles.readAll(landing)) {
      lines++;
      offsets
          .computeIfAbsent(
              line.get("source").asText() + "/" + line.get("partition").asText(),
              k -> new TreeSet<>())
          .add(line.get("offset").asLong());
    }
    return new Landed(offsets, lines);
  }

  /** Every offset the broker holds, per {@code topic/partition}. */
  static Map<String, Set<Long>> publishedOffsets(EmbeddedKafka kafka, Set<String> topics)
      throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (String topic : topics) {
      for (int p = 0; p < PARTITIONS; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
    }
    Map<String, Set<Long>> offsets = new TreeMap<>();
    try (Admin admin = kafka.admin()) {
      admin
          .listOffsets(latest)
          .all()
          .get()
          .forEach(
              (tp, info) -> {
                Set<Long> all = new TreeSet<>();
                for (long o = 0; o < info.offset(); o++) {
                  all.add(o);
                }
                if (!all.isEmpty()) {
                  offsets.put(tp.topic() + "/" + tp.partition(), all);
                }
              });
    }
    assertThat(offsets.size(), greaterThan(0));
    return offsets;
  }
}
