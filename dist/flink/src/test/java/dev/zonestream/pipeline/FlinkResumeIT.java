package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.EmbeddedKafka;
import dev.zonestream.demo.KafkaPublisher;
import dev.zonestream.model.Dataset;
import java.io.File;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Flink stream whose JVM is killed ({@code kill -9}) and started again with the same command
 * resumes from its newest completed checkpoint: every message published before and after the kill
 * lands (by topic, partition and offset), the trusted and curated tables equal the Direct runner's
 * bounded run over the same messages (so trusted holds each message once, redeliveries included,
 * and the consent state of customers read only by the first job survived), and the second job names
 * its files with the first job's run id. A checkpoint Flink cannot restore ends a start with exit 2
 * naming {@code --flinkResume=false}.
 *
 * <p>The job runs as {@code bin/zonestream --runner=FlinkRunner --source=kafka ...} would run it (a
 * plain JVM with this module's classpath; the launcher would first rebuild inside the running Maven
 * build), against a real broker the test starts.
 */
class FlinkResumeIT {
  private static final Path DATA =
      LocalCluster.ROOT.resolve("testdata").resolve("generated").resolve("seed-7-customers-20");
  private static final File TARGET = new File("target");
  private static final long DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(3);
  private static final int REDELIVERED = 10;
  private static final Pattern RUN_ID = Pattern.compile("-(r\\d{8}T\\d{6}Z-[0-9a-f]{4})\\.jsonl");

  @TempDir Path scratch;

  @Test
  void aKilledStreamRestartedWithTheSameCommandLosesNothingAndKeepsEachMessageOnce()
      throws Exception {
    long begin = System.nanoTime();
    MainTest.Run batch = MainTest.run("--input=" + DATA, "--lake=" + scratch.resolve("direct"));
    assertThat(batch.err(), batch.code(), equalTo(0));
    Map<String, List<String>> direct = ClusterRunChecks.tables(scratch.resolve("direct"));
    for (String table : ZonesIT.TABLES) {
      assertThat(table, direct.get(table), not(empty()));
    }
    timing("direct batch", begin);

    Path lake = scratch.resolve("lake");
    Path landing = lake.resolve("landing");
    Path checkpoints = lake.resolve("_checkpoints").resolve("flink");
    // The readings of every other customer are published after the kill, the rest before it: a
    // customer's phone and step-trainer readings of one moment arrive together (the join keeps a
    // reading twice the consent wait of processing time, which a restart's downtime also spends).
    // The later ones are admitted only if the consent state of the customers, read by the first
    // job alone, came back; ten phone and ten step-trainer readings of the first part are
    // delivered again after the kill, kept once only if the de-duplication state came back.
    Map<String, List<byte[]>> byFolder = EmbeddedDemo.readFolders(DATA);
    String customerTopic = "stedi." + Dataset.CUSTOMER.folder();
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
      String topic = "stedi." + dataset.folder();
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
      assertThat(topic, before.size(), greaterThan(REDELIVERED));
      assertThat(topic, after.size(), greaterThan(0));
      firstReadings.put(topic, before);
      after.addAll(before.subList(0, REDELIVERED));
      laterReadings.put(topic, after);
    }

    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      Set<String> topics = new TreeSet<>(customers.keySet());
      topics.addAll(firstReadings.keySet());
      kafka.createTopics(topics, 2);
      List<String> command =
          List.of(
              ClusterRunChecks.java(),
              "-cp",
              ClusterRunChecks.classpath(TARGET, "classpath-compile.txt", "classpath-runtime.txt"),
              "dev.zonestream.pipeline.Main",
              "--runner=FlinkRunner",
              "--flinkMaster=[local]",
              "--parallelism=2",
              "--source=kafka",
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--lake=" + lake,
              "--windowSeconds=2",
              "--maxBrokerDelaySeconds=1",
              // A wait that falls due while the job is down is given once more after the
              // restore (ProcessingTimeWaits), so this need not outlast the restart.
              "--consentWaitSeconds=20",
              "--checkpointingInterval=2000");

