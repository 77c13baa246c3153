package dev.zonestream.pipeline;

import java.util.List;

/**
 * The graph on Beam's FlinkRunner, an embedded Flink mini cluster in this JVM: bounded and
 * streamed, the same zones as on the Direct runner (see {@link RunnerConformance}). The stream runs
 * with zonestream's Flink defaults (checkpoints every 10 s, detached so {@code run()} returns).
 */
class FlinkRunnerIT extends RunnerConformance {
  @Override
  protected List<String> runnerArgs() {
    return List.of("--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2");
  }
}
