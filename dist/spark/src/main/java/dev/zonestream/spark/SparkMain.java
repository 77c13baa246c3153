package dev.zonestream.spark;

import dev.zonestream.pipeline.Main;
import dev.zonestream.pipeline.RunnerArgs;
import java.util.ArrayList;
import java.util.List;

/**
 * The Spark cluster jar's entry point: {@code spark-submit --class dev.zonestream.spark.SparkMain
 * --master spark://HOST:PORT [--deploy-mode cluster] zonestream-spark-cluster.jar --lake=...} runs
 * the job of {@code bin/zonestream}, with the same options, on Beam's SparkRunner (Spark Streaming
 * for a stream) with the Spark context spark-submit configures: its master, deploy mode, executors
 * and the jar it ships; {@code --sparkMaster} is then not used.
 *
 * <p>A failed run ends in an exception, never in {@code System.exit}: Spark marks the application
 * failed from it (client mode exits non-zero, a cluster-mode driver ends FAILED); an exit from the
 * driver's main would be taken on YARN for an early, failed end.
 */
public final class SparkMain {
  private SparkMain() {}

  public static void main(String[] args) {
    try {
      Class.forName("org.apache.spark.SparkContext", false, SparkMain.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "zonestream-spark-cluster.jar runs inside Spark, which brings Spark's own jars: submit it"
              + " with `spark-submit --class "
              + SparkMain.class.getName()
              + " --master ... zonestream-spark-cluster.jar --lake=...` (bin/zonestream runs the"
              + " job locally)",
          e);
    }
    List<String> all = new ArrayList<>(List.of(args));
    RunnerArgs.addUnlessGiven(all, "runner", "SparkRunner");
    int code = Main.run(all.toArray(String[]::new), System.out, System.err, Main.Launch.LAUNCHER);
    if (code != 0) {
      throw new Main.RunFailedException(code);
    }
  }
}
