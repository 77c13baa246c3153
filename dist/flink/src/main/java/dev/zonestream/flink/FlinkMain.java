package dev.zonestream.flink;

import dev.zonestream.pipeline.Main;
import dev.zonestream.pipeline.RunnerArgs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.client.program.StreamContextEnvironment;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink cluster jar's entry point: {@code flink run [-d] [-s CHECKPOINT]
 * zonestream-flink-cluster.jar --lake=... --bootstrapServers=...} runs the job of {@code
 * bin/zonestream}, with the same options, on Beam's FlinkRunner in the environment Flink's client
 * gives it (its cluster, parallelism and configuration; {@code --flinkMaster} stays at Beam's
 * {@code [auto]}). The same class is the main of a Flink application cluster (Kubernetes or YARN
 * application mode), where it runs in the JobManager.
 *
 * <p>What Flink's client decides, and zonestream then does:
 *
 * <ul>
 *   <li>{@code -d} (or an application cluster's default, {@code execution.attached: false}): the
 *       job is submitted and this returns; attached, it waits for the job's end and prints the run
 *       summary, as the launcher does.
 *   <li>{@code -s CHECKPOINT}: Flink restores the stream from that checkpoint or savepoint, and the
 *       stream takes over the run id its checkpoint folder records. Without {@code -s} a stream is
 *       a new job with a new run id; the checkpoints of earlier jobs stay where they are.
 *   <li>In an application cluster (the main runs in the JobManager, and again after a JobManager
 *       failover) a stream does not rebuild the tables from landing as it starts ({@code
 *       --rebuildTablesOnStart=false} unless given).
 *   <li>{@code state.checkpoints.dir} in Flink's configuration is the stream's checkpoint folder
 *       unless {@code --stateBackendStoragePath} is given.
 * </ul>
 *
 * <p>A failed run ends in an exception (Flink's client exits non-zero with it), never in {@code
 * System.exit}: in an application cluster that would end the JobManager.
 */
public final class FlinkMain {
  private FlinkMain() {}

  public static void main(String[] args) {
    Main.Launch launch;
    List<String> all;
    try {
      ClientSettings client = ClientSettings.read();
      all = client.withDefaults(args);
      launch = new Main.Launch(client.attached(), client.underClient());
    } catch (NoClassDefFoundError e) {
      throw new IllegalStateException(
          "zonestream-flink-cluster.jar runs inside Flink, which brings Flink's own jars: submit it"
              + " with `flink run zonestream-flink-cluster.jar --lake=...` (bin/zonestream runs the"
              + " job locally)",
          e);
    }
    int code = Main.run(all.toArray(String[]::new), System.out, System.err, launch);
    if (code != 0) {
      throw new Main.RunFailedException(code);
    }
  }

  /** What Flink's client set for this program, read from the environment it prepared. */
  record ClientSettings(
      boolean underClient,
      boolean applicationCluster,
      boolean attached,
      Optional<String> savepoint,
      Optional<String> checkpointsDir) {

    /** Where Flink's application clusters run a program's main: in the JobManager. */
    private static final String APPLICATION_TARGET = "embedded";

    static ClientSettings read() {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      if (!(env instanceof StreamContextEnvironment)) {
        // Not started by Flink's client (a plain `java -cp`): Beam's [auto] then runs a local
        // mini cluster, as the launcher's [local] does.
        return new ClientSettings(false, false, true, Optional.empty(), Optional.empty());
      }
      ReadableConfig config = env.getConfiguration();
      return new ClientSettings(
          true,
          config
              .getOptional(DeploymentOptions.TARGET)
              .filter(APPLICATION_TARGET::equals)
              .isPresent(),
          config.get(DeploymentOptions.ATTACHED),
          config.getOptional(SavepointConfigOptions.SAVEPOINT_PATH),
          config.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
    }

    /** {@code args} with the runner and what Flink's client settings mean for them. */
    List<String> withDefaults(String[] args) {
      List<String> all = new ArrayList<>(List.of(args));
      RunnerArgs.addUnlessGiven(all, "runner", "FlinkRunner");
      if (!underClient) {
        return all;
      }
      // Beam then submits with executeAsync and watches the job through Flink's job client:
      // attached or not, the choice to wait stays with zonestream (Launch.awaitJob).
      RunnerArgs.addUnlessGiven(all, "attachedMode", "false");
      if (savepoint.isPresent()) {
        RunnerArgs.addUnlessGiven(all, "savepointPath", savepoint.get());
      } else if (all.stream().anyMatch(a -> a.equals("--flinkResume=true"))) {
        // Beam's [auto] environment takes its restore point from Flink's client only: a stream
        // that found a checkpoint by itself would say it resumed while Flink started it afresh.
        throw new IllegalArgumentException(
            "--flinkResume=true: under flink run a stream resumes from the checkpoint that"
                + " `flink run -s CHECKPOINT` names (its folder's newest chk-N)");
      }
      if (applicationCluster && !RunnerArgs.given(all, "rebuildTablesOnStart")) {
        // An application cluster runs this main again after a JobManager failover, while its
        // stream recovers by itself: a rebuild would clear the tables under it (and with high
        // availability an application may submit one job only). Rebuild with a backfill job.
        all.add("--rebuildTablesOnStart=false");
      }
      if (checkpointsDir.isPresent()
          && !RunnerArgs.given(all, "stateBackendStoragePath")
          && !RunnerArgs.given(all, "stateBackendFactory")) {
        all.add("--stateBackendStoragePath=" + checkpointsDir.get());
      }
      return all;
    }
  }
}