      // The first job: customers, then half of the readings once the customers have landed; killed
      // once a checkpoint newer than some landed readings has completed.
      KafkaPublisher.publish(kafka.bootstrapServers(), customers);
      long started = System.nanoTime();
      Path firstErr = scratch.resolve("first-err.txt");
      Process first = ClusterRunChecks.launch(command, scratch.resolve("first-out.txt"), firstErr);
      try {
        long customerCount = customers.get(customerTopic).size();
        await(
            "the customers landed",
            first,
            firstErr,
            () -> landed(landing, Dataset.CUSTOMER) >= customerCount);
        timing("first job: customers landed", started);
        KafkaPublisher.publish(kafka.bootstrapServers(), firstReadings);
        await(
            "some readings landed",
            first,
            firstErr,
            () ->
                landed(landing, Dataset.ACCELEROMETER) + landed(landing, Dataset.STEP_TRAINER) > 0);
        FileTime readingsLanded = FileTime.fromMillis(System.currentTimeMillis());
        await(
            "a checkpoint completed after readings landed",
            first,
            firstErr,
            () -> newestCheckpoint(checkpoints).compareTo(readingsLanded) > 0);
        assertThat(ClusterRunChecks.tail(firstErr), first.isAlive(), equalTo(true));
      } finally {
        kill(first);
      }
      timing("first job killed (kill -9)", started);
      assertThat(
          ClusterRunChecks.tail(firstErr),
          Files.readString(firstErr),
          containsString("a new Flink job"));

      // The rest while nothing runs; then the same command again.
      KafkaPublisher.publish(kafka.bootstrapServers(), laterReadings);
      long restarted = System.nanoTime();
      Path secondErr = scratch.resolve("second-err.txt");
      Process second =
          ClusterRunChecks.launch(command, scratch.resolve("second-out.txt"), secondErr);
      Map<String, List<String>> streamed;
      try {
        await(
            "the trusted and curated tables equal the batch run's",
            second,
            secondErr,
            () -> ClusterRunChecks.tables(lake).equals(direct),
            () -> difference(ClusterRunChecks.tables(lake), direct));
        timing("second job: tables complete", restarted);
        streamed = ClusterRunChecks.tables(lake);
        assertThat(ClusterRunChecks.tail(secondErr), second.isAlive(), equalTo(true));
      } finally {
        kill(second);
      }
      String secondLog = Files.readString(secondErr);
      assertThat(secondLog, containsString("zonestream: resuming from Flink checkpoint "));
      assertThat(streamed, equalTo(direct));

      // No loss: every offset of every partition is in landing.
      Map<String, Set<Long>> landedOffsets = new TreeMap<>();
      int landedLines = 0;
      for (JsonNode line : LakeFiles.readAll(landing)) {
        landedLines++;
        landedOffsets
            .computeIfAbsent(
                line.get("source").asText() + "/" + line.get("partition").asText(),
                k -> new TreeSet<>())
            .add(line.get("offset").asLong());
      }
      Map<String, Set<Long>> published = publishedOffsets(kafka, topics);
      assertThat(landedOffsets, equalTo(published));
      long messages = published.values().stream().mapToLong(Set::size).sum();
      System.out.printf(
          "landing: %d lines for %d messages (%d landed twice)%n",
          landedLines, messages, landedLines - messages);

      // One run id in every landing and table file: the second job took over the first's.
      Set<String> runIds = new TreeSet<>();
      try (Stream<Path> files = Files.walk(lake)) {
        files
            .filter(p -> p.toString().contains(".jsonl") && !p.toString().contains("/."))
            .forEach(
                p -> {
                  Matcher m = RUN_ID.matcher(p.getFileName().toString());
                  if (m.find()) {
                    runIds.add(m.group(1));
                  }
                });
      }
      assertThat(runIds.toString(), runIds.size(), equalTo(1));

