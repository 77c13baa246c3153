package dev.zonestream.pipeline;

import dev.zonestream.lake.LakePaths;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.JsonLines;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The zonestream job's entry point: parses and validates the options, picks the source, runs the
 * graph of {@link ZonestreamPipeline} and prints the run summary.
 *
 * <p>Exit codes: 0 done, 1 the run failed, 2 a bad option (one line on stderr naming it).
 */
public final class Main {
  private static final int PARTITIONS_PER_TOPIC = 2;

  /**
   * Beam's S3 writer allocates its whole upload buffer per open file, 64 MiB by default on a heap
   * of 512 MiB or more; a lake write keeps a file open per table partition (up to 20 per bundle),
   * so the default is S3's smallest multipart part, 5 MiB, unless {@code --s3UploadBufferSizeBytes}
   * is given.
   */
  private static final int S3_UPLOAD_BUFFER_BYTES = 5 * 1024 * 1024;

  private Main() {}

  /**
   * How the job was started, which decides whether this process waits for it.
   *
   * @param awaitJob whether to wait until the job ends (and print its summary); false when an
   *     engine's client submits detached ({@code flink run -d}, a Flink application cluster): the
   *     job is submitted and this process returns
   * @param flinkClient whether Flink's own client runs this code ({@code flink run} or an
   *     application cluster): Flink's settings from its command line and configuration apply, and a
   *     stream resumes only from what {@code flink run -s} names
   */
  public record Launch(boolean awaitJob, boolean flinkClient) {
    /** {@code bin/zonestream} or {@code java -jar}: waits for the job, and exits with its code. */
    public static final Launch LAUNCHER = new Launch(true, false);
  }

