package dev.zonestream.pipeline;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * A Kinesis server for tests: kinesis-mock (npm {@code kinesis-local}), run with Node from its own
 * package folder on free ports, stopped by {@link #close}. It listens on all interfaces (it has no
 * setting for that); the tests talk to it on 127.0.0.1 over plain HTTP.
 *
 * <p>The package is installed under {@code target/kinesis-mock} with {@code npm install} when it is
 * not there yet, so {@code mvn verify} needs Node and npm and nothing installed by hand.
 */
final class KinesisMock implements AutoCloseable {
  static final String PACKAGE = "kinesis-local@0.6.2";
  static final String REGION = "us-east-1";
  private static final Path PREFIX = Path.of("target", "kinesis-mock");

  private final Process process;
  private final URI endpoint;
  private final KinesisClient client;

  private KinesisMock(Process process, URI endpoint) {
    this.process = process;
    this.endpoint = endpoint;
    this.client =
        KinesisClient.builder()
            .endpointOverride(endpoint)
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
            .build();
  }

  static KinesisMock start() throws IOException, InterruptedException {
    Path folder = install();
    int plainPort = ElasticMq.freePort();
    int tlsPort = ElasticMq.freePort();
    Path log = PREFIX.resolve("kinesis-mock-" + plainPort + ".log");
    ProcessBuilder builder =
        new ProcessBuilder("node", "main.js")
            .directory(folder.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("KINESIS_MOCK_PLAIN_PORT", Integer.toString(plainPort));
    builder.environment().put("KINESIS_MOCK_TLS_PORT", Integer.toString(tlsPort));
    builder.environment().put("LOG_LEVEL", "WARN");
    // Streams become ACTIVE at once instead of after the default 500 ms.
    builder.environment().put("CREATE_STREAM_DURATION", "0ms");
    builder.environment().put("DELETE_STREAM_DURATION", "0ms");
    Process process = builder.start();
    // A test JVM that is stopped (Ctrl-C, a killed fork) must not leave Node running.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!answers(plainPort)) {
      if (!process.isAlive()) {
        throw new IOException(
            "kinesis-mock exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      if (System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IOException("kinesis-mock did not listen within 60 s: " + Files.readString(log));
      }
      Thread.sleep(100);
    }
    return new KinesisMock(process, URI.create("http://127.0.0.1:" + plainPort));
  }

  /** The package folder, installed with npm into target/ when missing. */
  private static synchronized Path install() throws IOException, InterruptedException {
    Path folder = PREFIX.resolve("node_modules").resolve("kinesis-local");
    if (Files.isRegularFile(folder.resolve("main.js"))) {
      return folder;
    }
    Files.createDirectories(PREFIX);
    Process npm =
        new ProcessBuilder(
                "npm", "install", "--no-audit", "--no-fund", "--prefix", PREFIX.toString(), PACKAGE)
            .redirectErrorStream(true)
            .redirectOutput(PREFIX.resolve("npm-install.log").toFile())
            .start();
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      npm.destroyForcibly();
      throw new IOException(
          "npm install "
              + PACKAGE
              + " failed: "
              + Files.readString(PREFIX.resolve("npm-install.log")));
    }
    return folder;
  }

  private static boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  URI endpoint() {
    return endpoint;
  }

  /** Creates a stream of {@code shards} shards and waits until it is active. */
  void createStream(String name, int shards) throws InterruptedException {
    client.createStream(b -> b.streamName(name).shardCount(shards));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (client
            .describeStreamSummary(b -> b.streamName(name))
            .streamDescriptionSummary()
            .streamStatus()
        != StreamStatus.ACTIVE) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("stream " + name + " not active after 30 s");
      }
      Thread.sleep(100);
    }
  }

  /**
   * Puts each value as one record, in batches of 500 (Kinesis's limit), partition keys spread over
   * the shards; retries the entries a batch reports as failed.
   */
  void put(String stream, List<byte[]> values) throws InterruptedException {
    List<PutRecordsRequestEntry> pending = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      pending.add(
          PutRecordsRequestEntry.builder()
              .partitionKey("k" + i)
              .data(SdkBytes.fromByteArray(values.get(i)))
              .build());
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!pending.isEmpty()) {
      List<PutRecordsRequestEntry> batch = pending.subList(0, Math.min(500, pending.size()));
      PutRecordsResponse response =
          client.putRecords(b -> b.streamName(stream).records(new ArrayList<>(batch)));
      List<PutRecordsRequestEntry> failed = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        if (response.records().get(i).errorCode() != null) {
          failed.add(batch.get(i));
        }
      }
      List<PutRecordsRequestEntry> rest = new ArrayList<>(failed);
      rest.addAll(pending.subList(batch.size(), pending.size()));
      pending = rest;
      if (!failed.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(failed.size() + " records still refused after 120 s");
        }
        Thread.sleep(200);
      }
    }
  }

  /** Where Kinesis put one record: its shard and sequence number. */
  record Put(String shard, String sequenceNumber) {}

  /**
   * Puts each value as one record in one request (at most 500), partition keys spread over the
   * shards; returns where each went, in order. Fails if kinesis-mock refuses any.
   */
  List<Put> putAndLocate(String stream, List<byte[]> values, int firstKey) {
    List<PutRecordsRequestEntry> entries = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      entries.add(
          PutRecordsRequestEntry.builder()
              .partitionKey("k" + (firstKey + i))
              .data(SdkBytes.fromByteArray(values.get(i)))
              .build());
    }
    PutRecordsResponse response = client.putRecords(b -> b.streamName(stream).records(entries));
    if (response.failedRecordCount() != null && response.failedRecordCount() > 0) {
      throw new IllegalStateException(
          response.failedRecordCount() + " of " + values.size() + " records refused");
    }
    return response.records().stream().map(r -> new Put(r.shardId(), r.sequenceNumber())).toList();
  }

  @Override
  public void close() throws InterruptedException {
    client.close();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
