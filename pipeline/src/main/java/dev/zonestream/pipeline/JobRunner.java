package dev.zonestream.pipeline;

import dev.zonestream.ingest.ReadJsonLinesFiles;
import dev.zonestream.lake.LakeCatalog;
import dev.zonestream.lake.LakePaths;
import dev.zonestream.spec.LakeSpec;
import dev.zonestream.spec.PayloadRules;
import dev.zonestream.spec.SpecRecords;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Runs the graph: bounded to its end, a stream until it is stopped (or, for the tests and the
 * embedded default, until what was published has landed and settled), the rebuild of trusted and
 * curated from landing before a stream, and the run summary.
 */
final class JobRunner {
  private JobRunner() {}

  static void deleteQuietly(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // A temporary folder; the system's cleaner gets it otherwise.
    }
  }

  /**
   * Writes the lake's catalog ({@link LakeCatalog}: DDL for Athena, Spark and DuckDB, and the empty
   * file of each table), as the run starts. A lake that cannot take it still gets its data: the
   * failure is said, not fatal.
   */
  static void writeCatalog(JobConfig config, PrintStream err) {
    try {
      LakeCatalog.write(
          config.lake(),
          config.zones().tableFormat(),
          config.zones().catalogS3Location(),
          catalogContents(config.spec()));
    } catch (IOException | RuntimeException e) {
      err.println(
          "zonestream: warning: cannot write the catalog under "
              + config.lake()
              + "/"
              + LakeCatalog.FOLDER
              + ": "
              + e);
    }
  }

  /** What the catalog of a lake of {@code spec} lists. */
  static LakeCatalog.Contents catalogContents(LakeSpec spec) {
    return new LakeCatalog.Contents(
        ZonestreamPipeline.runsStedi(spec),
        ZonestreamPipeline.declaredDatasets(spec).stream()
            .map(
                d ->
                    new LakeCatalog.Declared(
                        d.name(), PayloadRules.recordSchema(d), SpecRecords.tableSchema(d)))
            .toList());
  }

  static int runBounded(
      ZonestreamOptions options,
      JobConfig config,
      Main.Launch launch,
      PrintStream out,
      PrintStream err) {
    long start = System.nanoTime();
    RunnerDefaults.useEnoughDirectThreadsForAwsReads(options, config);
    Pipeline pipeline = Pipeline.create(options);
    String runId = ZonestreamPipeline.newRunId();
    ZonestreamPipeline.build(pipeline, withKinesisStarts(config, false, runId, null, err), runId);
    try {
      if (!config.zones().landingOnly()) {
        clearDerivedZones(config.lake(), err);
      }
    } catch (IOException e) {
      err.println("zonestream: cannot clear the old trusted and curated zones: " + e);
      return 1;
    }
    Preflight.announceLake(config, err);
    writeCatalog(config, err);
    if (launch.awaitJob()) {
      RunnerDefaults.returnFromDirectRun(options);
    }
    try (MetricsEndpoint metrics = MetricsEndpoint.start(options, config, err)) {
      PipelineResult result = pipeline.run();
      if (!launch.awaitJob()) {
        err.println(submittedDetached("the job ends by itself"));
        return 0;
      }
      metrics.watch(() -> new MetricsEndpoint.Sample(RunSummary.counts(result), false, null));
      PipelineResult.State state =
          awaitWithProgress(
              result, config, Duration.standardSeconds(options.getProgressSeconds()), start, err);
      if (state != PipelineResult.State.DONE) {
        err.println("zonestream: the pipeline ended " + state);
        return 1;
      }
      return summarize(result, options, config, Map.of(), null, start, out, err);
    }
  }

  /**
   * Waits for a bounded run to end, with a {@link ProgressLine} every {@code every} (none when
   * zero) while it runs; a runner whose {@code run()} returned only at the end prints none.
   */
  private static PipelineResult.State awaitWithProgress(
      PipelineResult result, JobConfig config, Duration every, long startNanos, PrintStream err) {
    if (every.getMillis() <= 0) {
      return result.waitUntilFinish();
    }
    long inputBytes = -1;
    if (config.source() == SourceType.FILES && config.input() != null) {
      try {
        inputBytes = ReadJsonLinesFiles.inputBytes(config.input());
      } catch (IOException e) {
        // The line then says what was read, not how much of the input.
      }
    }
    while (true) {
      PipelineResult.State state = result.waitUntilFinish(every);
      if (state != null && state.isTerminal()) {
        return state;
      }
      RunSummary.Counts counts;
      try {
        counts = RunSummary.counts(result);
      } catch (RuntimeException e) {
        continue;
      }
      err.println(
          ProgressLine.render(
              new ProgressLine.Snapshot(
                  (System.nanoTime() - startNanos) / 1e9,
                  counts,
                  -1,
                  config.zones().landingOnly(),
                  false,
                  null,
                  null,
                  inputBytes)));
    }
  }

  /**
   * Rebuilds trusted and curated from the landing zone before a stream reads its broker, unless the
   * runner restores the state of the job before it ({@code restoredBy}), the lake has no final
   * landing file or the job writes landing only. A job that stopped (a crash, a cancel, Ctrl-C)
   * without such state lost what it held in memory: rows of open table windows, readings waiting
   * for their customer or partner. Their messages are in landing and, the broker's position being
   * past them, are never read again: the rebuild (a backfill, as {@code --source=landing}) puts
   * them in the tables, and the stream then starts from the rebuilt lake ({@code
   * ReadKnownRecords}).
   *
   * @return the exit code: 0 to go on streaming
   */
  static int rebuildTablesOnStart(
      @Nullable ZonestreamOptions batchOptions,
      JobConfig config,
      @Nullable String restoredBy,
      PrintStream err) {
    if (batchOptions == null
        || !Boolean.TRUE.equals(batchOptions.getRebuildTablesOnStart())
        || config.zones().landingOnly()) {
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

  /**
   * Runs a broker's stream until it is stopped ({@link #streamUntilStopped}), said as what it
   * reads: the Kafka topics and brokers, or the SQS queues, or the Kinesis streams.
   */
  static int runStream(
      ZonestreamOptions options,
      JobConfig config,
      FlinkCheckpoints.@Nullable Start flink,
      Main.Launch launch,
      PrintStream out,
      PrintStream err) {
    String what =
        switch (config.source()) {
          case SQS -> "SQS queues " + config.aws().queues().keySet();
          case KINESIS -> "Kinesis streams " + config.aws().streams().keySet();
          default ->
              config.kafka().topics().keySet() + " from " + config.kafka().bootstrapServers();
        };
    return streamUntilStopped(options, config, flink, launch, what, out, err);
  }

  /**
   * Runs the graph as a stream of {@code what} until it is stopped (Ctrl-C, a cancel); on Flink
   * from the checkpoint and with the run id {@code flink} names. While it runs, a progress line
   * every {@code --progressSeconds} and {@code <lake>/_summary.json} kept current; when it stops,
   * the summary ({@link StreamProgress}).
   *
   * @throws InvalidOptionException when Flink cannot restore that checkpoint
   */
  private static int streamUntilStopped(
      ZonestreamOptions options,
      JobConfig config,
      FlinkCheckpoints.@Nullable Start flink,
      Main.Launch launch,
      String what,
      PrintStream out,
      PrintStream err) {
    long start = System.nanoTime();
    options.setStreaming(true);
    RunnerDefaults.forDirectStream(options);
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
    Preflight.announceLake(config, err);
    writeCatalog(config, err);
    String resumedFrom = flink == null ? null : flink.resumedFrom();
    String startAfresh =
        flink != null && flink.savepointGiven()
            ? "drop --savepointPath to start a new job"
            : "--flinkResume=false starts a new job (setting the old checkpoints aside)";
    MetricsEndpoint metrics = MetricsEndpoint.start(options, config, err);
    PipelineResult result;
    try {
      result = pipeline.run();
    } catch (RuntimeException e) {
      metrics.close();
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
      metrics.close();
      err.println(submittedDetached("a stream runs until it is cancelled"));
      return 0;
    }
    PipelineResult.State state;
    try (metrics;
        StreamProgress progress =
            StreamProgress.start(
                result,
                options.getRunner().getSimpleName(),
                config,
                Duration.standardSeconds(options.getProgressSeconds()),
                start,
                out,
                err)) {
      metrics.watch(progress::metricsSample);
      state = result.waitUntilFinish();
      err.println("zonestream: the pipeline ended " + state);
    }
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
    return root.getClass().getSimpleName() + ": " + Main.firstLine(root.getMessage());
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
      config = Preflight.configure(options);
      if (config.source() == SourceType.KINESIS || config.source() == SourceType.SQS) {
        EndpointChecks.verify(config);
      }
      if (config.source() == SourceType.KAFKA) {
        Preflight.verifyKafka(config);
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
  static int streamUntilSettled(
      ZonestreamOptions options,
      JobConfig config,
      JobConfig graph,
      Map<String, Long> published,
      long startNanos,
      @Nullable Runnable publisher,
      PrintStream out,
      PrintStream err) {
    options.setStreaming(true);
    RunnerDefaults.forDirectStream(options);
    Pipeline pipeline = Pipeline.create(options);
    String runId = ZonestreamPipeline.newRunId();
    ZonestreamPipeline.build(pipeline, withKinesisStarts(graph, true, runId, null, err), runId);
    Preflight.announceLake(config, err);
    writeCatalog(config, err);
    try (MetricsEndpoint metrics = MetricsEndpoint.start(options, config, err)) {
      PipelineResult result = pipeline.run();
      metrics.watch(() -> new MetricsEndpoint.Sample(RunSummary.counts(result), false, null));
      return settleAndSummarize(
          result, publisher, published, options, config, startNanos, out, err);
    }
  }

  private static int settleAndSummarize(
      PipelineResult result,
      @Nullable Runnable publisher,
      Map<String, Long> published,
      ZonestreamOptions options,
      JobConfig config,
      long startNanos,
      PrintStream out,
      PrintStream err) {
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
    SettleRule.Progress progress =
        SettleRule.awaitSettled(
            result,
            published,
            config,
            Duration.standardSeconds(options.getProgressSeconds()),
            startNanos,
            err);
    cancelQuietly(result, err);
    if (publishFailure.get() != null) {
      return 1;
    }
    int code =
        summarize(result, options, config, published, progress.readSeconds(), startNanos, out, err);
    if (!progress.complete()) {
      err.println(
          "zonestream: not every published message landed within "
              + config.demo().runTimeout().getStandardSeconds()
              + " s (--runTimeoutSeconds)");
      return 1;
    }
    return code;
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
            readSeconds,
            config.zones().landingOnly(),
            null);
    out.print(summary.format());
    out.print(RunSummary.whereToLook(config.lake()));
    try {
      summary.writeTo(config.lake());
    } catch (IOException e) {
      err.println("zonestream: could not write " + config.lake() + "/_summary.json: " + e);
      return 1;
    }
    return 0;
  }

  private static void cancelQuietly(PipelineResult result, PrintStream err) {
    try {
      result.cancel();
    } catch (IOException | UnsupportedOperationException e) {
      // The run is over either way; the summary reports what landed.
    } catch (RuntimeException e) {
      // Spark Streaming interrupts the micro-batch being planned when stopped and rethrows that
      // from its context; what the run wrote is final and the summary reports it.
      err.println("zonestream: while stopping the runner: " + Main.firstLine(String.valueOf(e)));
    }
  }
}
