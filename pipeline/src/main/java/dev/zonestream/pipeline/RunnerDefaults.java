package dev.zonestream.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What zonestream sets for a runner unless the user does: the S3 writer's buffer, the Direct
 * runner's reader caching and threads, where a Flink or Spark stream keeps its checkpoints, and
 * whether a folder already holds one.
 */
final class RunnerDefaults {
  private RunnerDefaults() {}

  /**
   * Beam's S3 writer allocates its whole upload buffer per open file, 64 MiB by default on a heap
   * of 512 MiB or more; a lake write keeps a file open per table partition (up to 20 per bundle),
   * so the default is S3's smallest multipart part, 5 MiB, unless {@code --s3UploadBufferSizeBytes}
   * is given.
   */
  private static final int S3_UPLOAD_BUFFER_BYTES = 5 * 1024 * 1024;

  /** Spark's setting for how long the driver waits for an executor's heartbeat. */
  static final String SPARK_HEARTBEAT_TIMEOUT = "spark.storage.blockManagerHeartbeatTimeoutMs";

  /**
   * Keeps a local Spark stream's only executor. Beam's Spark metrics accumulator ({@code
   * MetricsContainerStepMapAccumulator.isZero}) throws a {@code NullPointerException} when Spark's
   * executor heartbeat reads it while a task is still being deserialized (the race of SPARK-20977,
   * which Spark fixed for its own accumulators); the exception ends the heartbeat thread for good,
   * and once {@code spark.network.timeout} (120 s) has passed without heartbeats the driver removes
   * the executor. A cluster starts another; a local master has no other, and the stream stalls with
   * nothing more read (seen after a restore from a checkpoint, when many tasks start at once). A
   * local executor lives in the driver's own JVM, so its heartbeat proves nothing: unless the
   * {@value #SPARK_HEARTBEAT_TIMEOUT} system property is set, a local master (Beam's default, or
   * {@code --sparkMaster=local...}) waits a week for one.
   */
  static void keepLocalSparkExecutor(@Nullable String sparkMaster, PrintStream err) {
    boolean local = sparkMaster == null || sparkMaster.startsWith("local");
    if (local && System.getProperty(SPARK_HEARTBEAT_TIMEOUT) == null) {
      System.setProperty(SPARK_HEARTBEAT_TIMEOUT, String.valueOf(Duration.ofDays(7).toMillis()));
      err.println(
          "zonestream: a local Spark stream keeps its executor without heartbeats ("
              + SPARK_HEARTBEAT_TIMEOUT
              + "=7 days: Beam's metrics accumulator can end Spark's heartbeat thread)");
    }
  }

  /** Whether {@code lake} is a URI with a scheme ({@code s3://...}) rather than a local path. */
  static boolean isRemote(String lake) {
    return lake.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
  }

  /**
   * Where a Flink stream checkpoints unless told: under a local lake, or in a folder of the lake's
   * own in the temp folder when the lake is remote (Flink here has no S3 file system; a cluster is
   * given a shared folder by runners-config/flink-cluster.args). One folder per lake: a restarted
   * stream resumes from the newest checkpoint it finds there.
   */
  static String flinkCheckpointUri(String lake) {
    Path folder =
        isRemote(lake)
            ? Path.of(
                System.getProperty("java.io.tmpdir"),
                "zonestream-flink-checkpoints",
                sanitize(lake))
            : Path.of(lake, "_checkpoints", "flink");
    return folder.toAbsolutePath().toUri().toString();
  }

  /**
   * A Direct stream runs without the runner's per-element checks (immutability and encodability)
   * unless the command line asks for them: they exist to catch bugs in tests, and a stream pays
   * them on every element and every keyed bundle (the immutability check walks the whole graph each
   * time it sets up a step: per key, for a stateful step, which made a whole-graph stream of 20,000
   * readings take minutes in the de-duplication step alone). The tests keep them on.
   */
  static void withDirectStreamChecksOff(ZonestreamOptions options, String[] args) {
    if (options.getRunner() != DirectRunner.class) {
      return;
    }
    DirectOptions direct = options.as(DirectOptions.class);
    if (!RunnerArgs.given(Arrays.asList(args), "enforceImmutability")) {
      direct.setEnforceImmutability(false);
    }
    if (!RunnerArgs.given(Arrays.asList(args), "enforceEncodability")) {
      direct.setEnforceEncodability(false);
    }
  }

