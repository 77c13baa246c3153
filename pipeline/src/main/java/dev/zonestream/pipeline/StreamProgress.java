package dev.zonestream.pipeline;

import dev.zonestream.model.MetricNames;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.sdk.PipelineResult;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * What a stream does while it runs: every {@code --progressSeconds} one line on stderr (read,
 * landed, trusted and rejected per dataset, and a Kafka stream's consumer lag) and {@code
 * <lake>/_summary.json} rewritten with the same counts; when the stream stops (Ctrl-C, a cancel,
 * the job's end) the summary is printed and written once more before the process exits.
 *
 * <p>The counts are the job's counters where the runner reports them while a stream runs (Direct,
 * Spark). Flink's mini cluster reports none until the job ends: then they are read from the lake's
 * final files (each file read once), which know what landed and what the tables hold, but not what
 * was read and is still in an open window.
 */
final class StreamProgress implements AutoCloseable {
  private final PipelineResult result;
  private final String runner;
  private final JobConfig config;
  private final long startNanos;
  private final PrintStream out;
  private final PrintStream err;
  private final @Nullable KafkaLag kafkaLag;
  private final Map<String, Long> lakeFilesCounted = new HashMap<>();
  private final ScheduledExecutorService timer;
  private final AtomicBoolean finished = new AtomicBoolean();
  private final Thread onExit;

  private StreamProgress(
      PipelineResult result,
      String runner,
      JobConfig config,
      long startNanos,
      PrintStream out,
      PrintStream err) {
    this.result = result;
    this.runner = runner;
    this.config = config;
    this.startNanos = startNanos;
    this.out = out;
    this.err = err;
    this.kafkaLag =
        config.source() == SourceType.KAFKA || config.source() == SourceType.EMBEDDED_KAFKA
            ? KafkaLag.of(config)
            : null;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "zonestream-progress");
              thread.setDaemon(true);
              return thread;
            });
    this.onExit = new Thread(this::finish, "zonestream-summary-on-exit");
  }

  /**
   * Starts reporting on {@code result} every {@code every} (never when zero), and the summary on
   * the JVM's exit (Ctrl-C).
   */
  static StreamProgress start(
      PipelineResult result,
      String runner,
      JobConfig config,
      Duration every,
      long startNanos,
      PrintStream out,
      PrintStream err) {
    StreamProgress progress = new StreamProgress(result, runner, config, startNanos, out, err);
    if (every.getMillis() > 0) {
      progress.timer.scheduleWithFixedDelay(
          progress::report, every.getMillis(), every.getMillis(), TimeUnit.MILLISECONDS);
    }
    Runtime.getRuntime().addShutdownHook(progress.onExit);
    return progress;
  }

  /** One progress line and the summary file, now. */
  synchronized void report() {
    if (finished.get()) {
      return;
    }
    try {
      RunSummary summary = snapshot(true);
      err.println(line(summary));
      write(summary);
    } catch (RuntimeException e) {
      // A failed look must not end the reports (a scheduled task that throws is never run again).
      err.println("zonestream: progress: " + e);
    }
  }

  /** What a scrape of {@code --metricsPort} reports now. */
  MetricsEndpoint.Sample metricsSample() {
    RunSummary summary = snapshot(true);
    RunSummary.Stream stream = summary.stream();
    return new MetricsEndpoint.Sample(
        summary.counts(),
        stream != null && stream.countsFromLake(),
        stream == null ? null : stream.consumerLag());
  }

  /** The summary as it stands. */
  synchronized RunSummary snapshot(boolean running) {
    RunSummary.Counts counts;
    try {
      counts = RunSummary.counts(result);
    } catch (RuntimeException e) {
      counts = new RunSummary.Counts(Map.of());
    }
    boolean fromLake = counts.total(MetricNames.READ) == 0;
    if (fromLake) {
      counts = lakeCounts();
    }
    return new RunSummary(
        config.source().label(),
        runner,
        Map.of(),
        counts,
        (System.nanoTime() - startNanos) / 1e9,
        null,
        config.zones().landingOnly(),
        new RunSummary.Stream(running, fromLake, kafkaLag == null ? null : kafkaLag.lag()));
  }

  /** Landed, table rows and rejects from the lake's final files. */
  private RunSummary.Counts lakeCounts() {
    Map<String, Map<String, Long>> counts = new TreeMap<>();
    counts.put(
        MetricNames.LANDED, LakeProgress.linesPerFolder(config.landingRoot(), lakeFilesCounted));
    if (!config.zones().landingOnly()) {
      Map<String, Long> rows = LakeProgress.tableRows(config.lake(), lakeFilesCounted);
      rows.keySet().removeIf(table -> table.contains("/_")); // the rejects: counted below
      counts.put(MetricNames.TABLE_ROWS, rows);
      counts.put(
          MetricNames.REJECTED,
          LakeProgress.linesPerFolder(config.lake() + "/trusted/_rejected", lakeFilesCounted));
    }
    return new RunSummary.Counts(counts);
  }

  /** The {@link ProgressLine} of a summary taken while the stream runs. */
  static String line(RunSummary summary) {
    RunSummary.Stream stream = summary.stream();
    return ProgressLine.render(
        new ProgressLine.Snapshot(
            summary.elapsedSeconds(),
            summary.counts(),
            -1,
            summary.landingOnly(),
            stream != null && stream.countsFromLake(),
            stream == null ? null : stream.consumerLag()));
  }

  private void write(RunSummary summary) {
    try {
      summary.writeTo(config.lake());
    } catch (IOException | RuntimeException e) {
      err.println("zonestream: could not write " + config.lake() + "/_summary.json: " + e);
    }
  }

  /** Prints and writes the stream's last summary, once (at the stream's end or the JVM's exit). */
  void finish() {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    timer.shutdownNow();
    RunSummary summary;
    synchronized (this) {
      summary = snapshot(false);
    }
    out.print(summary.format());
    out.print(RunSummary.whereToLook(config.lake()));
    out.flush();
    write(summary);
    if (kafkaLag != null) {
      kafkaLag.close();
    }
  }

  /** As {@link #finish}, from the thread that ran the stream; the exit needs it no more. */
  @Override
  public void close() {
    finish();
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException e) {
      // The JVM is exiting: the hook has run or runs now.
    }
  }
}
