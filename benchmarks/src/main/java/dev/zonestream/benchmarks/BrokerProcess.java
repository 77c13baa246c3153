package dev.zonestream.benchmarks;

import dev.zonestream.demo.EmbeddedKafka;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * The project's {@link EmbeddedKafka} broker in a JVM of its own, so that the chaos benchmark can
 * freeze it (SIGSTOP/SIGCONT) and stop and start it again on the same ports and data folder while
 * the job keeps running. {@link #main} is what runs in that JVM.
 */
final class BrokerProcess {
  private static final long START_TIMEOUT_MILLIS = 120_000;
  private static final long STOP_TIMEOUT_MILLIS = 60_000;

  private final Path dataDir;
  private final Path log;
  private final int brokerPort;
  private final int controllerPort;
  private Process process;
  private boolean stopped = true;

  private BrokerProcess(Path dataDir, Path log, int brokerPort, int controllerPort) {
    this.dataDir = dataDir;
    this.log = log;
    this.brokerPort = brokerPort;
    this.controllerPort = controllerPort;
  }

  /** In the broker's JVM: {@code DATA_DIR BROKER_PORT CONTROLLER_PORT}; runs until terminated. */
  public static void main(String[] args) throws Exception {
    EmbeddedKafka kafka =
        EmbeddedKafka.start(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
    // SIGTERM: a clean shutdown that keeps the data folder for the next start.
    Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "broker-shutdown"));
    System.out.println("zonestream chaos broker ready on " + kafka.bootstrapServers());
    System.out.flush();
    Thread.currentThread().join();
  }

  /** Starts a broker on two free loopback ports with its data in {@code dataDir}. */
  static BrokerProcess start(Path dataDir, Path log) throws IOException, InterruptedException {
    int[] ports = freePorts();
    BrokerProcess broker = new BrokerProcess(dataDir, log, ports[0], ports[1]);
    broker.startAgain();
    return broker;
  }

  String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  long pid() {
    return process.pid();
  }

  boolean isStopped() {
    return stopped;
  }

  /** Starts the JVM (again) on the same ports and folder; returns once the broker answers. */
  void startAgain() throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
    while (true) {
      process =
          new ProcessBuilder(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                      "-Xmx1g",
                      "-cp",
                      System.getProperty("java.class.path"),
                      BrokerProcess.class.getName(),
                      dataDir.toString(),
                      Integer.toString(brokerPort),
                      Integer.toString(controllerPort)))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      if (awaitAnswer(deadline)) {
        stopped = false;
        return;
      }
      // A port still held by the previous JVM's sockets: the new JVM fails to bind; try again.
      process.destroyForcibly().waitFor();
      if (System.currentTimeMillis() > deadline) {
        throw new IOException("the broker did not start in time: see " + log);
      }
      Thread.sleep(2000);
    }
  }

  private boolean awaitAnswer(long deadline) throws InterruptedException {
    while (System.currentTimeMillis() < deadline && process.isAlive()) {
      try (Admin admin =
          Admin.create(
              Map.of(
                  AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrapServers(),
                  AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                  5000,
                  AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                  5000))) {
        admin.describeCluster().nodes().get(6, TimeUnit.SECONDS);
        return true;
      } catch (ExecutionException | TimeoutException e) {
        Thread.sleep(500);
      }
    }
    return false;
  }

  /** Creates topics that keep the producer's timestamps (create time). */
  void createTopics(Collection<String> names, int partitions)
      throws InterruptedException, ExecutionException {
    List<NewTopic> topics = new ArrayList<>();
    for (String name : names) {
      topics.add(
          new NewTopic(name, partitions, (short) 1)
              .configs(Map.of("message.timestamp.type", "CreateTime")));
    }
    try (Admin admin = admin()) {
      admin.createTopics(topics).all().get();
    }
  }

  /**
   * The log-end offset of every partition of {@code topics}: the messages the broker holds (the
   * topics are neither compacted nor transactional, so offsets 0..end-1 are all messages).
   */
  Map<TopicPartition, Long> endOffsets(Collection<String> topics)
      throws InterruptedException, ExecutionException {
    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (TopicDescription topic : admin.describeTopics(topics).allTopicNames().get().values()) {
        for (TopicPartitionInfo partition : topic.partitions()) {
          latest.put(new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest());
        }
      }
      Map<TopicPartition, Long> ends = new TreeMap<>(BrokerProcess::compare);
      admin
          .listOffsets(latest)
          .all()
          .get()
          .forEach((partition, info) -> ends.put(partition, info.offset()));
      return ends;
    }
  }

  /** The offsets {@code group} has committed (a partition without one is absent). */
  Map<TopicPartition, Long> committedOffsets(String group)
      throws InterruptedException, ExecutionException {
    try (Admin admin = admin()) {
      Map<TopicPartition, Long> committed = new TreeMap<>(BrokerProcess::compare);
      admin
          .listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata()
          .get()
          .forEach(
              (partition, offset) -> {
                if (offset != null) {
                  committed.put(partition, offset.offset());
                }
              });
      return committed;
    }
  }

  /**
   * Messages of {@code topics} that {@code group} has not committed yet (log-end minus committed
   * offsets, summed); -1 when the broker does not answer.
   */
  long lag(String group, Collection<String> topics) throws InterruptedException {
    try {
      Map<TopicPartition, Long> committed = committedOffsets(group);
      long lag = 0;
      for (Map.Entry<TopicPartition, Long> end : endOffsets(topics).entrySet()) {
        lag += end.getValue() - committed.getOrDefault(end.getKey(), 0L);
      }
      return lag;
    } catch (ExecutionException e) {
      return -1;
    }
  }

  private static int compare(TopicPartition a, TopicPartition b) {
    int byTopic = a.topic().compareTo(b.topic());
    return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
  }

  private Admin admin() {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers(),
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            30_000));
  }

  /** Freezes the broker's JVM (SIGSTOP): connections stay open, nothing answers. */
  void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Lets a frozen broker run again (SIGCONT). */
  void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  /** A clean stop (SIGTERM, then SIGKILL after a minute); the data folder stays. */
  void stop() throws InterruptedException {
    stopped = true;
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  /** SIGKILL without waiting (frozen or not), for a shutdown hook. */
  void killNow() {
    process.destroyForcibly();
  }

  private void signal(String name) throws IOException, InterruptedException {
    int code =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
    if (code != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed with " + code);
    }
  }

  private static int[] freePorts() throws IOException {
    try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new int[] {a.getLocalPort(), b.getLocalPort()};
    }
  }

  @Override
  public String toString() {
    return "broker " + bootstrapServers() + " (pid " + process.pid() + ", data " + dataDir + ")";
  }
}