  /**
   * A run that ended with a non-zero exit code, thrown by the mains that run inside an engine
   * ({@code flink run}, {@code spark-submit}), where an exception, not {@code System.exit}, tells
   * the engine that the application failed. Its reason is the line the run printed before.
   */
  public static final class RunFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RunFailedException(int code) {
      super(
          "zonestream ended with exit code "
              + code
              + (code == 2
                  ? " (a bad option: the line above names it)"
                  : " (see the lines above)"));
    }
  }

  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.out, System.err);
    } catch (RuntimeException e) {
      System.err.println("zonestream: run failed: " + e);
      e.printStackTrace(System.err);
      code = 1;
    }
    // Runner and Kafka client threads may outlive the run; the job is over.
    System.exit(code);
  }

  /** Runs the job as {@code bin/zonestream} does; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, Launch.LAUNCHER);
  }

  /** Runs the job started as {@code launch} says; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err, Launch launch) {
    if (Arrays.asList(args).contains("--help")) {
      out.println(
          "Usage: bin/zonestream [--option=value ...]   (bin/zonestream generate --help: the generator)");
      PipelineOptionsFactory.printHelp(out, ZonestreamOptions.class);
      return 0;
    }
    ZonestreamOptions options;
    JobConfig config;
    Path sparkCheckpoint = null;
    Path embeddedFlinkCheckpoint = null;
    FlinkCheckpoints.Start flink = null;
    // A stream's options for the rebuild of the tables before it, and the runner state it resumes.
    ZonestreamOptions batchOptions = null;
    String restoredBy = null;
    try {
      PipelineOptionsFactory.register(ZonestreamOptions.class);
      String[] expanded = RunnerArgs.withRunnerConfig(args);
      options = parse(expanded);
      withS3Defaults(options, expanded);
      config = JobConfig.from(options);
      boolean stream =
          config.source() == SourceType.KAFKA
              || config.source() == SourceType.EMBEDDED_KAFKA
              || ((config.source() == SourceType.KINESIS || config.source() == SourceType.SQS)
                  && !config.aws().bounded());
      if (config.source() == SourceType.EMBEDDED_KAFKA && !EmbeddedKafka.available()) {
        throw new InvalidOptionException(
            "--source="
                + config.source().label()
                + ": this jar carries no Kafka broker (the cluster jars leave the demo out); give"
                + " --bootstrapServers=HOST:PORT of your brokers, or a bounded --input=DIR");
      }
      // Flink's checkpoints hold a stream's read positions and state: a stream of any broker gets
      // them. (Kafka offsets and SQS deletes follow the landing files, not the checkpoints.)
      if (stream) {
        String runner = options.getRunner().getSimpleName();
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
        // A stream from a real broker resumes from its Spark checkpoint; the embedded broker is
        // new on every run, so its stream must not restore an old one (Spark restores the whole
        // graph from the checkpoint, the old broker's address included).
        String checkpointDir = config.lake() + "/_checkpoints/spark";
        if (config.source() == SourceType.EMBEDDED_KAFKA && runner.equals("SparkRunner")) {
          sparkCheckpoint = Files.createTempDirectory("zonestream-spark-checkpoint");
          checkpointDir = sparkCheckpoint.toString();
        } else if (runner.equals("SparkRunner")
            && isRemote(config.lake())
            && Arrays.stream(expanded).noneMatch(a -> a.startsWith("--checkpointDir="))) {
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
          embeddedFlinkCheckpoint = Files.createTempDirectory("zonestream-flink-checkpoint");
          flinkCheckpoints = embeddedFlinkCheckpoint.toUri().toString();
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
          all = flink.args();
          restoredBy = flink.resumedFrom() == null ? null : "Flink checkpoint it resumes";
        }
        if (runner.equals("SparkRunner") && holdsFiles(RunnerArgs.value(all, "checkpointDir"))) {
          restoredBy = "Spark checkpoint in --checkpointDir (Spark restores the stream from it)";
        }
        batchOptions = options;
        options = parse(all);
        // The stream runs with these options: they need what the first ones got after parsing
        // (the S3 buffer, and path-style S3 from LakeChecks.configure, which registers them with
        // Beam's file systems; without it a stream into an S3 lake addressed bucket.host).
        withS3Defaults(options, all);
        LakeChecks.configure(options);
      }
    } catch (InvalidOptionException e) {
      err.println("zonestream: " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      err.println("zonestream: " + firstLine(e.getMessage()) + runnerHint(e.getMessage()));
      return 2;
    } catch (IOException e) {
      err.println("zonestream: cannot prepare the stream's checkpoint folder: " + e);
      return 1;
    }
    try {
      return switch (config.source()) {
        case FILES, LANDING -> runBounded(options, config, launch, out, err);
        case KAFKA -> {
          verifyKafka(config);
          int rebuilt = rebuildTablesOnStart(batchOptions, config, restoredBy, err);
          yield rebuilt != 0 ? rebuilt : runKafka(options, config, flink, launch, err);
        }
        case EMBEDDED_KAFKA -> runEmbedded(options, config, out, err);
        case KINESIS, SQS -> {
          EndpointChecks.verify(config);
          if (config.aws().bounded()) {
            yield runBounded(options, config, launch, out, err);
          }
          int rebuilt = rebuildTablesOnStart(batchOptions, config, restoredBy, err);
          yield rebuilt != 0 ? rebuilt : runAwsStream(options, config, flink, launch, err);
        }
      };
    } catch (InvalidOptionException e) {
      err.println("zonestream: " + e.getMessage());
      return 2;
    } finally {
      for (Path temporary :
          new Path[] {
            sparkCheckpoint, embeddedFlinkCheckpoint, flink == null ? null : flink.confDir()
          }) {
        if (temporary != null) {
          deleteQuietly(temporary);
        }
      }
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

  /** Says, as the job starts, that the lake took the probe write and how much room it has. */
  private static void announceLake(JobConfig config, PrintStream err) {
    OptionalLong free = LakeChecks.freeSpace(config.lake());
    if (free.isPresent()) {
      err.printf(
          Locale.ROOT,
          "zonestream: lake %s is writable, %.1f GB free%n",
          config.lake(),
          free.getAsLong() / 1e9);
    } else {
      err.println("zonestream: lake " + config.lake() + " is writable");
    }
  }

  private static ZonestreamOptions parse(String[] args) {
    return PipelineOptionsFactory.fromArgs(args).withValidation().as(ZonestreamOptions.class);
  }

  /** Beam names the runners it found; say where the others come from. */
  private static String runnerHint(@Nullable String message) {
    return message != null && message.startsWith("Unknown 'runner' specified")
        ? " (bin/zonestream puts FlinkRunner's and SparkRunner's jars on the classpath: see"
            + " runners-config/README.md)"
        : "";
  }

  private static void deleteQuietly(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // A temporary folder; the system's cleaner gets it otherwise.
    }
  }

  private static int runBounded(
      ZonestreamOptions options,
      JobConfig config,
      Launch launch,
      PrintStream out,
      PrintStream err) {
    long start = System.nanoTime();
    useEnoughDirectThreadsForAwsReads(options, config);
    Pipeline pipeline = Pipeline.create(options);
    String runId = ZonestreamPipeline.newRunId();
    ZonestreamPipeline.build(pipeline, withKinesisStarts(config, false, runId, null, err), runId);
    try {
      clearDerivedZones(config.lake(), err);
    } catch (IOException e) {
      err.println("zonestream: cannot clear the old trusted and curated zones: " + e);
      return 1;
    }
    announceLake(config, err);
    PipelineResult result = pipeline.run();
    if (!launch.awaitJob()) {
      err.println(submittedDetached("the job ends by itself"));
      return 0;
    }
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      err.println("zonestream: the pipeline ended " + state);
      return 1;
    }
    return summarize(result, options, config, Map.of(), null, start, out, err);
  }

  /**
   * Rebuilds trusted and curated from the landing zone before a stream reads its broker, unless the
   * runner restores the state of the job before it ({@code restoredBy}) or the lake has no final
   * landing file. A job that stopped (a crash, a cancel, Ctrl-C) without such state lost what it
   * held in memory: rows of open table windows, readings waiting for their customer or partner.
   * Their messages are in landing and, the broker's position being past them, are never read again:
   * the rebuild (a backfill, as {@code --source=landing}) puts them in the tables, and the stream
   * then starts from the rebuilt lake ({@code ReadKnownRecords}).
   *
   * @return the exit code: 0 to go on streaming
   */
  private static int rebuildTablesOnStart(
      @Nullable ZonestreamOptions batchOptions,
      JobConfig config,
      @Nullable String restoredBy,
      PrintStream err) {
    if (batchOptions == null || !Boolean.TRUE.equals(batchOptions.getRebuildTablesOnStart())) {
      return 0;
    }
    if (restoredBy != null) {
      err.println(
          "zonestream: trusted and curated go on from the "
              + restoredBy
              + "; no rebuild from landing");
      return 0;
    }
    try {
      if (!hasFinalFile(config.landingRoot())) {
        return 0;
      }
    } catch (IOException e) {
      err.println("zonestream: cannot list " + config.landingRoot() + ": " + e);
      return 1;
    }
    long start = System.nanoTime();
    err.println(
        "zonestream: rebuilding trusted and curated from "
            + config.landingRoot()
            + " before the stream starts (an earlier job's rows in flight are in landing only;"
            + " --rebuildTablesOnStart=false skips this)");
    batchOptions.setStreaming(false);
    Pipeline pipeline = Pipeline.create(batchOptions);
    ZonestreamPipeline.build(pipeline, config.asBackfill());
    try {
      clearDerivedZones(config.lake(), err);
    } catch (IOException e) {
      err.println("zonestream: cannot clear the old trusted and curated zones: " + e);
      return 1;
    }
    PipelineResult.State state = pipeline.run().waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      err.println(
          "zonestream: the rebuild from landing ended "
              + state
              + "; the stream did not start (--rebuildTablesOnStart=false starts it without)");
      return 1;
    }
    err.printf(
        Locale.ROOT,
        "zonestream: rebuilt trusted and curated from landing in %.1f s%n",
        (System.nanoTime() - start) / 1e9);
    return 0;
  }

  /** Whether a final (not temporary) file lies anywhere under {@code root}. */
  private static boolean hasFinalFile(String root) throws IOException {
    MatchResult match = FileSystems.match(root + "/**", EmptyMatchTreatment.ALLOW);
    String prefix = FileSystems.matchNewResource(root, true).toString();
    for (MatchResult.Metadata file : match.metadata()) {
      String path = file.resourceId().toString();
      if (LakePaths.isFinalLakeFile(
          path.startsWith(prefix) ? path.substring(prefix.length()) : path)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code folder} (a path or file: URI) exists and holds anything. */
  private static boolean holdsFiles(@Nullable String folder) {
    if (folder == null) {
      return false;
    }
    Path path = folder.startsWith("file:") ? Path.of(java.net.URI.create(folder)) : Path.of(folder);
    try (Stream<Path> entries = Files.list(path)) {
      return entries.findAny().isPresent();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void withS3Defaults(ZonestreamOptions options, String[] args) {
    if (Arrays.stream(args).noneMatch(a -> a.startsWith("--s3UploadBufferSizeBytes"))) {
      options.setS3UploadBufferSizeBytes(S3_UPLOAD_BUFFER_BYTES);
    }
  }

  private static int runKafka(
      ZonestreamOptions options,
      JobConfig config,
      FlinkCheckpoints.@Nullable Start flink,
      Launch launch,
      PrintStream err) {
    return streamUntilStopped(
        options,
        config,
        flink,
        launch,
        config.topics().keySet() + " from " + config.bootstrapServers(),
        err);
  }

  private static void verifyKafka(JobConfig config) {
    KafkaChecks.verify(
        config.bootstrapServers(),
        config.kafkaProperties(),
        config.topics().keySet(),
        config.brokerCheckTimeout().getStandardSeconds());
  }

  private static int runAwsStream(
      ZonestreamOptions options,
      JobConfig config,
      FlinkCheckpoints.@Nullable Start flink,
      Launch launch,
      PrintStream err) {
    return streamUntilStopped(
        options,
        config,
        flink,
        launch,
        config.source() == SourceType.SQS
            ? "SQS queues " + config.aws().queues().keySet()
            : "Kinesis streams " + config.aws().streams().keySet(),
        err);
  }

  /**
   * Runs the graph as a stream of {@code what} until it is stopped (Ctrl-C, a cancel); on Flink
   * from the checkpoint and with the run id {@code flink} names.
   *
   * @throws InvalidOptionException when Flink cannot restore that checkpoint
   */
  private static int streamUntilStopped(
      ZonestreamOptions options,
      JobConfig config,
      FlinkCheckpoints.@Nullable Start flink,
      Launch launch,
      String what,
      PrintStream err) {
    options.setStreaming(true);
    useReaderCachingOnDirectRunner(options);
    Pipeline pipeline = Pipeline.create(options);
    String runId = flink != null ? flink.runId() : ZonestreamPipeline.newRunId();
    ZonestreamPipeline.build(
        pipeline,
        withKinesisStarts(config, true, runId, flink == null ? null : flink.resumedFrom(), err),
        runId);
    err.println(
        "zonestream: streaming "
            + what
            + " into "
            + config.landingRoot()
            + (launch.awaitJob() ? " (Ctrl-C stops)" : ""));
    announceLake(config, err);
    String resumedFrom = flink == null ? null : flink.resumedFrom();
    String startAfresh =
        flink != null && flink.savepointGiven()
            ? "drop --savepointPath to start a new job"
            : "--flinkResume=false starts a new job (setting the old checkpoints aside)";
    PipelineResult result;
    try {
      result = pipeline.run();
    } catch (RuntimeException e) {
      // Flink's mini cluster restores a job as it starts it: a checkpoint of another graph (a
      // step renamed, added or removed) or a damaged one fails the submission.
      if (resumedFrom == null) {
        throw e;
      }
      throw new InvalidOptionException(
          "cannot resume the stream from Flink checkpoint "
              + resumedFrom
              + " ("
              + rootCause(e)
              + "): it was taken by a job with another graph or options, or it is damaged; "
              + startAfresh);
    }
    if (!launch.awaitJob()) {
      err.println(submittedDetached("a stream runs until it is cancelled"));
      return 0;
    }
    PipelineResult.State state = result.waitUntilFinish();
    err.println("zonestream: the pipeline ended " + state);
    if (state == PipelineResult.State.FAILED && resumedFrom != null) {
      // On a cluster the restore happens after a detached submission has returned.
      err.println(
          "zonestream: the job resumed from "
              + resumedFrom
              + "; if it failed to restore it (see the cluster's log), "
              + startAfresh);
    }
    return state == PipelineResult.State.DONE || state == PipelineResult.State.CANCELLED ? 0 : 1;
  }

  /**
   * A Kinesis job's configuration with where each stream starts, said in one line per stream
   * ({@link KinesisStarts}); any other job's unchanged.
   *
   * @throws IllegalStateException when the lake cannot be read to find where landing ends
   */
  private static JobConfig withKinesisStarts(
      JobConfig config,
      boolean stream,
      String runId,
      @Nullable String flinkCheckpoint,
      PrintStream err) {
    if (config.source() != SourceType.KINESIS) {
      return config;
    }
    try {
      return KinesisStarts.prepare(config, stream, runId, flinkCheckpoint, err);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read the lake to find where the Kinesis streams' landing ends: " + e, e);
    }
  }

  private static String submittedDetached(String howItEnds) {
    return "zonestream: submitted detached; "
        + howItEnds
        + " (the engine's client and web UI show it; no summary is printed)";
  }

  /** The innermost cause's type and the first line of its message. */
  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + firstLine(root.getMessage());
  }

  /**
   * Streams {@code args}' source until everything in {@code published} (messages per dataset
   * folder) has landed and the stream has settled, then cancels it and prints the summary: how the
   * tests and the manual checks end a stream from a broker they fed themselves.
   */
  static int runUntilSettled(
      String[] args, Map<String, Long> published, PrintStream out, PrintStream err) {
    ZonestreamOptions options;
    JobConfig config;
    try {
      PipelineOptionsFactory.register(ZonestreamOptions.class);
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(ZonestreamOptions.class);
      config = JobConfig.from(options);
      if (config.source() == SourceType.KINESIS || config.source() == SourceType.SQS) {
        EndpointChecks.verify(config);
      }
      if (config.source() == SourceType.KAFKA) {
        verifyKafka(config);
      }
    } catch (InvalidOptionException e) {
      err.println("zonestream: " + e.getMessage());
      return 2;
    }
    return streamUntilSettled(
        options, config, config, published, System.nanoTime(), null, out, err);
  }

  /**
   * Runs {@code graph} as a stream until everything in {@code published} has landed and settled (or
   * {@code --runTimeoutSeconds} passed), then stops it and prints the summary.
   */
  private static int streamUntilSettled(
      ZonestreamOptions options,
      JobConfig config,
      JobConfig graph,
      Map<String, Long> published,
      long startNanos,
      @Nullable Runnable publisher,
      PrintStream out,
      PrintStream err) {
    options.setStreaming(true);
    if (options.getRunner() == DirectRunner.class) {
      options.as(DirectOptions.class).setBlockOnRun(false);
    }
    useReaderCachingOnDirectRunner(options);
    Pipeline pipeline = Pipeline.create(options);
    String runId = ZonestreamPipeline.newRunId();
    ZonestreamPipeline.build(pipeline, withKinesisStarts(graph, true, runId, null, err), runId);
    announceLake(config, err);
    PipelineResult result = pipeline.run();
    AtomicReference<RuntimeException> publishFailure = new AtomicReference<>();
    if (publisher != null) {
      Thread publishing =
          new Thread(
              () -> {
                try {
                  publisher.run();
                } catch (RuntimeException e) {
                  publishFailure.set(e);
                  err.println("zonestream: publishing failed: " + e);
                }
              },
              "zonestream-publisher");
      publishing.setDaemon(true);
      publishing.start();
    }
    Progress progress = awaitSettled(result, published, config, err);
    cancelQuietly(result, err);
    if (publishFailure.get() != null) {
      return 1;
    }
    int code =
        summarize(result, options, config, published, progress.readSeconds(), startNanos, out, err);
    if (!progress.complete()) {
      err.println(
          "zonestream: not every published message landed within "
              + config.runTimeout().getStandardSeconds()
              + " s (--runTimeoutSeconds)");
      return 1;
    }
    return code;
  }

  /**
   * Starts a broker in this JVM, publishes the input files (or generated data) to it, streams them
   * into the lake and stops once every published message has landed.
   */
  private static int runEmbedded(
      ZonestreamOptions options, JobConfig config, PrintStream out, PrintStream err) {
    Map<String, List<byte[]>> byFolder;
    try {
      byFolder =
          config.input() != null
              ? readFolders(Path.of(config.input()))
              : new StediGenerator(config.customers(), config.seed(), true).generate();
    } catch (IOException e) {
      throw new InvalidOptionException("input", config.input(), "cannot read: " + e.getMessage());
    }
    long start = System.nanoTime();
    err.println("zonestream: starting an embedded Kafka broker on loopback");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      Map<String, String> datasetTopics = new LinkedHashMap<>();
      config.topics().forEach((topic, dataset) -> datasetTopics.put(dataset.folder(), topic));
      Map<String, List<byte[]>> byTopic = new LinkedHashMap<>();
      Map<String, Long> published = new TreeMap<>();
      byFolder.forEach(
          (folder, messages) -> {
            String topic = datasetTopics.getOrDefault(folder, "unrouted." + sanitize(folder));
            byTopic.computeIfAbsent(topic, t -> new ArrayList<>()).addAll(messages);
            String dataset =
                Dataset.fromFolder(folder).map(Dataset::folder).orElse(Dataset.UNROUTED_FOLDER);
            published.merge(dataset, (long) messages.size(), Long::sum);
          });
      List<String> topics = new ArrayList<>(datasetTopics.values());
      byTopic.keySet().stream().filter(t -> !topics.contains(t)).forEach(topics::add);
      kafka.createTopics(topics, PARTITIONS_PER_TOPIC);
      String customerTopic = datasetTopics.get(Dataset.CUSTOMER.folder());
      Map<String, List<byte[]>> customers = new LinkedHashMap<>();
      Map<String, List<byte[]>> readings = new LinkedHashMap<>(byTopic);
      if (customerTopic != null && readings.containsKey(customerTopic)) {
        customers.put(customerTopic, readings.remove(customerTopic));
      }
      long customerCount = published.getOrDefault(Dataset.CUSTOMER.folder(), 0L);
      // As in real life: customers sign up first, their devices send afterwards. The readings
      // follow once every customer record has landed (so the job has seen it), and the delay.
      Runnable publisher =
          () -> {
            err.println(
                "zonestream: publishing "
                    + customerCount
                    + " customer messages to "
                    + kafka.bootstrapServers());
            KafkaPublisher.publish(kafka.bootstrapServers(), customers);
            awaitLanded(config, Dataset.CUSTOMER.folder(), customerCount);
            sleepSeconds(config.readingsDelay().getStandardSeconds());
            err.println(
                "zonestream: customers landed; publishing the other "
                    + (published.values().stream().mapToLong(Long::longValue).sum() - customerCount)
                    + " messages");
            KafkaPublisher.publish(kafka.bootstrapServers(), readings);
          };

      // Subscribe to exactly the topics published, mapped or not (unmapped ones land in _unrouted).
      String pattern = topics.stream().map(Pattern::quote).collect(Collectors.joining("|"));
      JobConfig embedded = config.withBootstrapServers(kafka.bootstrapServers(), pattern);
      return streamUntilSettled(options, config, embedded, published, start, publisher, out, err);
    } catch (IOException e) {
      err.println("zonestream: embedded Kafka broker failed: " + e.getMessage());
      return 1;
    }
  }

  /** Waits (bounded by the run timeout) until {@code count} lines of {@code folder} have landed. */
  private static void awaitLanded(JobConfig config, String folder, long count) {
    long deadline = System.nanoTime() + config.runTimeout().getMillis() * 1_000_000L;
    while (LakeProgress.linesPerFolder(config.landingRoot()).getOrDefault(folder, 0L) < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the " + count + " " + folder + " messages did not land within the run timeout");
      }
      sleepSeconds(1);
    }
  }

  private static void sleepSeconds(long seconds) {
    try {
      Thread.sleep(seconds * 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing", e);
    }
  }

  /**
   * The DirectRunner's own unbounded-read evaluator reads at most 10 messages per bundle and, with
   * a 5% chance per bundle, closes the reader and opens a new one from the checkpoint: for Kafka a
   * new consumer every ~200 messages, about 300 messages/s in all. Beam's SDF wrapper of unbounded
   * sources caches the reader across checkpoints (measured 110,909 STEDI messages: 393 s before, 69
   * s after, most of it the last window's wait).
   *
   * <p>Each reader then holds one of the DirectRunner's worker threads while it waits for records
   * (KinesisIO's reader blocks in its shard pool's poll): with the default of three threads, four
   * Kinesis streams left the joins' stateful steps seconds between turns, and a stream with a few
   * hundred readings did not settle in four minutes. A Direct stream therefore gets at least
   * {@value #DIRECT_STREAM_THREADS} worker threads; they mostly wait, so this costs no CPU.
   */
  static void useReaderCachingOnDirectRunner(ZonestreamOptions options) {
    if (options.getRunner() == DirectRunner.class) {
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

  /** When a streaming run read, landed and decided everything, or why it stopped waiting. */
  record Progress(boolean complete, @Nullable Double readSeconds) {}

  /**
   * Waits (bounded by {@code timeout}) until a stream has settled over what was published: every
   * message read and landed, every valid one decided by the joins, every table row in a final file.
   * Each stage counts what it decided and what it emitted in the same bundle, so the counters never
   * show a row as written before it exists. An SQS stream has settled once every message is also
   * deleted from its queue (each is deleted only after it landed).
   */
  static Progress awaitSettled(
      PipelineResult result, Map<String, Long> published, JobConfig config, PrintStream err) {
    return awaitSettled(
        result,
        published,
        config.runTimeout(),
        new FromFiles(published, config),
        config.source() == SourceType.SQS,
        err);
  }

  /** As above, from the counters alone. */
  static Progress awaitSettled(
      PipelineResult result, Map<String, Long> published, Duration timeout, PrintStream err) {
    return awaitSettled(result, published, timeout, null, false, err);
  }

  private static Progress awaitSettled(
      PipelineResult result,
      Map<String, Long> published,
      Duration timeout,
      @Nullable FromFiles fromFiles,
      boolean sqsDeletes,
      PrintStream err) {
    long start = System.nanoTime();
    long deadline = start + timeout.getMillis() * 1_000_000L;
    long total = published.values().stream().mapToLong(Long::longValue).sum();
    Double readSeconds = null;
    String lastReported = "";
    long lastReportNanos = 0;
    while (System.nanoTime() < deadline) {
      RunSummary.Counts counts = RunSummary.counts(result);
      if (fromFiles != null && counts.total(MetricNames.READ) == 0 && fromFiles.settled(err)) {
        return new Progress(true, fromFiles.landedSeconds(start));
      }
      if (readSeconds == null && counts.total(MetricNames.READ) >= total) {
        readSeconds = (System.nanoTime() - start) / 1e9;
      }
      Map<String, Long> landed = counts.get(MetricNames.LANDED);
      boolean allLanded =
          published.entrySet().stream()
              .allMatch(e -> landed.getOrDefault(e.getKey(), 0L) >= e.getValue());
      boolean allDeleted = !sqsDeletes || counts.total(MetricNames.SQS_DELETED) >= total;
      if (allLanded && allDeleted && readSeconds != null && isSettled(counts)) {
        return new Progress(true, readSeconds);
      }
      String report =
          "read "
              + counts.total(MetricNames.READ)
              + " of "
              + total
              + ", landed "
              + landed
              + (sqsDeletes ? ", deleted from SQS " + counts.total(MetricNames.SQS_DELETED) : "")
              + ", table rows "
              + counts.get(MetricNames.TABLE_ROWS)
              + ", accounting "
              + RunSummary.accounting(counts)
              + ", handed on "
              + counts.get(MetricNames.HANDED_ON)
              + ", taken over "
              + counts.get(MetricNames.TAKEN_OVER);
      // Progress every few seconds at most, and only when something moved.
      if (!report.equals(lastReported) && System.nanoTime() - lastReportNanos > 5_000_000_000L) {
        lastReported = report;
        lastReportNanos = System.nanoTime();
        err.println("zonestream: " + report);
      }
      // Bounded wait that also returns early if the pipeline fails.
      PipelineResult.State state = result.waitUntilFinish(Duration.millis(500));
      if (state != null && state.isTerminal()) {
        err.println("zonestream: the pipeline ended " + state + " before it settled");
        return new Progress(false, readSeconds);
      }
    }
    return new Progress(false, readSeconds);
  }

  /**
   * Progress from the lake's files, for a runner that reports no counters while a stream runs.
   * Every published message must be in a final landing file; then the joins need, in event time,
   * one wait per join stage (three) after the last message, the table window and the broker delay,
   * which the embedded broker's watermark covers in as much wall time (its partitions go idle and
   * their watermark follows the clock). Settled once that much has passed since everything landed
   * and the tables' files did not change between two looks a table window apart.
   */
  static final class FromFiles {
    private final Map<String, Long> published;
    private final JobConfig config;
    private long landedAt = -1;
    private long lastLook = -1;
    private Map<String, Long> lastRows = Map.of();

    FromFiles(Map<String, Long> published, JobConfig config) {
      this.published = published;
      this.config = config;
    }

    @Nullable Double landedSeconds(long startNanos) {
      return landedAt < 0 ? null : (landedAt - startNanos) / 1e9;
    }

    boolean settled(PrintStream err) {
      long now = System.nanoTime();
      if (landedAt < 0) {
        Map<String, Long> landed = LakeProgress.linesPerFolder(config.landingRoot());
        if (published.entrySet().stream()
            .anyMatch(e -> landed.getOrDefault(e.getKey(), 0L) < e.getValue())) {
          return false;
        }
        landedAt = now;
        err.println(
            "zonestream: every published message is in a final landing file "
                + landed
                + "; the runner reports no counters, so the joins are given their event-time wait");
      }
      long joinsMillis =
          3 * config.consentWait().getMillis()
              + config.window().getMillis()
              + config.maxBrokerDelay().getMillis();
      if (now - landedAt < joinsMillis * 1_000_000L
          || (lastLook >= 0 && now - lastLook < config.window().getMillis() * 1_000_000L)) {
        return false;
      }
      Map<String, Long> rows = new TreeMap<>();
      for (String zone : List.of("trusted", "curated")) {
        LakeProgress.linesPerFolder(config.lake() + "/" + zone)
            .forEach((table, n) -> rows.put(zone + "/" + table, n));
      }
      boolean unchanged = lastLook >= 0 && rows.equals(lastRows);
      lastLook = now;
      lastRows = rows;
      if (unchanged) {
        err.println("zonestream: table rows in final files " + rows);
      }
      return unchanged;
    }
  }

  /**
   * Every message read is accounted for (rejected, duplicate, superseded, excluded or trusted) and
   * none still waits, every hand-over between stateful steps taken over, every row written.
   */
  static boolean isSettled(RunSummary.Counts counts) {
    Map<String, Long> rows = counts.get(MetricNames.TABLE_ROWS);
    Map<String, Long> written = counts.get(MetricNames.TABLE_ROWS_WRITTEN);
    Map<String, Long> takenOver = counts.get(MetricNames.TAKEN_OVER);
    long rejectsWritten =
        written.entrySet().stream()
            .filter(e -> e.getKey().startsWith(Tables.REJECTED + "/"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    return RunSummary.allAccounted(RunSummary.accounting(counts))
        && counts.get(MetricNames.HANDED_ON).entrySet().stream()
            .allMatch(e -> takenOver.getOrDefault(e.getKey(), 0L) >= e.getValue())
        && takenOver.getOrDefault(MetricNames.PHONES_JOINED, 0L)
            >= rows.getOrDefault(Tables.ACCELEROMETER_TRUSTED, 0L)
        && rows.entrySet().stream()
            .allMatch(e -> written.getOrDefault(e.getKey(), 0L) >= e.getValue())
        && rejectsWritten >= counts.total(MetricNames.REJECTED);
  }

  /**
   * A bounded run rebuilds trusted and curated from what it reads: the old tables go first, so no
   * partition of an earlier run survives beside the new one.
   */
  static void clearDerivedZones(String lake, PrintStream err) throws IOException {
    List<ResourceId> old = new ArrayList<>();
    for (String zone : List.of("trusted", "curated")) {
      MatchResult match = FileSystems.match(lake + "/" + zone + "/**", EmptyMatchTreatment.ALLOW);
      for (MatchResult.Metadata file : match.metadata()) {
        old.add(file.resourceId());
      }
    }
    if (!old.isEmpty()) {
      err.println(
          "zonestream: replacing " + old.size() + " files of trusted and curated under " + lake);
      FileSystems.delete(old, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    }
  }

  private static int summarize(
      PipelineResult result,
      ZonestreamOptions options,
      JobConfig config,
      Map<String, Long> published,
      @Nullable Double readSeconds,
      long startNanos,
      PrintStream out,
      PrintStream err) {
    RunSummary summary =
        new RunSummary(
            config.source().label(),
            options.getRunner().getSimpleName(),
            published,
            RunSummary.counts(result),
            (System.nanoTime() - startNanos) / 1e9,
            readSeconds);
    out.print(summary.format());
    try {
      summary.writeTo(config.lake());
    } catch (IOException e) {
      err.println("zonestream: could not write " + config.lake() + "/_summary.json: " + e);
      return 1;
    }
    return 0;
  }

  /** Reads {@code <dir>/<folder>/**} into messages by folder, as the files source would. */
  static Map<String, List<byte[]>> readFolders(Path dir) throws IOException {
    Map<String, List<byte[]>> byFolder = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        Path relative = dir.relativize(file);
        if (relative.getNameCount() < 2 || isHidden(relative)) {
          continue;
        }
        String folder = relative.getName(0).toString();
        List<byte[]> messages = byFolder.computeIfAbsent(folder, f -> new ArrayList<>());
        try (InputStream in =
            Channels.newInputStream(
                Compression.detect(file.toString()).readDecompressed(Files.newByteChannel(file)))) {
          JsonLines.split(in, (message, line) -> messages.add(message));
        }
      }
    }
    return byFolder;
  }

  private static boolean isHidden(Path relative) {
    for (Path part : relative) {
      String name = part.toString();
      if (name.startsWith(".") || name.startsWith("_")) {
        return true;
      }
    }
    return false;
  }

  private static String sanitize(String folder) {
    return folder.replaceAll("[^a-zA-Z0-9._-]", "_");
  }

  private static void cancelQuietly(PipelineResult result, PrintStream err) {
    try {
      result.cancel();
    } catch (IOException | UnsupportedOperationException e) {
      // The run is over either way; the summary reports what landed.
    } catch (RuntimeException e) {
      // Spark Streaming interrupts the micro-batch being planned when stopped and rethrows that
      // from its context; what the run wrote is final and the summary reports it.
      err.println("zonestream: while stopping the runner: " + firstLine(String.valueOf(e)));
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid arguments";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
