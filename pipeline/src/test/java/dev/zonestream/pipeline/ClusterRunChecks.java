package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.EmbeddedKafka;
import dev.zonestream.demo.KafkaPublisher;
import dev.zonestream.model.Dataset;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job submitted to a real local cluster, started by the project's own script, gives the same
 * trusted and curated tables as the DirectRunner over the same generated data: in batch from files,
 * and streaming from a real Kafka broker. An engine's IT says how to launch the driver, which
 * arguments submit to its cluster, and how a stream is stopped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClusterRunChecks {
  static final Path DATA =
      LocalCluster.ROOT.resolve("testdata").resolve("generated").resolve("seed-7-customers-20");
  private static final Duration STREAM_DEADLINE = Duration.ofMinutes(5);

  @TempDir static Path scratch;

  LocalCluster cluster;
  private Map<String, List<String>> direct;
  private List<String> directRejects;

  /** {@code flink-cluster} or {@code spark-cluster}. */
  abstract String script();

  /** The driver's command up to the job's own options: {@code bin/zonestream} with its runner. */
  abstract List<String> driver(LocalCluster cluster, boolean streaming) throws IOException;

  /** How many jobs (Flink) or applications (Spark) finished on the cluster, by its own API. */
  abstract int finishedOnTheCluster() throws Exception;

  /** Ends the streaming job and its driver; checks that both ended as a user would expect. */
  abstract void stopStream(Process driver, Path driverErr) throws Exception;

  @BeforeAll
  void startTheClusterAndRunTheDirectRunner() throws Exception {
    long begin = System.nanoTime();
    MainTest.Run run = MainTest.run("--input=" + DATA, "--lake=" + scratch.resolve("direct"));
    assertThat(run.err(), run.code(), equalTo(0));
    direct = tables(scratch.resolve("direct"));
    directRejects = ZonesIT.rejects(scratch.resolve("direct"));
    for (String table : ZonesIT.TABLES) {
      assertThat(table, direct.get(table), not(empty()));
    }
    timing("direct batch", begin);
    cluster = LocalCluster.start(script(), scratch.resolve("cluster"));
    System.out.println("timing: cluster start " + cluster.startTime().toMillis() / 1000.0 + " s");
  }

  @AfterAll
  void stopTheCluster() throws Exception {
    if (cluster == null) {
      return;
    }
    long begin = System.nanoTime();
    cluster.close();
    timing("cluster stop", begin);
    assertThat(cluster.processesLeft(), empty());
    assertThat(cluster.status(), equalTo(3));
  }

  @Test
  void batchOnTheClusterGivesTheDirectRunnersTables() throws Exception {
    checkBatch("batch", driver(cluster, false));
  }

  @Test
  void streamOnTheClusterGivesTheDirectRunnersTables() throws Exception {
    checkStream(
        "stream",
        driver(cluster, true),
        driver ->
            new StreamJob() {
              @Override
              public boolean running() {
                return driver.isAlive();
              }

              @Override
              public void stop(Path driverErr, List<String> jobOptions) throws Exception {
                stopStream(driver, driverErr);
              }
            });
  }

  /**
   * Runs {@code command} (a driver or an engine's client, up to the job's own options) over the
   * generated files into a lake of its own; the run must end with exit code 0 within 8 minutes,
   * give the Direct run's tables and rejects, and have run as one more finished job or application
   * on the cluster. Returns the lake.
   */
  Path checkBatch(String name, List<String> command) throws Exception {
    Path lake = scratch.resolve(name);
    int finishedBefore = finishedOnTheCluster();
    long begin = System.nanoTime();
    List<String> all = new ArrayList<>(command);
    all.addAll(List.of("--input=" + DATA, "--lake=" + lake));
    Path err = scratch.resolve(name + "-err.txt");
    Process driver = launch(all, scratch.resolve(name + "-out.txt"), err);
    if (!driver.waitFor(8, TimeUnit.MINUTES)) {
      driver.destroyForcibly().waitFor();
      throw new AssertionError("the batch run took over 8 minutes:\n" + tail(err));
    }
    timing(name + " run", begin);
    // A Spark master reports a failed application as FINISHED: the driver's exit code is the
    // verdict.
    assertThat(tail(err), driver.exitValue(), equalTo(0));
    assertThat(tables(lake), equalTo(direct));
    assertThat(ZonesIT.rejects(lake), equalTo(directRejects));
    // It ran on the cluster, not in the driver's JVM.
    assertThat(finishedOnTheCluster(), equalTo(finishedBefore + 1));
    return lake;
  }

  /** What the process that submitted a stream leaves to watch and stop. */
  interface Submission {
    StreamJob job(Process submitter) throws Exception;
  }

  /** A stream submitted to the cluster: whether it still runs, and how it is stopped. */
  interface StreamJob {
    boolean running() throws Exception;

    /**
     * Stops the stream and checks that it ended as a user would expect; {@code jobOptions} are the
     * options the stream was given after the command (its broker, lake and windows), for a check
     * that submits it again while the broker still runs.
     */
    void stop(Path driverErr, List<String> jobOptions) throws Exception;
  }

  /**
   * Streams the generated data from a real broker through {@code command} (with the broker and lake
   * options added) as it arrives in real life, the customers first and their readings once those
   * have landed, until every table equals the Direct run's (at most 5 minutes), then stops it as
   * {@code submitted} says for the process {@code command} started.
   */
  void checkStream(String name, List<String> command, Submission submitted) throws Exception {
    Path lake = scratch.resolve(name);
    Path err = scratch.resolve(name + "-err.txt");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      Map<String, List<byte[]>> byTopic = new LinkedHashMap<>();
      EmbeddedDemo.readFolders(DATA)
          .forEach(
              (folder, messages) ->
                  Dataset.fromFolder(folder)
                      .ifPresent(d -> byTopic.put("stedi." + d.folder(), messages)));
      kafka.createTopics(byTopic.keySet(), 2);
      // As in real life: the customers first, their devices' readings once they have landed.
      String customerTopic = "stedi." + Dataset.CUSTOMER.folder();
      List<byte[]> customers = byTopic.remove(customerTopic);
      KafkaPublisher.publish(kafka.bootstrapServers(), Map.of(customerTopic, customers));

      long begin = System.nanoTime();
      List<String> jobOptions =
          List.of(
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--lake=" + lake,
              "--windowSeconds=2",
              "--maxBrokerDelaySeconds=1",
              "--consentWaitSeconds=10");
      List<String> all = new ArrayList<>(command);
      all.addAll(jobOptions);
      Process driver = launch(all, scratch.resolve(name + "-out.txt"), err);
      try {
        StreamJob job = submitted.job(driver);
        long landedBy = System.nanoTime() + STREAM_DEADLINE.toNanos();
        while (LakeProgress.linesPerFolder(lake.resolve("landing").toString())
                    .getOrDefault(Dataset.CUSTOMER.folder(), 0L)
                < customers.size()
            && job.running()
            && System.nanoTime() < landedBy) {
          driver.waitFor(1, TimeUnit.SECONDS);
        }
        KafkaPublisher.publish(kafka.bootstrapServers(), byTopic);
        // Streaming never ends by itself: wait, bounded, until every table holds what it should.
        long deadline = System.nanoTime() + STREAM_DEADLINE.toNanos();
        Map<String, List<String>> streamed = tables(lake);
        String sizes = "";
        while (!streamed.equals(direct) && job.running() && System.nanoTime() < deadline) {
          driver.waitFor(2, TimeUnit.SECONDS);
          streamed = tables(lake);
          String now = sizes(streamed);
          if (!now.equals(sizes)) {
            sizes = now;
            timing(name + " rows " + sizes + " after", begin);
          }
        }
        timing(name + " run until the tables were complete", begin);
        assertThat(tail(err), job.running(), equalTo(true));
        assertThat(streamed, equalTo(direct));
        long stopping = System.nanoTime();
        job.stop(err, jobOptions);
        timing(name + " stop", stopping);
      } finally {
        if (driver.isAlive()) {
          driver.destroyForcibly().waitFor();
        }
      }
    }
  }

  /**
   * Runs an engine client's command to its end (at most 3 minutes) with its output in {@code
   * name}-out.txt and -err.txt; returns its exit code.
   */
  int runClient(String name, List<String> command) throws Exception {
    Path err = scratch.resolve(name + "-err.txt");
    Process client = launch(command, scratch.resolve(name + "-out.txt"), err);
    if (!client.waitFor(3, TimeUnit.MINUTES)) {
      client.destroyForcibly().waitFor();
      throw new AssertionError(String.join(" ", command) + " took over 3 minutes:\n" + tail(err));
    }
    return client.exitValue();
  }

  private static String sizes(Map<String, List<String>> tables) {
    Map<String, Integer> sizes = new TreeMap<>();
    tables.forEach((table, rows) -> sizes.put(table, rows.size()));
    return sizes.toString();
  }

  /**
   * Each table's rows as {@link ZonesIT#tables} gives them; a table a stream has not written yet is
   * empty.
   */
  static Map<String, List<String>> tables(Path lake) throws IOException {
    Map<String, List<String>> tables = new TreeMap<>();
    for (String table : ZonesIT.TABLES) {
      Path folder = lake.resolve(table);
      tables.put(
          table,
          Files.isDirectory(folder)
              ? LakeFiles.readAll(folder).stream().map(JsonNode::toString).sorted().toList()
              : List.of());
    }
    return tables;
  }

  /**
   * Starts a driver from the repository root, as {@code bin/zonestream} would run it (the ITs start
   * the JVM themselves: the launcher would first rebuild inside the running Maven build).
   */
  static Process launch(List<String> command, Path out, Path err) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(LocalCluster.ROOT.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    // What bin/zonestream sets for Spark: the driver listens on loopback, where the cluster is.
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return builder.start();
  }

  /** The last lines a driver wrote, for a failure's message. */
  static String tail(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The job ({@link Main}) with {@code args}, as a user runs it, in a JVM of its own on this test's
   * classpath with the {@code heap} option ({@code -Xmx1g}); its output and errors go to {@code
   * log}.
   */
  static Process startMain(String heap, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java());
    command.add(heap);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /** A module's classpath file (target/NAME), for a driver started as a plain JVM. */
  static String classpath(File target, String... files) throws IOException {
    List<String> parts = new ArrayList<>();
    for (String file : files) {
      parts.add(Files.readString(target.toPath().resolve(file), StandardCharsets.UTF_8).strip());
    }
    return String.join(File.pathSeparator, parts);
  }

  /**
   * The jar the driver ships to the cluster, built by {@code mvn package} (not with
   * -DskipClusterJars).
   */
  static String clusterJar(File target, String name) {
    File jar = new File(target, name);
    if (!jar.isFile()) {
      throw new IllegalStateException(jar + " is missing: build it with mvn package");
    }
    return jar.getAbsolutePath();
  }

  static void timing(String what, long beginNanos) {
    System.out.printf("timing: %s %.1f s%n", what, (System.nanoTime() - beginNanos) / 1e9);
  }
}
