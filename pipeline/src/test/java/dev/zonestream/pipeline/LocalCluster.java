package dev.zonestream.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A local cluster started and stopped by its script, {@code bin/flink-cluster} or {@code
 * bin/spark-cluster}, as a user runs them from the repository root, with its state in a folder of
 * the test's own.
 */
final class LocalCluster implements AutoCloseable {
  /** The repository root, found from any module's folder. */
  static final Path ROOT = findRoot();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String script;
  private final Path dir;
  private final String master;
  private final Map<String, String> state;
  private final Duration startTime;

  private LocalCluster(
      String script, Path dir, String master, Map<String, String> state, Duration startTime) {
    this.script = script;
    this.dir = dir;
    this.master = master;
    this.state = state;
    this.startTime = startTime;
  }

  /**
   * Runs {@code bin/<script> start}; fails with the script's output if the cluster did not come up.
   */
  static LocalCluster start(String script, Path dir) throws IOException, InterruptedException {
    long begin = System.nanoTime();
    // The first start on a fresh machine may resolve the engine's jars with Maven.
    Script result = script(script, dir, "start", Duration.ofMinutes(6));
    if (result.code() != 0) {
      // Whatever it started, it stops itself on failure; stop once more in case it was killed.
      script(script, dir, "stop", Duration.ofMinutes(1));
      throw new AssertionError(
          "bin/" + script + " start exited " + result.code() + ":\n" + result.err());
    }
    Map<String, String> state = new LinkedHashMap<>();
    for (String line : Files.readAllLines(dir.resolve("cluster.env"))) {
      int eq = line.indexOf('=');
      state.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return new LocalCluster(
        script, dir, result.out().strip(), state, Duration.ofNanos(System.nanoTime() - begin));
  }

  /** What {@code start} printed: {@code 127.0.0.1:PORT} or {@code spark://127.0.0.1:PORT}. */
  String master() {
    return master;
  }

  /** A value of the state file, for example {@code REST_PORT} or {@code UI_PORT}. */
  String state(String key) {
    return state.get(key);
  }

  Path dir() {
    return dir;
  }

  /**
   * The command line of the engine's own client set up for this cluster, as a user runs it: {@code
   * bin/<script> <client> --dir=DIR args...} ({@code flink} for Flink, {@code spark-submit} for
   * Spark).
   */
  List<String> client(String client, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("bin").resolve(script).toString());
    command.add(client);
    command.add("--dir=" + dir);
    command.addAll(List.of(args));
    return command;
  }

  Duration startTime() {
    return startTime;
  }

  /** {@code bin/<script> status}: 0 when up. */
  int status() throws IOException, InterruptedException {
    return script(script, dir, "status", Duration.ofMinutes(1)).code();
  }

  /** GET of a path of the cluster's HTTP API on {@code port}, as JSON. */
  static JsonNode getJson(String port, String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + ": HTTP " + response.statusCode());
    }
    return LakeFiles.MAPPER.readTree(response.body());
  }

  /**
   * POST of a form ({@code a=1&b=2}) to a path of the cluster's web UI on {@code port}, as its kill
   * buttons send it; returns the status code (a redirect, 302, once done).
   */
  static int postForm(String port, String path, String form)
      throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** PATCH of a path of the cluster's HTTP API on {@code port}; returns the status code. */
  static int patch(String port, String path) throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** Runs {@code bin/<script> stop}. */
  @Override
  public void close() throws IOException, InterruptedException {
    Script result = script(script, dir, "stop", Duration.ofMinutes(2));
    if (result.code() != 0) {
      throw new AssertionError(
          "bin/" + script + " stop exited " + result.code() + ":\n" + result.err());
    }
  }

  /** Command lines of the processes still running whose command names the cluster's folder. */
  List<String> processesLeft() {
    String folder = dir.toString();
    return ProcessHandle.allProcesses()
        .filter(p -> p.pid() != ProcessHandle.current().pid())
        .map(p -> p.info().commandLine().orElse(""))
        .filter(c -> c.contains(folder))
        .toList();
  }

  record Script(int code, String out, String err) {}

  private static Script script(String script, Path dir, String command, Duration timeout)
      throws IOException, InterruptedException {
    File out = Files.createTempFile("cluster-out", ".txt").toFile();
    File err = Files.createTempFile("cluster-err", ".txt").toFile();
    try {
      Process process =
          new ProcessBuilder(
                  ROOT.resolve("bin").resolve(script).toString(), command, "--dir=" + dir)
              .directory(ROOT.toFile())
              .redirectOutput(out)
              .redirectError(err)
              .start();
      if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError("bin/" + script + " " + command + " took over " + timeout);
      }
      return new Script(
          process.exitValue(),
          Files.readString(out.toPath(), StandardCharsets.UTF_8),
          Files.readString(err.toPath(), StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out.toPath());
      Files.deleteIfExists(err.toPath());
    }
  }

  private static Path findRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("bin").resolve("flink-cluster"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("not inside the zonestream repository");
    }
    return dir;
  }
}