  static void withS3Defaults(ZonestreamOptions options, String[] args) {
    if (!RunnerArgs.given(Arrays.asList(args), "s3UploadBufferSizeBytes")) {
      options.setS3UploadBufferSizeBytes(S3_UPLOAD_BUFFER_BYTES);
    }
  }

  /**
   * What a Direct stream needs: a {@code run()} that returns while the stream runs, cached readers
   * and enough worker threads.
   *
   * <p>The DirectRunner's own unbounded-read evaluator reads at most 10 messages per bundle and,
   * with a 5% chance per bundle, closes the reader and opens a new one from the checkpoint: for
   * Kafka a new consumer every ~200 messages, about 300 messages/s in all. Beam's SDF wrapper of
   * unbounded sources caches the reader across checkpoints (measured 110,909 STEDI messages: 393 s
   * before, 69 s after, most of it the last window's wait).
   *
   * <p>Each reader then holds one of the DirectRunner's worker threads while it waits for records
   * (KinesisIO's reader blocks in its shard pool's poll): with the default of three threads, four
   * Kinesis streams left the joins' stateful steps seconds between turns, and a stream with a few
   * hundred readings did not settle in four minutes. A Direct stream therefore gets at least
   * {@value #DIRECT_STREAM_THREADS} worker threads; they mostly wait, so this costs no CPU.
   */
  /**
   * Makes a Direct run's {@code run()} return once the job runs (by default Direct's blocks until
   * it ends), so that the caller can report its progress, and stop a stream.
   */
  static void returnFromDirectRun(ZonestreamOptions options) {
    if (options.getRunner() == DirectRunner.class) {
      options.as(DirectOptions.class).setBlockOnRun(false);
    }
  }

  static void forDirectStream(ZonestreamOptions options) {
    if (options.getRunner() == DirectRunner.class) {
      returnFromDirectRun(options);
      ExperimentalOptions.addExperiment(
          options.as(ExperimentalOptions.class), "use_unbounded_sdf_wrapper");
      DirectOptions direct = options.as(DirectOptions.class);
      if (direct.getTargetParallelism() < DIRECT_STREAM_THREADS) {
        direct.setTargetParallelism(DIRECT_STREAM_THREADS);
      }
    }
  }

  private static final int DIRECT_STREAM_THREADS = 12;

  /**
   * A bounded Kinesis or SQS read has one reader per stream or queue, each reading until one
   * deadline ({@code --maxReadSeconds}) and holding a worker thread meanwhile: a reader the runner
   * starts after the deadline reads nothing, so the Direct runner gets a thread for every reader
   * and a few for the rest of the graph (its default is three in all).
   */
  static void useEnoughDirectThreadsForAwsReads(ZonestreamOptions options, JobConfig config) {
    if (options.getRunner() != DirectRunner.class
        || (config.source() != SourceType.KINESIS && config.source() != SourceType.SQS)) {
      return;
    }
    int readers =
        config.source() == SourceType.KINESIS
            ? config.aws().streams().size()
            : config.aws().queues().size();
    DirectOptions direct = options.as(DirectOptions.class);
    if (direct.getTargetParallelism() < readers + 3) {
      direct.setTargetParallelism(readers + 3);
    }
  }

  static String sanitize(String folder) {
    return folder.replaceAll("[^a-zA-Z0-9._-]", "_");
  }

  /**
   * What a stream runs with: its options with the runner's streaming defaults ({@link
   * RunnerArgs#streamingDefaults}, said in one line) and, on Flink, the checkpoint it resumes
   * ({@link FlinkCheckpoints}); what restores the stream's state, if anything does; and the folders
   * made for this run only, to delete once it ends.
   */
  record StreamStart(
      ZonestreamOptions options,
      FlinkCheckpoints.@Nullable Start flink,
      @Nullable String restoredBy,
      List<Path> temporaries) {}

