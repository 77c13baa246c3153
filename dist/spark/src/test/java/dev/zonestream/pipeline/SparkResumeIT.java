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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark stream ({@code SparkRunner}, {@code local[2]}) whose JVM is killed ({@code kill -9})
 * twice and started again each time with the same command loses nothing: every message the broker
 * holds lands (by topic, partition and offset), and the trusted and curated tables equal the Direct
 * runner's bounded run over the same messages, each message once. Half the readings are published
 * while the job is down, with repeats of readings the first job read.
 *
 * <p>Each start goes on from the lake (the rebuild of trusted and curated from landing, then the
 * broker), not from Spark's checkpoint: {@code SparkCheckpoints} says why. The job runs as {@code
 * bin/zonestream --runner=SparkRunner --source=kafka ...} would run it (a plain JVM with this
 * module's classpath), against a real broker the test starts.
 */
class SparkResumeIT {
  private static final Path DATA =
      LocalCluster.ROOT.resolve("testdata").resolve("generated").resolve("seed-7-customers-20");
  private static final File TARGET = new File("target");

  @TempDir Path scratch;

  @Test
  void aStreamKilledTwiceAndRestartedWithTheSameCommandLosesNothingAndKeepsEachMessageOnce()
      throws Exception {
    long begin = System.nanoTime();
    Map<String, List<String>> direct = KilledStream.batchTables(DATA, scratch.resolve("direct"));
    ClusterRunChecks.timing("direct batch", begin);

    Path lake = scratch.resolve("lake");
    Path landing = lake.resolve("landing");
    Path checkpoints = lake.resolve("_checkpoints").resolve("spark");
    List<Map<String, List<byte[]>>> parts = KilledStream.parts(DATA);
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      Set<String> topics = KilledStream.topics(parts);
      kafka.createTopics(topics, KilledStream.PARTITIONS);
      List<String> command =
          List.of(
              ClusterRunChecks.java(),
              "-Xmx1g",
              "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
              "-Dspark.driver.host=127.0.0.1",
              "-Dspark.driver.bindAddress=127.0.0.1",
              "-Dspark.ui.enabled=false",
              "-cp",
              ClusterRunChecks.classpath(TARGET, "classpath-compile.txt", "classpath-runtime.txt"),
              "dev.zonestream.pipeline.Main",
              "--runner=SparkRunner",
              "--sparkMaster=local[2]",
              "--batchIntervalMillis=2000",
              "--source=kafka",
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--lake=" + lake,
              "--windowSeconds=2",
              "--maxBrokerDelaySeconds=1",
              "--consentWaitSeconds=20");

      // The first job: customers, then half of the readings once the customers have landed;
      // killed once Spark has checkpointed after some readings landed.
      KafkaPublisher.publish(kafka.bootstrapServers(), parts.get(0));
      long started = System.nanoTime();
      Path firstErr = scratch.resolve("first-err.txt");
      Process first = ClusterRunChecks.launch(command, scratch.resolve("first-out.txt"), firstErr);
      try {
        long customerCount = parts.get(0).get(KilledStream.topic(Dataset.CUSTOMER)).size();
        KilledStream.await(
            "the customers landed",
            first,
            firstErr,
            () -> KilledStream.landed(landing, Dataset.CUSTOMER) >= customerCount);
        ClusterRunChecks.timing("first job: customers landed", started);
        KafkaPublisher.publish(kafka.bootstrapServers(), parts.get(1));
        KilledStream.awaitCheckpointAfterReadingsLanded(
            first, firstErr, landing, checkpoints, SparkResumeIT::isSparkCheckpoint);
      } finally {
        KilledStream.kill(first);
      }
      ClusterRunChecks.timing("first job killed (kill -9)", started);

      // The rest while nothing runs; the same command again, killed again once it has
      // checkpointed past more landed readings.
      KafkaPublisher.publish(kafka.bootstrapServers(), parts.get(2));
      Path secondErr = scratch.resolve("second-err.txt");
      Process second =
          ClusterRunChecks.launch(command, scratch.resolve("second-out.txt"), secondErr);
      try {
        long landedBefore = KilledStream.landedReadings(landing);
        KilledStream.await(
            "more readings landed",
            second,
            secondErr,
            () -> KilledStream.landedReadings(landing) > landedBefore);
        KilledStream.awaitCheckpointAfterReadingsLanded(
            second, secondErr, landing, checkpoints, SparkResumeIT::isSparkCheckpoint);
      } finally {
        KilledStream.kill(second);
      }
      ClusterRunChecks.timing("second job killed (kill -9)", started);

      Path thirdErr = scratch.resolve("third-err.txt");
      Process third = ClusterRunChecks.launch(command, scratch.resolve("third-out.txt"), thirdErr);
      Map<String, List<String>> streamed;
      try {
        // The second job may have decided everything before its kill: the third start must
        // still rebuild and stream, and then hold the batch run's tables.
        KilledStream.await(
            "the third job streams",
            third,
            thirdErr,
            () -> Files.readString(thirdErr).contains("zonestream: streaming"));
        KilledStream.await(
            "the trusted and curated tables equal the batch run's",
            third,
            thirdErr,
            () -> ClusterRunChecks.tables(lake).equals(direct),
            () -> KilledStream.difference(ClusterRunChecks.tables(lake), direct));
        ClusterRunChecks.timing("third job: tables complete", started);
        streamed = ClusterRunChecks.tables(lake);
        assertThat(ClusterRunChecks.tail(thirdErr), third.isAlive(), equalTo(true));
      } finally {
        KilledStream.kill(third);
      }
      for (Path err : List.of(secondErr, thirdErr)) {
        assertThat(
            ClusterRunChecks.tail(err),
            Files.readString(err),
            containsString("rebuilt trusted and curated from landing"));
      }
      assertThat(streamed, equalTo(direct));

      // No loss: every offset of every partition is in landing.
      KilledStream.Landed landed = KilledStream.landedOffsets(landing);
      Map<String, Set<Long>> published = KilledStream.publishedOffsets(kafka, topics);
      assertThat(landed.offsets(), equalTo(published));
      long messages = published.values().stream().mapToLong(Set::size).sum();
      System.out.printf(
          "landing: %d lines for %d messages (%d landed twice)%n",
          landed.lines(), messages, landed.lines() - messages);
    }
    ClusterRunChecks.timing("whole test", begin);
  }

  /**
   * Spark's own checkpoint files ({@code checkpoint-<time>}, in the {@code spark-checkpoint} folder
   * Beam keeps under {@code --checkpointDir}).
   */
  private static boolean isSparkCheckpoint(String fileName) {
    return fileName.startsWith("checkpoint-");
  }
}
