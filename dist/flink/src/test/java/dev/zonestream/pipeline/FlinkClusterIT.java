package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The job on a standalone Flink session cluster that {@code bin/flink-cluster} starts: submitted
 * with {@code --flinkMaster=127.0.0.1:PORT}, batch attached, streaming detached and cancelled
 * through Flink's REST API.
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
