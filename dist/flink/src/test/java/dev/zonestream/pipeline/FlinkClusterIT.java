package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The job on a standalone Flink session cluster that {@code bin/flink-cluster} starts, submitted
 * two ways: by the launcher with {@code --flinkMaster=127.0.0.1:PORT} (batch attached, streaming
 * detached and cancelled through Flink's REST API), and by Flink's own client, {@code flink run},
 * with the cluster jar (batch attached, streaming with {@code -d}, cancelled with {@code flink
 * cancel} and resumed with {@code flink run -s}).
 */
class FlinkClusterIT extends ClusterRunChecks {
  private static final File TARGET = new File("target");

  @Override
  String script() {
    return "flink-cluster";
  }

  @Override
  List<String> driver(LocalCluster cluster, boolean streaming) throws IOException {
    clusterJar(TARGET, "zonestream-flink-cluster.jar");
    // The argument file stages only that jar and, for a stream, submits detached (attached, run()
    // would block until the job ends): the driver then waits on the job's state.
    // A checkpoint folder of this run's own: the argument file's shared /tmp folder may hold
    // another lake's stream (an earlier run on this machine), which a stream rightly refuses.
    return List.of(
        java(),
        "-cp",
        classpath(TARGET, "classpath-compile.txt", "classpath-runtime.txt"),
        "dev.zonestream.pipeline.Main",
        "--runnerConfig=runners-config/flink-cluster.args",
        "--flinkMaster=" + cluster.master(),
        "--stateBackendStoragePath=" + scratch.resolve("flink-checkpoints").toUri());
  }

  /** {@code flink run zonestream-flink-cluster.jar --input=... --lake=...}, attached. */
  @Test
  void flinkRunBatchGivesTheDirectRunnersTables() throws Exception {
    checkBatch("flink-run-batch", cluster.client("flink", "run", jar()));
  }

  /**
   * {@code flink run -d}: the client returns once the stream is submitted; the stream gives the
   * Direct run's tables; {@code flink cancel} ends it with its checkpoints kept, and {@code flink
   * run -d -s CHECKPOINT} restores the newest of them under the same run id.
   */
  @Test
  void flinkRunDetachedStreamGivesTheDirectRunnersTablesAndResumesWithDashS() throws Exception {
    checkStream(
        "flink-run-stream",
        cluster.client("flink", "run", "-d", jar()),
        client -> {
          assertThat(client.waitFor(3, TimeUnit.MINUTES), equalTo(true));
          Path err = scratch.resolve("flink-run-stream-err.txt");
          assertThat(tail(err), client.exitValue(), equalTo(0));
          List<String> running = jobs("RUNNING");
          assertThat(running.size(), equalTo(1));
          String job = running.get(0);
          return new StreamJob() {
            @Override
            public boolean running() throws Exception {
              return jobs("RUNNING").contains(job);
            }

            @Override
            public void stop(Path driverErr, List<String> jobOptions) throws Exception {
              cancel("flink-cancel", job);
              resumeWithDashS(jobOptions);
            }
          };
        });
  }

  /** The cluster jar leaves the demo's Kafka broker out: the job says so and what to give. */
  @Test
  void flinkRunWithoutABrokerSaysTheJarCarriesNone() throws Exception {
    List<String> command =
        cluster.client("flink", "run", jar(), "--lake=" + scratch.resolve("no-broker"));
    int code = runClient("flink-run-no-broker", command);
    String output =
        Files.readString(scratch.resolve("flink-run-no-broker-out.txt"))
            + Files.readString(scratch.resolve("flink-run-no-broker-err.txt"));
    assertThat(output, code, not(equalTo(0)));
    assertThat(output, containsString("this jar carries no Kafka broker"));
    assertThat(output, containsString("--bootstrapServers="));
  }

  /**
   * After {@code flink cancel}: the stream's checkpoints stayed (zonestream asks Flink to keep them
   * on cancel), and {@code flink run -d -s} with the newest restores it under the same run id.
   */
  private void resumeWithDashS(List<String> jobOptions) throws Exception {
    Path lake = Path.of(RunnerArgs.value(jobOptions.toArray(String[]::new), "lake"));
    Path checkpoints = lake.resolve("_checkpoints").resolve("flink");
    FlinkCheckpoints.Checkpoint newest = FlinkCheckpoints.newest(checkpoints);
    assertThat(newest, notNullValue());
    String runId = streamRunId(checkpoints);
    List<String> resume =
        cluster.client("flink", "run", "-d", "-s", newest.folder().toString(), jar());
    resume.addAll(jobOptions);
    int code = runClient("flink-run-resume", resume);
    assertThat(tail(scratch.resolve("flink-run-resume-err.txt")), code, equalTo(0));
    // The client returned once the job was submitted; it restores as it starts.
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    List<String> running = jobs("RUNNING");
    JsonNode restored = null;
    while ((restored == null || restored.isMissingNode() || restored.isNull())
        && System.nanoTime() < deadline) {
      Thread.sleep(500);
      running = jobs("RUNNING");
      if (running.size() == 1) {
        restored =
            LocalCluster.getJson(
                    cluster.state("REST_PORT"), "/jobs/" + running.get(0) + "/checkpoints")
                .path("latest")
                .path("restored");
      }
    }
    assertThat(running.size(), equalTo(1));
    assertThat(String.valueOf(restored), restored.path("id").asLong(), equalTo(newest.number()));
    assertThat(streamRunId(checkpoints), equalTo(runId));
    cancel("flink-cancel-resumed", running.get(0));
  }

  private void cancel(String name, String job) throws Exception {
    assertThat(runClient(name, cluster.client("flink", "cancel", job)), equalTo(0));
    // flink cancel returns once the JobManager took the request; the job is CANCELLING first.
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (!jobs("CANCELED").contains(job) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(jobs("CANCELED"), hasItem(job));
  }

  private static String jar() {
    return clusterJar(TARGET, "zonestream-flink-cluster.jar");
  }

  private static String streamRunId(Path checkpoints) throws IOException {
    Properties stream = new Properties();
    try (InputStream in = Files.newInputStream(checkpoints.resolve(FlinkCheckpoints.STREAM_FILE))) {
      stream.load(in);
    }
    return stream.getProperty("runId");
  }

  @Override
  int finishedOnTheCluster() throws Exception {
    return jobs("FINISHED").size();
  }

  @Override
  void stopStream(Process driver, Path driverErr) throws Exception {
    List<String> running = jobs("RUNNING");
    assertThat(running.size(), equalTo(1));
    assertThat(
        LocalCluster.patch(cluster.state("REST_PORT"), "/jobs/" + running.get(0) + "?mode=cancel"),
        equalTo(202));
    assertThat(tail(driverErr), driver.waitFor(2, TimeUnit.MINUTES), equalTo(true));
    assertThat(tail(driverErr), driver.exitValue(), equalTo(0));
    assertThat(jobs("CANCELED"), equalTo(running));
  }

  private List<String> jobs(String state) throws Exception {
    List<String> ids = new ArrayList<>();
    for (JsonNode job :
        LocalCluster.getJson(cluster.state("REST_PORT"), "/jobs/overview").get("jobs")) {
      if (job.get("state").asText().equals(state)) {
        ids.add(job.get("jid").asText());
      }
    }
    return ids;
  }
}
