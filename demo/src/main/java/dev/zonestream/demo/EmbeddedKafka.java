package dev.zonestream.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node Apache Kafka broker (KRaft, broker and controller in one) inside this JVM, on
 * loopback, on free ports, with its data in a temporary folder removed on {@link #close()} (or on
 * given ports and a given folder that it keeps).
 *
 * <p>Settings a one-node cluster needs: replication factor 1 for the internal topics (otherwise
 * consumer groups silently receive nothing) and no initial rebalance delay.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final String PLAINTEXT = "PLAINTEXT";
  private final Path dataDir;
  private final boolean ownsDataDir;
  private final KafkaRaftServer server;
  private final Map<String, String> listenerAddresses;

  private EmbeddedKafka(
      Path dataDir,
      boolean ownsDataDir,
      KafkaRaftServer server,
      Map<String, String> listenerAddresses) {
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    this.server = server;
    this.listenerAddresses = listenerAddresses;
  }

  /** Formats storage and starts the broker; returns once it accepts connections. */
  public static EmbeddedKafka start() throws IOException {
    return start(Map.of(), Map.of());
  }

  /**
   * As {@link #start()}, with more client listeners beside the plain one, each on a free loopback
   * port, and more broker settings: how the tests stand up a broker that asks for TLS or SASL. The
   * broker and its controller keep talking over plain listeners.
   *
   * @param listeners listener name to its security protocol ({@code SASL_SSL} to {@code SASL_SSL})
   * @param settings further broker settings (the listeners' mechanisms, JAAS and TLS stores)
   */
  public static EmbeddedKafka start(Map<String, String> listeners, Map<String, String> settings)
      throws IOException {
    int[] ports = freePorts(2 + listeners.size());
    int[] extra = java.util.Arrays.copyOfRange(ports, 2, ports.length);
    return start(
        Files.createTempDirectory("zonestream-kafka-"),
        ports[0],
        ports[1],
        true,
        listeners,
        extra,
        settings);
  }

  /**
   * Starts the broker on these ports with its data in {@code dir}, formatting it only if it is not
   * formatted yet: started again with the same folder and ports, it is the same broker, with the
   * messages and committed offsets it had (the chaos benchmark restarts it this way). {@link
   * #close()} leaves the folder in place.
   */
  public static EmbeddedKafka start(Path dir, int brokerPort, int controllerPort)
      throws IOException {
    return start(
        Files.createDirectories(dir),
        brokerPort,
        controllerPort,
        false,
        Map.of(),
        new int[0],
        Map.of());
  }

  private static EmbeddedKafka start(
      Path dir,
      int brokerPort,
      int controllerPort,
      boolean ownsDir,
      Map<String, String> listeners,
      int[] listenerPorts,
      Map<String, String> settings)
      throws IOException {
    Map<String, String> addresses = new LinkedHashMap<>();
    addresses.put(PLAINTEXT, "127.0.0.1:" + brokerPort);
    StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    int next = 0;
    for (Map.Entry<String, String> listener : listeners.entrySet()) {
      addresses.put(listener.getKey(), "127.0.0.1:" + listenerPorts[next++]);
      protocols.append(',').append(listener.getKey()).append(':').append(listener.getValue());
    }
    String advertised =
        addresses.entrySet().stream()
            .map(e -> e.getKey() + "://" + e.getValue())
            .collect(Collectors.joining(","));
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.put("listeners", advertised + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", advertised);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", PLAINTEXT);
    props.put("listener.security.protocol.map", protocols.toString());
    props.put("log.dirs", dir.resolve("data").toString());
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "1");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "1");
    // Loopback, one node: skip fsync; the broker is a stand-in, not the record of truth.
    props.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
    props.putAll(settings);

    Path config = dir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(config)) {
      props.store(out, "zonestream embedded broker");
    }
    // Formatted already (a restart on the same folder): Kafka 3.9's format refuses another cluster
    // id even with --ignore-formatted, and the folder keeps its own.
    if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) {
      format(dir, config, ownsDir);
    }
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    server.startup();
    EmbeddedKafka kafka = new EmbeddedKafka(dir, ownsDir, server, Map.copyOf(addresses));
    kafka.awaitReady();
    return kafka;
  }

  private static void format(Path dir, Path config, boolean ownsDir) throws IOException {
    ByteArrayOutputStream formatLog = new ByteArrayOutputStream();
    int formatted =
        StorageTool.execute(
            new String[] {
              "format",
              "-t",
              Uuid.randomUuid().toString(),
              "-c",
              config.toString(),
              "--ignore-formatted"
            },
            new PrintStream(formatLog, true, StandardCharsets.UTF_8));
    if (formatted != 0) {
      if (ownsDir) {
        deleteRecursively(dir);
      }
      throw new IOException(
          "could not format embedded Kafka storage: " + formatLog.toString(StandardCharsets.UTF_8));
    }
  }

  /** {@code 127.0.0.1:PORT} of the broker's plain listener. */
  public String bootstrapServers() {
    return bootstrapServers(PLAINTEXT);
  }

  /** {@code 127.0.0.1:PORT} of one of the listeners given to {@link #start(Map, Map)}. */
  public String bootstrapServers(String listener) {
    String address = listenerAddresses.get(listener);
    if (address == null) {
      throw new IllegalArgumentException(
          "no listener " + listener + " (listeners: " + listenerAddresses.keySet() + ")");
    }
    return address;
  }

  /**
   * Creates topics whose messages carry the broker's log-append time, so that their timestamps are
   * the broker's own and replays land in the same windows.
   */
  public void createTopics(Collection<String> names, int partitions) {
    List<NewTopic> topics = new ArrayList<>();
    for (String name : names) {
      topics.add(
          new NewTopic(name, partitions, (short) 1)
              .configs(Map.of("message.timestamp.type", "LogAppendTime")));
    }
    try (Admin admin = admin()) {
      admin.createTopics(topics).all().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not create topics " + names, e.getCause());
    }
  }

  /** An admin client of this broker; the caller closes it. */
  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  private void awaitReady() {
    try (Admin admin = admin()) {
      // describeCluster waits (bounded by the client's default API timeout) for the broker.
      admin.describeCluster().nodes().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the embedded broker started", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("embedded Kafka broker did not start", e.getCause());
    }
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    if (ownsDataDir) {
      deleteRecursively(dataDir);
    }
  }

  private static int[] freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(EmbeddedKafka::deleteQuietly);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
