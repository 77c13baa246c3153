package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.zonestream.demo.EmbeddedKafka;
import dev.zonestream.demo.KafkaPublisher;
import dev.zonestream.model.Dataset;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
  private static final Pattern RUN_ID = Pattern.compile("-(r\\d{8}T\\d{6}Z-[0-9a-f]{4})\\.jsonl");

  @TempDir Path scratch;

  @Test
  void aKilledStreamRestartedWithTheSameCommandLosesNothingAndKeepsEachMessageOnce()
      throws Exception {
    long begin = System.nanoTime();
    Map<String, List<String>> direct = KilledStream.batchTables(DATA, scratch.resolve("direct"));
    timing("direct batch", begin);

    Path lake = scratch.resolve("lake");
    Path landing = lake.resolve("landing");
    Path checkpoints = lake.resolve("_checkpoints").resolve("flink");
    // The readings of every other customer are published after the kill, the rest before it: a
    // customer's phone and step-trainer readings of one moment arrive together. The later ones
    // are admitted only if the consent state of the customers, read by the first job alone, came
    // back; ten phone and ten step-trainer readings of the first part are delivered again after
    // the kill, kept once only if the de-duplication state came back.
    List<Map<String, List<byte[]>>> parts = KilledStream.parts(DATA);
    Map<String, List<byte[]>> customers = parts.get(0);
    Map<String, List<byte[]>> firstReadings = parts.get(1);
    Map<String, List<byte[]>> laterReadings = parts.get(2);
    String customerTopic = KilledStream.topic(Dataset.CUSTOMER);

    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      Set<String> topics = KilledStream.topics(parts);
      kafka.createTopics(topics, KilledStream.PARTITIONS);
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
              // Waits end by the watermark, which a restore brings back with the timers: this
              // need not outlast the restart.
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
        KilledStream.await(
            "the customers landed",
            first,
            firstErr,
            () -> KilledStream.landed(landing, Dataset.CUSTOMER) >= customerCount);
        timing("first job: customers landed", started);
        KafkaPublisher.publish(kafka.bootstrapServers(), firstReadings);
        KilledStream.awaitCheckpointAfterReadingsLanded(
            first, firstErr, landing, checkpoints, "_metadata"::equals);
      } finally {
        KilledStream.kill(first);
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
        KilledStream.await(
            "the trusted and curated tables equal the batch run's",
            second,
            secondErr,
            () -> ClusterRunChecks.tables(lake).equals(direct),
            () -> KilledStream.difference(ClusterRunChecks.tables(lake), direct));
        timing("second job: tables complete", restarted);
        streamed = ClusterRunChecks.tables(lake);
        assertThat(ClusterRunChecks.tail(secondErr), second.isAlive(), equalTo(true));
      } finally {
        KilledStream.kill(second);
      }
      String secondLog = Files.readString(secondErr);
      assertThat(secondLog, containsString("zonestream: resuming from Flink checkpoint "));
      assertThat(streamed, equalTo(direct));

      // No loss: every offset of every partition is in landing.
      KilledStream.Landed landed = KilledStream.landedOffsets(landing);
      Map<String, Set<Long>> published = KilledStream.publishedOffsets(kafka, topics);
      assertThat(landed.offsets(), equalTo(published));
      long messages = published.values().stream().mapToLong(Set::size).sum();
      System.out.printf(
          "landing: %d lines for %d messages (%d landed twice)%n",
          landed.lines(), messages, landed.lines() - messages);

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
        KilledStream.kill(third);
      }
      assertThat(ClusterRunChecks.tail(thirdErr), third.exitValue(), equalTo(2));
      String thirdLog = Files.readString(thirdErr);
      assertThat(thirdLog, containsString("cannot resume the stream from Flink checkpoint"));
      assertThat(thirdLog, containsString("chk-9999"));
      assertThat(thirdLog, containsString("--flinkResume=false starts a new job"));
    }
    timing("whole test", begin);
  }

  private static void timing(String what, long beginNanos) {
    System.out.printf("timing: %s %.1f s%n", what, (System.nanoTime() - beginNanos) / 1e9);
  }
}
