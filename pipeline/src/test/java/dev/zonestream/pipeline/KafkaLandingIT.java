package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.EmbeddedKafka;
import dev.zonestream.demo.StediGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.joda.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming graph against a real Kafka broker: every published message lands exactly once,
 * windows close although one partition of every topic receives nothing, and the consumer group's
 * offsets are committed up to the end once the messages have landed.
 */
class KafkaLandingIT {
  private static final Path DATA = Path.of("..", "testdata", "generated", "seed-7-customers-20");
  private static final int PARTITIONS = 3;
  private static EmbeddedKafka kafka;

  /**
   * Producer settings: with the client's 30 s request timeout, a broker starved by a loaded machine
   * made the idempotent producer resend batches with reset sequence numbers, which the broker
   * refused (OutOfOrderSequenceException) until delivery timed out.
   */
  private static final java.util.function.Function<String, Map<String, Object>> PRODUCER =
      servers ->
          Map.of(
              "bootstrap.servers",
              servers,
              "acks",
              "all",
              "request.timeout.ms",
              120_000,
              "delivery.timeout.ms",
              300_000,
              // Idempotence off: the broker refused its sequence numbers
              // (OutOfOrderSequenceException, "0 (incoming), 13 (current end)") until delivery
              // timed out, once on a quiet machine too. One request in flight keeps the order.
              "enable.idempotence",
              false,
              "max.in.flight.requests.per.connection",
              1);

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void everyMessageLandsExactlyOnceAndWindowsCloseWithAnIdlePartition(@TempDir Path lake)
      throws Exception {
    Map<String, List<byte[]>> byFolder = EmbeddedDemo.readFolders(DATA);
    Map<String, String> topicOf =
        Map.of(
            "customer", "it.customer",
            "accelerometer", "it.accelerometer",
            "step_trainer", "it.step_trainer",
            "thermostat", "it.thermostat");
    kafka.createTopics(topicOf.values(), PARTITIONS);

    // Partitions 0 and 1 only: partition 2 of every topic stays empty for the whole run.
    Map<String, Long> published = new TreeMap<>();
    List<String> sentPayloads = new ArrayList<>();
    List<String> sentCoordinates = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            PRODUCER.apply(kafka.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      byFolder.forEach(
          (folder, messages) -> {
            for (int i = 0; i < messages.size(); i++) {
              acks.add(
                  producer.send(
                      new ProducerRecord<>(
                          topicOf.get(folder),
                          i % 2,
                          ("device-" + i).getBytes(StandardCharsets.UTF_8),
                          messages.get(i))));
              sentPayloads.add(LakeFiles.canonical(messages.get(i)));
            }
            published.merge(
                folder.equals("thermostat") ? "_unrouted" : folder,
                (long) messages.size(),
                Long::sum);
          });
      for (Future<RecordMetadata> ack : acks) {
        RecordMetadata sent = ack.get();
        sentCoordinates.add(sent.topic() + "/" + sent.partition() + "@" + sent.offset());
      }
    }

    ZonestreamOptions options =
        PipelineOptionsFactory.fromArgs(
                "--bootstrapServers=" + kafka.bootstrapServers(),
                "--topics=customer=it.customer,accelerometer=it.accelerometer,step_trainer=it.step_trainer",
                "--topicPattern=it\\..*",
                "--consumerGroup=landing-it",
                "--windowSeconds=5",
                "--consentWaitSeconds=3",
                "--maxBrokerDelaySeconds=1",
                "--lake=" + lake)
            .as(ZonestreamOptions.class);
    JobConfig config = Preflight.configure(options);
    options.setStreaming(true);
    RunnerDefaults.forDirectStream(options);
    Pipeline pipeline = Pipeline.create(options);
    ZonestreamPipeline.build(pipeline, config);

    PipelineResult result = pipeline.run();
    boolean landed;
    boolean committed;
    CommitWatch watch = new CommitWatch("landing-it", sentCoordinates, lake.resolve("landing"));
    Thread watcher = new Thread(watch, "commit-watch");
    watcher.start();
    try {
      landed =
          SettleRule.awaitSettled(result, published, Duration.standardMinutes(3), System.err)
              .complete();
      committed = awaitCommittedToEnd("landing-it", topicOf.values(), result);
    } finally {
      watch.stop();
      watcher.join();
      result.cancel();
    }
    assertThat("every published message landed", landed, equalTo(true));
    assertThat("offsets committed up to the end of every partition", committed, equalTo(true));
    // Offsets only ever pass messages already in final landing files, as seen while the job ran.
    assertThat(watch.violations, equalTo(List.of()));
    assertThat("commits seen while the job ran", watch.samplesWithCommits > 0, equalTo(true));

    List<JsonNode> lines = LakeFiles.readAll(lake.resolve("landing"));
    Set<String> coordinates = new HashSet<>();
    for (JsonNode line : lines) {
      assertThat(line.get("sourceKind").asText(), equalTo("kafka"));
      String coordinate = coordinate(line);
      assertThat("landed twice: " + coordinate, coordinates.add(coordinate), equalTo(true));
      assertThat(line.get("key").asText(), startsWith("device-"));
    }
    assertThat(
        lines.stream().map(LakeFiles::canonicalPayload).toList(),
        containsInAnyOrder(sentPayloads.toArray()));
    Map<String, Long> landedPerDataset =
        lines.stream()
            .collect(
                Collectors.groupingBy(
                    l -> l.get("dataset").asText(), TreeMap::new, Collectors.counting()));
    assertThat(landedPerDataset, equalTo(published));
  }

