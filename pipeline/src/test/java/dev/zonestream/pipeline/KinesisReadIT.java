package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a Kinesis read starts and when a bounded one ends, against a real kinesis-mock:
 *
 * <ul>
 *   <li>a Direct stream killed with {@code kill -9} and started again with the same command loses
 *       nothing: the new job starts where the killed one's landing ends, not at {@code
 *       --kinesisStartFrom}. The command says {@code latest}, the setting that loses most when a
 *       restart obeys it (what was read but not landed, and what arrived while the job was down);
 *   <li>{@code --maxReadSeconds} bounds the whole read of several streams of several shards, not
 *       each shard's reader.
 * </ul>
 */
class KinesisReadIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final Map<String, String> STREAMS =
      Map.of("restart.customer", "customer", "restart.accelerometer", "accelerometer");
  private static final int PER_BATCH = 4;

  @TempDir static Path work;
  private static KinesisMock kinesis;

  @BeforeAll
  static void startKinesis() throws Exception {
    kinesis = KinesisMock.start();
    for (String stream : STREAMS.keySet()) {
      kinesis.createStream(stream, 2);
    }
  }

  @AfterAll
  static void stopKinesis() throws Exception {
    if (kinesis != null) {
      kinesis.close();
    }
  }

  /**
   * 4 streams of 3 shards are 12 readers in Beam's bounded read, each given the read time from when
   * it started, and the Direct runner ran them 3 at a time: 20 s took 4 x 20 s of reading. Now
   * every reader stops at one deadline: the run takes the bound, its start-up and the zones of a
   * few records.
   */
  @Test
  void aBoundedReadOfManyShardsEndsAtItsReadTime() throws Exception {
    List<String> mapping = new ArrayList<>();
    List<String> folders = List.of("customer", "accelerometer", "step_trainer", "_unrouted");
    Map<String, Long> sent = new TreeMap<>();
    for (String folder : folders) {
      String stream = "bounded." + folder;
      kinesis.createStream(stream, 3);
      mapping.add(folder + "=" + stream);
      List<byte[]> values = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        values.add(("{\"probe\":\"" + stream + "#" + i + "\"}").getBytes(StandardCharsets.UTF_8));
      }
      kinesis.putAndLocate(stream, values, 0);
      sent.put(folder, (long) values.size());
    }
    Path lake = work.resolve("bounded");
    List<String> args = new ArrayList<>(jobArgs(lake, String.join(",", mapping), "trim-horizon"));
    args.add("--maxReadSeconds=20");
    long begin = System.nanoTime();
    MainTest.Run run = MainTest.run(args.toArray(String[]::new));
    double seconds = (System.nanoTime() - begin) / 1e9;
    timing("a bounded read of 4 streams x 3 shards, --maxReadSeconds=20, ended", begin);
    assertThat(run.err(), run.code(), equalTo(0));
    assertThat(run.err(), seconds < 20 + 40, equalTo(true));
    Map<String, Long> landed = new TreeMap<>();
    for (JsonNode line : LakeFiles.readAll(lake.resolve("landing"))) {
      landed.merge(line.get("dataset").asText(), 1L, Long::sum);
    }
    assertThat(landed, equalTo(sent));
  }

  @Test
  void aKilledStreamStartedAgainWithTheSameCommandLosesNothing() throws Exception {
    Path lake = work.resolve("lake");
    List<String> command =
        command(
            lake,
            STREAMS.entrySet().stream()
                .map(e -> e.getValue() + "=" + e.getKey())
                .collect(Collectors.joining(",")),
            "latest");
    Map<String, Put> sent = new TreeMap<>();

    long begin = System.nanoTime();
    Process first = ClusterRunChecks.launch(command, work.resolve("out-1"), work.resolve("err-1"));
    Process second = null;
    try {
      // Feed both streams until the landing of each spans 8 s of arrival times, more than a
      // restart steps back (two 1 s windows and 2 s of lateness); the job started at latest, so
      // what went in before its readers began is not expected anywhere.
      int batch = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (landedSpanSeconds(lake) < 8) {
        assertThat(ClusterRunChecks.tail(work.resolve("err-1")), first.isAlive(), equalTo(true));
        assertThat("landed in time", System.nanoTime() < deadline, equalTo(true));
        put(batch++, sent);
        first.waitFor(200, TimeUnit.MILLISECONDS);
      }
      // Some read but not in a final file yet, when the job dies.
      put(batch++, sent);
      first.destroyForcibly().waitFor();
      timing("first job killed", begin);

      // What arrives while no job runs.
      for (int i = 0; i < 10; i++) {
        put(batch++, sent);
      }
      second = ClusterRunChecks.launch(command, work.resolve("out-2"), work.resolve("err-2"));
      // ... and while the new job starts.
      for (int i = 0; i < 10; i++) {
        put(batch++, sent);
        second.waitFor(200, TimeUnit.MILLISECONDS);
      }

      // Every record from the first one the killed job landed in its shard onward must land.
      Map<String, List<Put>> expected = expected(sent, landedPerStream(lake));
      List<String> missing = missing(expected, lake);
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!missing.isEmpty() && second.isAlive() && System.nanoTime() < deadline) {
        second.waitFor(500, TimeUnit.MILLISECONDS);
        missing = missing(expected, lake);
      }
      timing("the restarted job landed what was missing", begin);
      assertThat(
          "missing from landing after the restart (of "
              + expected.values().stream().mapToInt(List::size).sum()
              + " expected):\n"
              + ClusterRunChecks.tail(work.resolve("err-2")),
          missing,
          empty());
    } finally {
      for (Process job : new Process[] {first, second}) {
        if (job != null && job.isAlive()) {
          job.destroyForcibly().waitFor();
        }
      }
    }

    // The new job said where each stream starts, and why; it re-read only from there on: every
    // record that arrived before that point is in landing once.
    String err = Files.readString(work.resolve("err-2"), StandardCharsets.UTF_8);
    System.out.println(
        err.lines().filter(l -> l.startsWith("zonestream:")).collect(Collectors.joining("\n")));
    for (String stream : STREAMS.keySet()) {
      Matcher line =
          Pattern.compile(
                  "zonestream: Kinesis stream "
                      + Pattern.quote(stream)
                      + " starts at (\\S+), where its landing ends: .*")
              .matcher(err);
      assertThat(err, line.find(), equalTo(true));
      long restartPoint = java.time.Instant.parse(line.group(1)).toEpochMilli();
      Map<String, Long> before = new HashMap<>();
      int after = 0;
      for (JsonNode landed : landedPerStream(lake).get(stream)) {
        if (landed.get("brokerTimestamp").asLong() < restartPoint) {
          before.merge(landed.get("offset").asText(), 1L, Long::sum);
        } else {
          after++;
        }
      }
      assertThat(stream + " landed before the restart point", before.size(), greaterThan(0));
      assertThat(
          stream + " records before the restart point landed twice",
          before.entrySet().stream().filter(e -> e.getValue() > 1).toList(),
          hasSize(0));
      assertThat(stream + " landed from the restart point on", after, greaterThan(0));
    }
  }

  private static void timing(String what, long beginNanos) {
    System.out.printf("timing: %s after %.1f s%n", what, (System.nanoTime() - beginNanos) / 1e9);
  }

  /** Where a record went, and its sequence in the test's own numbering. */
  private record Put(String stream, String shard, String sequenceNumber) {}

  /** Puts {@value #PER_BATCH} records into each stream. */
  private static void put(int batch, Map<String, Put> sent) {
    for (String stream : STREAMS.keySet()) {
      List<byte[]> values = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < PER_BATCH; i++) {
        String id = stream + "#" + batch + "." + i;
        ids.add(id);
        values.add(("{\"probe\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
      }
      List<KinesisMock.Put> puts = kinesis.putAndLocate(stream, values, batch * PER_BATCH);
      for (int i = 0; i < puts.size(); i++) {
        sent.put(ids.get(i), new Put(stream, puts.get(i).shard(), puts.get(i).sequenceNumber()));
      }
    }
  }

  /**
   * Per stream and shard, every record put at or after the first one the killed job landed there
   * (sequence numbers of a shard grow with each put).
   */
  private static Map<String, List<Put>> expected(
      Map<String, Put> sent, Map<String, List<JsonNode>> landed) {
    Map<String, String> firstLanded = new HashMap<>();
    landed.forEach(
        (stream, lines) -> {
          for (JsonNode line : lines) {
            firstLanded.merge(
                stream + "/" + line.get("partition").asText(),
                line.get("offset").asText(),
                (a, b) -> compare(a, b) <= 0 ? a : b);
          }
        });
    return sent.values().stream()
        .filter(
            put -> {
              String first = firstLanded.get(put.stream() + "/" + put.shard());
              return first != null && compare(put.sequenceNumber(), first) >= 0;
            })
        .collect(Collectors.groupingBy(Put::stream));
  }

  private static List<String> missing(Map<String, List<Put>> expected, Path lake)
      throws IOException {
    Map<String, List<JsonNode>> landed = landedPerStream(lake);
    List<String> missing = new ArrayList<>();
    expected.forEach(
        (stream, puts) -> {
          java.util.Set<String> offsets =
              landed.getOrDefault(stream, List.of()).stream()
                  .map(l -> l.get("offset").asText())
                  .collect(Collectors.toSet());
          puts.stream()
              .filter(p -> !offsets.contains(p.sequenceNumber()))
              .forEach(p -> missing.add(p.stream() + "/" + p.shard() + "/" + p.sequenceNumber()));
        });
    return missing;
  }

  private static int compare(String sequence, String other) {
    return new java.math.BigInteger(sequence).compareTo(new java.math.BigInteger(other));
  }

  /** The smallest span of arrival times landed, over the streams (0 until each has landed). */
  private static double landedSpanSeconds(Path lake) throws IOException {
    Map<String, List<JsonNode>> landed = landedPerStream(lake);
    if (landed.size() < STREAMS.size()) {
      return 0;
    }
    return landed.values().stream()
        .mapToDouble(
            lines -> {
              LongSummaryStatistics times =
                  lines.stream()
                      .mapToLong(l -> l.get("brokerTimestamp").asLong())
                      .summaryStatistics();
              return (times.getMax() - times.getMin()) / 1000.0;
            })
        .min()
        .orElse(0);
  }

  /**
   * The landing lines of final files, by stream; a file the running job moves while it is read is
   * left to the next look.
   */
  private static Map<String, List<JsonNode>> landedPerStream(Path lake) throws IOException {
    Path landing = lake.resolve("landing");
    if (!Files.isDirectory(landing)) {
      return Map.of();
    }
    List<JsonNode> lines;
    try {
      lines = LakeFiles.readAll(landing);
    } catch (NoSuchFileException | UncheckedIOException e) {
      return Map.of();
    }
    return lines.stream().collect(Collectors.groupingBy(l -> l.get("source").asText()));
  }

  /** The job as a JVM of its own (a Direct stream, to kill). */
  private static List<String> command(Path lake, String streams, String startFrom)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ClusterRunChecks.java());
    command.add("-Xmx768m");
    command.add("-cp");
    command.add(
        String.join(
            File.pathSeparator,
            TARGET.resolve("classes").toString(),
            TARGET.resolve("test-classes").toString(),
            ClusterRunChecks.classpath(TARGET.toFile(), "classpath.txt")));
    command.add(Main.class.getName());
    command.addAll(jobArgs(lake, streams, startFrom));
    return command;
  }

  private static List<String> jobArgs(Path lake, String streams, String startFrom) {
    List<String> command = new ArrayList<>();
    command.add("--source=kinesis");
    command.add("--streams=" + streams);
    command.add("--kinesisEndpoint=" + kinesis.endpoint());
    command.add("--kinesisStartFrom=" + startFrom);
    command.add("--awsRegion=" + KinesisMock.REGION);
    command.add(
        "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\","
            + "\"accessKeyId\":\"x\",\"secretAccessKey\":\"x\"}");
    command.add("--lake=" + lake);
    command.add("--windowSeconds=1");
    command.add("--maxBrokerDelaySeconds=1");
    // A restart re-reads two windows and the allowed lateness: keep it short, so the test shows
    // that what arrived before that point is not read again.
    command.add("--allowedLatenessSeconds=2");
    command.add("--consentWaitSeconds=10");
    return command;
  }
}
