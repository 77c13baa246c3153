package dev.zonestream.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Adobe S3Mock, an S3-compatible server, in its own JVM ({@code java -jar
 * target/s3mock/s3mock.jar}, copied there by the build): its Spring Boot dependencies would clash
 * with Beam's on one classpath. It serves plain HTTP on 127.0.0.1 at a free port (its second, HTTPS
 * connector too), in a store folder of its own, with the given buckets; {@link #close} stops it and
 * deletes the store.
 */
final class S3Mock implements AutoCloseable {
  private static final Path JAR = Path.of("target", "s3mock", "s3mock.jar");
  private static final Duration START_DEADLINE = Duration.ofSeconds(120);

  private final Process process;
  private final int port;
  private final Path store;
  private final Path log;

  private S3Mock(Process process, int port, Path store, Path log) {
    this.process = process;
    this.port = port;
    this.store = store;
    this.log = log;
  }

  /** Starts S3Mock with {@code buckets} and returns once it answers S3 requests. */
  static S3Mock start(String... buckets) throws IOException, InterruptedException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: build with mvn verify");
    }
    Path dir = Files.createDirectories(Path.of("target", "s3mock"));
    Path store = Files.createTempDirectory(dir, "store-");
    int[] ports = freePorts();
    int port = ports[0];
    Path log = dir.resolve("s3mock-" + port + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-Xmx256m",
            "-jar",
            JAR.toString(),
            "--com.adobe.testing.s3mock.httpPort=" + port,
            "--server.port=" + ports[1],
            "--server.address=127.0.0.1",
            "--com.adobe.testing.s3mock.store.root=" + store.toAbsolutePath(),
            "--com.adobe.testing.s3mock.store.initialBuckets=" + String.join(",", buckets),
            "--spring.main.banner-mode=off"));
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    S3Mock mock = new S3Mock(process, port, store, log);
    try {
      mock.awaitReady();
    } catch (IOException | InterruptedException | RuntimeException e) {
      mock.close();
      throw e;
    }
    return mock;
  }

  /** Polls the bucket listing until it answers 200, the process dies or the deadline passes. */
  private void awaitReady() throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(endpoint()).timeout(Duration.ofSeconds(5)).GET().build();
    long deadline = System.nanoTime() + START_DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "S3Mock exited with " + process.exitValue() + " before it answered: " + logTail());
      }
      try {
        if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      process.waitFor(200, TimeUnit.MILLISECONDS);
    }
    throw new IllegalStateException(
        "S3Mock did not answer within " + START_DEADLINE.toSeconds() + " s: " + logTail());
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /**
   * The zonestream options that reach this server: a {@code localhost} endpoint, which the AWS SDK
   * only reaches with path-style access, so that {@code --s3PathStyleAccess} is exercised too.
   */
  List<String> options() {
    return List.of(
        "--endpoint=http://localhost:" + port,
        "--s3PathStyleAccess=true",
        "--awsRegion=us-east-1",
        "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\","
            + "\"accessKeyId\":\"test\",\"secretAccessKey\":\"test\"}");
  }

  /** Points this JVM's Beam {@link FileSystems} at this server, for tests that read s3:// paths. */
  void registerFileSystems() {
    ZonestreamOptions options =
        PipelineOptionsFactory.fromArgs(options().toArray(String[]::new))
            .as(ZonestreamOptions.class);
    LakeChecks.configure(options);
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Two distinct free ports on loopback (held together so they differ). */
  private static int[] freePorts() throws IOException {
    try (ServerSocket http = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket https = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new int[] {http.getLocalPort(), https.getLocalPort()};
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    if (!Files.exists(store)) {
      return; // S3Mock deletes its store when it shuts down normally
    }
    try (Stream<Path> files = Files.walk(store)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