  @Test
  void aNewJobOfTheGroupResumesAfterWhatTheLastOneLandedAndKnowsItsCustomers(@TempDir Path work)
      throws Exception {
    Path lake = work.resolve("streamed");
    List<String> topics = List.of("rs.customer", "rs.accelerometer");
    kafka.createTopics(topics, PARTITIONS);
    List<byte[]> customers = EmbeddedDemo.readFolders(DATA).get("customer");
    List<byte[]> readings = EmbeddedDemo.readFolders(DATA).get("accelerometer");
    String[] args = {
      "--bootstrapServers=" + kafka.bootstrapServers(),
      "--topics=customer=rs.customer,accelerometer=rs.accelerometer",
      "--consumerGroup=restart-it",
      "--windowSeconds=5",
      "--consentWaitSeconds=3",
      "--maxBrokerDelaySeconds=1",
      "--lake=" + lake
    };

    // The first job lands the customers and half the readings, then stops.
    List<String> first = publish("rs.customer", customers);
    first.addAll(publish("rs.accelerometer", readings.subList(0, readings.size() / 2)));
    runUntilLandedAndCommitted(
        args,
        Map.of("customer", (long) customers.size(), "accelerometer", (long) readings.size() / 2),
        topics);
    // While no job runs, devices keep sending; the next job of the group picks up from there.
    List<String> second =
        publish("rs.accelerometer", readings.subList(readings.size() / 2, readings.size()));
    runUntilLandedAndCommitted(
        args, Map.of("accelerometer", (long) (readings.size() - readings.size() / 2)), topics);

    List<String> landed = new ArrayList<>();
    for (JsonNode line : LakeFiles.readAll(lake.resolve("landing"))) {
      landed.add(coordinate(line));
    }
    List<String> sent = new ArrayList<>(first);
    sent.addAll(second);
    // Every message once: the second job neither missed nor re-read what the first one landed.
    assertThat(landed, containsInAnyOrder(sent.toArray()));

    // The second job never read a customer, yet decided their readings as one batch run of all
    // the messages does (it starts from the customers the lake holds), and wrote no customer
    // row twice.
    Path input = work.resolve("input");
    StediGenerator.writeTo(Map.of("customer", customers, "accelerometer", readings), input);
    MainTest.Run batch = MainTest.run("--input=" + input, "--lake=" + work.resolve("batch"));
    assertThat(batch.err(), batch.code(), equalTo(0));
    for (String table : List.of("trusted/customer", "trusted/accelerometer", "curated/customer")) {
      assertThat(table, rows(lake.resolve(table)), equalTo(rows(work.resolve("batch/" + table))));
    }
    assertThat(
        "readings of the first job's customers were decided, not rejected",
        rows(work.resolve("batch/trusted/accelerometer")).size() > readings.size() / 4,
        equalTo(true));
  }