      // A newer checkpoint that Flink cannot read: the start ends with exit 2 and the way out.
      Path broken =
          Files.createDirectories(
              checkpoints.resolve("0123456789abcdef0123456789abcdef").resolve("chk-9999"));
      Files.writeString(broken.resolve("_metadata"), "not a checkpoint");
      Path thirdErr = scratch.resolve("third-err.txt");
      Process third = ClusterRunChecks.launch(command, scratch.resolve("third-out.txt"), thirdErr);
      try {
        assertThat(
            ClusterRunChecks.tail(thirdErr), third.waitFor(2, TimeUnit.MINUTES), equalTo(true));
      } finally {
        kill(third);
      }
      assertThat(ClusterRunChecks.tail(thirdErr), third.exitValue(), equalTo(2));
      String thirdLog = Files.readString(thirdErr);
      assertThat(thirdLog, containsString("cannot resume the stream from Flink checkpoint"));
      assertThat(thirdLog, containsString("chk-9999"));
      assertThat(thirdLog, containsString("--flinkResume=false starts a new job"));
    }
    timing("whole test", begin);
  }

  /**
   * {@code kill -9} of the job's JVM (Flink's mini cluster runs inside it) and anything it forked.
   */
  private static void kill(Process process) throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private interface State {
    String describe() throws Exception;
  }

  /** Polls {@code condition} until it holds; fails if the job ends or the deadline passes. */
  private static void await(String what, Process job, Path err, Condition condition)
      throws Exception {
    await(what, job, err, condition, () -> "");
  }

  /** As above; a failure says where things stood ({@code state}). */
  private static void await(String what, Process job, Path err, Condition condition, State state)
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
                + tail(err));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "not within 3 minutes: " + what + "\n" + state.describe() + "\n" + tail(err));
      }
      job.waitFor(500, TimeUnit.MILLISECONDS);
    }
  }

  /** Per table: how many rows each side has, and a few rows only one side has. */
  private static String difference(
      Map<String, List<String>> streamed, Map<String, List<String>> direct) {
    StringBuilder text = new StringBuilder();
    for (String table : ZonesIT.TABLES) {
      List<String> missing = new ArrayList<>(direct.get(table));
      streamed.get(table).forEach(missing::remove);
      List<String> extra = new ArrayList<>(streamed.get(table));
      direct.get(table).forEach(extra::remove);
      text.append(
          String.format(
              "%s: streamed %d, batch %d, missing %d %s, extra %d %s%n",
              table,
              streamed.get(table).size(),
              direct.get(table).size(),
              missing.size(),
              missing.subList(0, Math.min(2, missing.size())),
              extra.size(),
              extra.subList(0, Math.min(2, extra.size()))));
    }
    return text.toString();
  }

  private static String tail(Path err) throws IOException {
    return ClusterRunChecks.tail(err);
  }

  private static @Nullable JsonNode parse(byte[] message) {
    try {
      JsonNode node = LakeFiles.MAPPER.readTree(message);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static long landed(Path landing, Dataset dataset) {
    return LakeProgress.linesPerFolder(landing.toString()).getOrDefault(dataset.folder(), 0L);
  }

  /** When the newest {@code <job>/chk-N/_metadata} under {@code folder} was written. */
  private static FileTime newestCheckpoint(Path folder) throws IOException {
    FileTime newest = FileTime.fromMillis(0);
    if (!Files.isDirectory(folder)) {
      return newest;
    }
    try (Stream<Path> files = Files.walk(folder, 3)) {
      for (Path metadata :
          files.filter(p -> p.getFileName().toString().equals("_metadata")).toList()) {
        FileTime time = Files.getLastModifiedTime(metadata);
        if (time.compareTo(newest) > 0) {
          newest = time;
        }
      }
    }
    return newest;
  }

  /** Every offset the broker holds, per {@code topic/partition}. */
  private static Map<String, Set<Long>> publishedOffsets(EmbeddedKafka kafka, Set<String> topics)
      throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (String topic : topics) {
      for (int p = 0; p < 2; p++) {
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

  private static void timing(String what, long beginNanos) {
    System.out.printf("timing: %s %.1f s%n", what, (System.nanoTime() - beginNanos) / 1e9);
  }
}
