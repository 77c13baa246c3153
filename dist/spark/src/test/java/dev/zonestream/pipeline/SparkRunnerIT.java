package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph on Beam's SparkRunner, Spark {@code local[2]} in this JVM: bounded and streamed (Spark
 * Streaming), the same zones as on the Direct runner (see {@link RunnerConformance}); and the
 * structured-streaming runner, which cannot stream, refused before anything starts.
 */
class SparkRunnerIT extends RunnerConformance {
  @BeforeAll
  static void loopbackOnly() {
    // SparkConf reads spark.* system properties: the driver on loopback, no web UI port.
    System.setProperty("spark.driver.host", "127.0.0.1");
    System.setProperty("spark.driver.bindAddress", "127.0.0.1");
    System.setProperty("spark.ui.enabled", "false");
  }

  @Override
  protected List<String> runnerArgs() {
    return List.of("--runner=SparkRunner", "--sparkMaster=local[2]", "--batchIntervalMillis=1000");
  }

  @Test
  void structuredStreamingRunnerRefusesAStreamWithExitTwoNamingTheAlternative(@TempDir Path lake) {
    MainTest.Run run =
        MainTest.run(
            "--runner=SparkStructuredStreamingRunner",
            "--source=embedded-kafka",
            "--input=" + DATA,
            "--lake=" + lake);

    assertThat(run.code(), equalTo(2));
    assertThat(
        run.err().lines().toList(),
        equalTo(
            List.of(
                "zonestream: --runner=SparkStructuredStreamingRunner: Beam's structured-streaming"
                    + " Spark runner runs bounded pipelines only (\"Streaming is not supported\");"
                    + " use --runner=SparkRunner (Spark Streaming) for --source=embedded-kafka, or"
                    + " a bounded --source (files, landing)")));
  }
}