  @Test
  void aJobKilledWithRowsInFlightIsStartedAgainAndItsTablesAreTheBatchRunsTables(@TempDir Path work)
      throws Exception {
    Path lake = work.resolve("streamed");
    List<String> datasets = List.of("customer", "accelerometer", "step_trainer");
    Map<String, List<byte[]>> folders = EmbeddedDemo.readFolders(DATA);
    Map<String, List<byte[]>> all = new TreeMap<>();
    datasets.forEach(d -> all.put(d, folders.get(d)));
    kafka.createTopics(datasets.stream().map(d -> "kill." + d).toList(), PARTITIONS);
    String[] args = {
      "--bootstrapServers=" + kafka.bootstrapServers(),
      "--topics=" + datasets.stream().map(d -> d + "=kill." + d).collect(Collectors.joining(",")),
      "--consumerGroup=kill-it",
      "--windowSeconds=5",
      // Readings of one moment pair within twice this of each other: the second job's readings
      // pair with the first job's, held from the second job's start.
      "--consentWaitSeconds=30",
      "--maxBrokerDelaySeconds=1",
      "--lake=" + lake
    };

    // The first job: the customers, then half of each device's readings.
    Map<String, List<byte[]>> first = new TreeMap<>();
    Map<String, List<byte[]>> second = new TreeMap<>();
    all.forEach(
        (d, messages) -> {
          int half = d.equals("customer") ? messages.size() : messages.size() / 2;
          first.put(d, messages.subList(0, half));
          second.put(d, messages.subList(half, messages.size()));
        });
    // The batch runs' tables first: beside the stream jobs they took a minute of a 2-core machine.
    long begin = System.nanoTime();
    Map<String, List<String>> batchOfFirst = batchTables(first, work.resolve("batch-first"));
    Map<String, List<String>> batch = batchTables(all, work.resolve("batch"));
    timing("batch runs", begin);
    first.forEach((d, messages) -> publishQuietly("kill." + d, messages));
    long firstCount = first.values().stream().mapToLong(List::size).sum();
    Process job = ClusterRunChecks.startMain("-Xmx1g", work.resolve("first.log"), args);
    try {
      awaitLanded(lake, firstCount, job);
    } finally {
      // As kill -9: the job's memory (open table windows, readings waiting) is gone.
      job.destroyForcibly().waitFor();
    }
    timing("first job landed and was killed", begin);
    Map<String, List<String>> killed = ClusterRunChecks.tables(lake);

    // While no job runs the devices send the rest; the same command starts the job again.
    second.forEach((d, messages) -> publishQuietly("kill." + d, messages));
    Process again = ClusterRunChecks.startMain("-Xmx1g", work.resolve("second.log"), args);
    try {
      System.out.println("after the kill: " + difference(killed, batchOfFirst));
      assertThat(
          "the kill left landed messages without their rows (the case this test is about)",
          killed.equals(batchOfFirst),
          equalTo(false));
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
      Map<String, List<String>> streamed = ClusterRunChecks.tables(lake);
      while (!streamed.equals(batch) && again.isAlive() && System.nanoTime() < deadline) {
        again.waitFor(1, java.util.concurrent.TimeUnit.SECONDS);
        streamed = ClusterRunChecks.tables(lake);
      }
      timing("second job's tables complete", begin);
      String log =
          java.nio.file.Files.readString(work.resolve("second.log"), StandardCharsets.UTF_8);
      assertThat(log, again.isAlive(), equalTo(true));
      assertThat(log, log.contains("rebuilt trusted and curated from landing"), equalTo(true));
      assertThat(difference(streamed, batch) + "\n" + log, streamed, equalTo(batch));
    } finally {
      again.destroyForcibly().waitFor();
    }
  }