  /**
   * Prepares a stream's start from its parsed {@code options} and command line {@code expanded}
   * (the runner file merged in): where Flink or Spark keeps its checkpoints (a folder of the run's
   * own for the embedded broker, whose stream must never be restored by a later one), the streaming
   * defaults, and Flink's resume.
   *
   * @throws InvalidOptionException when the stream's checkpoints would have no place the cluster
   *     reaches
   * @throws IOException when a checkpoint folder cannot be made or read
   */
  static StreamStart forStream(
      ZonestreamOptions options,
      String[] expanded,
      JobConfig config,
      Main.Launch launch,
      PrintStream err)
      throws IOException {
    String runner = options.getRunner().getSimpleName();
    List<Path> temporaries = new ArrayList<>();
    FlinkCheckpoints.Start flink = null;
    String restoredBy = null;
    if (launch.flinkClient()
        && runner.equals("FlinkRunner")
        && isRemote(config.lake())
        && RunnerArgs.value(expanded, "stateBackendStoragePath") == null
        && RunnerArgs.value(expanded, "stateBackendFactory") == null) {
      // The default beside a local lake; for a remote one it would be a folder on this
      // machine, which the cluster's TaskManagers do not see.
      throw new InvalidOptionException(
          "--stateBackendStoragePath: a Flink stream into --lake="
              + config.lake()
              + " needs a checkpoint folder every TaskManager reaches (s3://, hdfs:// or a"
              + " shared disk): give it, or set state.checkpoints.dir in Flink's configuration");
    }
    // A Spark stream never restores an earlier start's checkpoint (SparkCheckpoints says why): a
    // stream from a real broker checkpoints into a new folder under this one at each start; the
    // embedded broker's stream into a temporary folder, deleted when it ends.
    String checkpointDir = config.lake() + "/_checkpoints/spark";
    if (config.source() == SourceType.EMBEDDED_KAFKA && runner.equals("SparkRunner")) {
      Path sparkCheckpoint = Files.createTempDirectory("zonestream-spark-checkpoint");
      temporaries.add(sparkCheckpoint);
      checkpointDir = sparkCheckpoint.toString();
    } else if (runner.equals("SparkRunner")
        && isRemote(config.lake())
        && RunnerArgs.value(expanded, "checkpointDir") == null) {
      // Spark keeps its checkpoints through Hadoop's file systems, which know no s3:// here.
      throw new InvalidOptionException(
          "--checkpointDir: a Spark stream into --lake="
              + config.lake()
              + " needs a checkpoint folder that Spark's Hadoop file systems reach (a shared"
              + " path or hdfs://); the default, under the lake, is not one");
    }
    // Likewise on Flink: a later stream into the lake must never resume a checkpoint of the
    // embedded broker's stream (its restored read positions name a broker that is gone).
    String flinkCheckpoints = flinkCheckpointUri(config.lake());
    if (config.source() == SourceType.EMBEDDED_KAFKA && runner.equals("FlinkRunner")) {
      Path embeddedFlinkCheckpoint = Files.createTempDirectory("zonestream-flink-checkpoint");
      temporaries.add(embeddedFlinkCheckpoint);
      flinkCheckpoints = embeddedFlinkCheckpoint.toUri().toString();
    }
    if (runner.equals("SparkRunner")) {
      keepLocalSparkExecutor(RunnerArgs.value(expanded, "sparkMaster"), err);
    }
    List<String> defaults =
        RunnerArgs.streamingDefaults(
            runner, expanded, checkpointDir, flinkCheckpoints, config.source().label());
    String[] all = expanded;
    if (!defaults.isEmpty()) {
      List<String> withDefaults = new ArrayList<>(Arrays.asList(expanded));
      withDefaults.addAll(defaults);
      err.println("zonestream: " + runner + " streaming with " + String.join(" ", defaults));
      all = withDefaults.toArray(String[]::new);
    }
    if (runner.equals("FlinkRunner") && config.source() != SourceType.EMBEDDED_KAFKA) {
      flink =
          FlinkCheckpoints.prepare(
              all, config.lake(), options.getFlinkResume(), launch.flinkClient(), err);
      if (flink.confDir() != null) {
        temporaries.add(flink.confDir());
      }
      all = flink.args();
      restoredBy = flink.resumedFrom() == null ? null : "Flink checkpoint it resumes";
    }
    if (runner.equals("SparkRunner") && config.source() != SourceType.EMBEDDED_KAFKA) {
      all = SparkCheckpoints.startFresh(all, err);
    }
    ZonestreamOptions streamOptions = RunnerArgs.parse(all);
    // The stream runs with these options: they need what the first ones got after parsing
    // (the S3 buffer, and path-style S3 from LakeChecks.configure, which registers them with
    // Beam's file systems; without it a stream into an S3 lake addressed bucket.host).
    withS3Defaults(streamOptions, all);
    LakeChecks.configure(streamOptions);
    return new StreamStart(streamOptions, flink, restoredBy, temporaries);
  }
}