  @Test
  void aLandingOnlyStreamShowsItsProgressKeepsItsSummaryCurrentAndWritesItWhenStopped(
      @TempDir Path work) throws Exception {
    List<byte[]> readings = EmbeddedDemo.readFolders(DATA).get("accelerometer");
    String topic = "progress.accelerometer";
    kafka.createTopics(List.of(topic), PARTITIONS);
    int half = readings.size() / 2;
    long now = System.currentTimeMillis();
    // The first half with broker times six hours ago; the rest, sent while the job runs, five
    // hours of broker time later.
    publishAt(topic, readings.subList(0, half), now - 6 * 3_600_000L);
    Path lake = work.resolve("lake");
    Process job =
        ClusterRunChecks.startMain(
            "-Xmx1g",
            work.resolve("job.log"),
            "--bootstrapServers=" + kafka.bootstrapServers(),
            "--topics=accelerometer=" + topic,
            "--consumerGroup=progress-it",
            "--zones=landing",
            "--windowSeconds=5",
            "--maxBrokerDelaySeconds=1",
            "--progressSeconds=1",
            "--metricsPort=0",
            "--lake=" + lake);
    JsonNode running;
    String scraped;
    try {
      running = awaitSummary(lake, half, job, work.resolve("job.log"));
      // An operator's scrape while the stream runs: Prometheus's text format over HTTP.
      // Polled until the commit after the landing has brought the lag to 0 (bounded).
      int port = MetricsEndpointTest.port(work.resolve("job.log"));
      long scrapeDeadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      scraped = MetricsEndpointTest.scrape(port);
      while (!scraped.contains("zonestream_consumer_lag_messages 0.0")
          && System.nanoTime() < scrapeDeadline) {
        job.waitFor(1, java.util.concurrent.TimeUnit.SECONDS);
        scraped = MetricsEndpointTest.scrape(port);
      }
      publishAt(topic, readings.subList(half, readings.size()), now - 3_600_000L);
      awaitSummary(lake, readings.size(), job, work.resolve("job.log"));
    } finally {
      // SIGTERM, not Ctrl-C's SIGINT: a job started from a background shell (a CI runner) has
      // SIGINT ignored, and the JVM then leaves it ignored. Both run the same shutdown hook.
      job.destroy();
      if (!job.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)) {
        job.destroyForcibly().waitFor();
      }
    }
    String log = java.nio.file.Files.readString(work.resolve("job.log"), StandardCharsets.UTF_8);
    assertThat(log, running.path("stream").path("running").asBoolean(), equalTo(true));
    assertThat(running.path("zonesWritten").asText(), equalTo("landing"));
    assertThat(log, running.path("zones").has("trusted"), equalTo(false));
    assertThat(
        log,
        java.util.regex.Pattern.compile(
                "zonestream: \\+\\S+ read [0-9,]+ landed "
                    + String.format(java.util.Locale.ROOT, "%,d", half)
                    + " lag 0\n")
            .matcher(log)
            .find(),
        equalTo(true));
    assertThat(
        scraped,
        scraped.contains(
                "zonestream_landed_messages_total{dataset=\"accelerometer\"} " + half + ".0")
            && scraped.contains("zonestream_consumer_lag_messages 0.0")
            && scraped.contains("# TYPE zonestream_landing_newest_file_age_seconds gauge"),
        equalTo(true));
    // What the stop left: the summary printed and written, every message landed once, no table.
    JsonNode last = LakeFiles.readJson(lake.resolve("_summary.json"));
    assertThat(log, log.contains("zonestream stream summary"), equalTo(true));
    assertThat(last.toString(), last.path("stream").path("running").asBoolean(), equalTo(false));
    assertThat(
        last.toString(),
        last.path("zones").path("landing").path("accelerometer").asLong(),
        equalTo((long) readings.size()));
    assertThat(last.toString(), last.path("stream").path("consumerLag").asLong(), equalTo(0L));
    List<JsonNode> landed = LakeFiles.readAll(lake.resolve("landing"));
    assertThat(
        landed.stream().map(KafkaLandingIT::coordinate).distinct().count(),
        equalTo((long) readings.size()));
    assertThat(landed.size(), equalTo(readings.size()));
    assertThat(LakeFiles.readAll(lake.resolve("trusted")).isEmpty(), equalTo(true));
  }

  /**
   * Waits (bounded) until the running stream's {@code _summary.json} says {@code count} messages
   * landed and none is left behind in the broker; returns that summary.
   */
  private static JsonNode awaitSummary(Path lake, long count, Process job, Path log)
      throws Exception {
    Path file = lake.resolve("_summary.json");
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
    JsonNode summary = null;
    while (job.isAlive() && System.nanoTime() < deadline) {
      if (java.nio.file.Files.exists(file)) {
        summary = LakeFiles.readJson(file);
        if (summary.path("zones").path("landing").path("accelerometer").asLong() == count
            && summary.path("stream").path("consumerLag").asLong(-1) == 0) {
          return summary;
        }
      }
      job.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    throw new AssertionError(
        "no summary with "
            + count
            + " landed and no lag: "
            + summary
            + "\n"
            + java.nio.file.Files.readString(log, StandardCharsets.UTF_8));
  }

  private static void timing(String what, long begin) {
    System.out.printf("%s after %.1f s%n", what, (System.nanoTime() - begin) / 1e9);
  }

  /** Per table: the rows only in {@code actual} and only in {@code expected} (a few of each). */
  private static String difference(
      Map<String, List<String>> actual, Map<String, List<String>> expected) {
    StringBuilder text = new StringBuilder();
    expected.forEach(
        (table, rows) -> {
          List<String> got = actual.getOrDefault(table, List.of());
          List<String> extra = new ArrayList<>(got);
          rows.forEach(extra::remove);
          List<String> missing = new ArrayList<>(rows);
          got.forEach(missing::remove);
          if (!extra.isEmpty() || !missing.isEmpty()) {
            text.append(
                String.format(
                    "%s: %d rows, expected %d; %d extra %s; %d missing %s%n",
                    table,
                    got.size(),
                    rows.size(),
                    extra.size(),
                    extra.subList(0, Math.min(3, extra.size())),
                    missing.size(),
                    missing.subList(0, Math.min(3, missing.size()))));
          }
        });
    return text.toString();
  }

  /** The tables of a bounded files run over {@code messages} (by dataset folder). */
  private static Map<String, List<String>> batchTables(
      Map<String, List<byte[]>> messages, Path work) throws Exception {
    Path input = work.resolve("input");
    StediGenerator.writeTo(messages, input);
    MainTest.Run batch = MainTest.run("--input=" + input, "--lake=" + work.resolve("lake"));
    assertThat(batch.err(), batch.code(), equalTo(0));
    return ClusterRunChecks.tables(work.resolve("lake"));
  }

  /** Waits (bounded) until {@code count} messages are in final landing files. */
  private static void awaitLanded(Path lake, long count, Process job) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
    long landed = 0;
    while (landed < count && job.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      try {
        landed =
            java.nio.file.Files.exists(lake.resolve("landing"))
                ? LakeFiles.readAll(lake.resolve("landing")).size()
                : 0;
      } catch (java.io.IOException | java.io.UncheckedIOException e) {
        // a temporary folder vanished while listing: count again
      }
    }
    assertThat("landed before the kill", landed, equalTo(count));
  }

  private static void publishQuietly(String topic, List<byte[]> messages) {
    try {
      publish(topic, messages);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code topic/partition@offset} of a landing line. */
  private static String coordinate(JsonNode line) {
    return line.get("source").asText()
        + "/"
        + line.get("partition").asText()
        + "@"
        + line.get("offset").asText();
  }

  private static List<String> rows(Path table) throws java.io.IOException {
    return LakeFiles.readAll(table).stream().map(JsonNode::toString).sorted().toList();
  }

  private static List<String> publish(String topic, List<byte[]> messages) throws Exception {
    return publishAt(topic, messages, null);
  }

  /**
   * Sends {@code messages} to partitions 0 and 1 in turn, with broker times from {@code first} a
   * second apart (the producer's clock when null); their coordinates.
   */
  private static List<String> publishAt(
      String topic,
      List<byte[]> messages,
      @org.checkerframework.checker.nullness.qual.Nullable Long first)
      throws Exception {
    List<String> coordinates = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            PRODUCER.apply(kafka.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      for (int i = 0; i < messages.size(); i++) {
        Long time = first == null ? null : first + i * 1000L;
        acks.add(producer.send(new ProducerRecord<>(topic, i % 2, time, null, messages.get(i))));
      }
      for (Future<RecordMetadata> ack : acks) {
        RecordMetadata sent = ack.get();
        coordinates.add(sent.topic() + "/" + sent.partition() + "@" + sent.offset());
      }
    }
    return coordinates;
  }

  /** Runs one job until {@code expected} landed and the group committed every partition's end. */
  private static void runUntilLandedAndCommitted(
      String[] args, Map<String, Long> expected, List<String> topics) throws Exception {
    ZonestreamOptions options = PipelineOptionsFactory.fromArgs(args).as(ZonestreamOptions.class);
    JobConfig config = Preflight.configure(options);
    options.setStreaming(true);
    RunnerDefaults.forDirectStream(options);
    Pipeline pipeline = Pipeline.create(options);
    ZonestreamPipeline.build(pipeline, config);
    PipelineResult result = pipeline.run();
    try {
      assertThat(
          "landed " + expected,
          SettleRule.awaitSettled(
                  result, new TreeMap<>(expected), Duration.standardMinutes(2), System.err)
              .complete(),
          equalTo(true));
      assertThat(
          "committed to the end", awaitCommittedToEnd("restart-it", topics, result), equalTo(true));
    } finally {
      result.cancel();
    }
  }

  /** Polls (bounded) until the group's committed offsets reach each partition's end offset. */
  private static boolean awaitCommittedToEnd(
      String group, java.util.Collection<String> topics, PipelineResult result) throws Exception {
    try (Admin admin = kafka.admin()) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (String topic : topics) {
        for (int p = 0; p < PARTITIONS; p++) {
          latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
      }
      Map<TopicPartition, Long> ends = new HashMap<>();
      admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        boolean done =
            ends.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .allMatch(
                    e ->
                        committed.get(e.getKey()) != null
                            && committed.get(e.getKey()).offset() == e.getValue());
        if (done) {
          return true;
        }
        result.waitUntilFinish(Duration.millis(500));
      }
      return false;
    }
  }

  /**
   * Samples, until stopped, the group's committed offsets and then the final landing files: every
   * published message below a committed offset must already be in a final file.
   */
  private static final class CommitWatch implements Runnable {
    private final String group;
    private final List<String> sent;
    private final Path landing;
    private volatile boolean stopped;
    final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile int samplesWithCommits;

    CommitWatch(String group, List<String> sent, Path landing) {
      this.group = group;
      this.sent = sent;
      this.landing = landing;
    }

    void stop() {
      stopped = true;
    }

    @Override
    public void run() {
      try (Admin admin = kafka.admin()) {
        while (!stopped && violations.isEmpty()) {
          Map<TopicPartition, OffsetAndMetadata> committed =
              admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
          Set<String> landed = new HashSet<>();
          try {
            if (java.nio.file.Files.exists(landing)) {
              for (JsonNode line : LakeFiles.readAll(landing)) {
                landed.add(coordinate(line));
              }
            }
          } catch (java.io.IOException | java.io.UncheckedIOException e) {
            continue; // a temporary folder vanished while listing: sample again
          }
          if (!committed.isEmpty()) {
            samplesWithCommits++;
          }
          for (String coordinate : sent) {
            int slash = coordinate.lastIndexOf('/');
            int at = coordinate.lastIndexOf('@');
            OffsetAndMetadata c =
                committed.get(
                    new TopicPartition(
                        coordinate.substring(0, slash),
                        Integer.parseInt(coordinate.substring(slash + 1, at))));
            long offset = Long.parseLong(coordinate.substring(at + 1));
            if (c != null
                && offset < c.offset()
                && !landed.contains(coordinate)
                && violations.size() < 5) {
              violations.add(coordinate + " below committed " + c.offset() + " but not landed");
            }
          }
          Thread.sleep(100);
        }
      } catch (Exception e) {
        violations.add("watch failed: " + e);
      }
    }
  }
}
