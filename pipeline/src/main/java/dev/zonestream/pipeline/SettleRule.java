package dev.zonestream.pipeline;

import dev.zonestream.model.MetricNames;
import dev.zonestream.model.Tables;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * When a stream fed by a known set of messages has settled: every published message in a final
 * landing file, then the tables unchanged, read from the job's counters ({@link
 * dev.zonestream.model.MetricNames}) or, where a runner reports none while it runs, from the lake.
 */
final class SettleRule {
  private SettleRule() {}

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
      PipelineResult result,
      Map<String, Long> published,
      JobConfig config,
      Duration progressEvery,
      long runStartNanos,
      PrintStream err) {
    return awaitSettled(
        result,
        published,
        config.demo().runTimeout(),
        new FromFiles(published, config),
        config.source() == SourceType.SQS,
        config.zones().landingOnly(),
        progressEvery,
        runStartNanos,
        err);
  }

  /** As above, from the counters alone, a progress line every 5 s. */
  static Progress awaitSettled(
      PipelineResult result, Map<String, Long> published, Duration timeout, PrintStream err) {
    return awaitSettled(
        result,
        published,
        timeout,
        null,
        false,
        false,
        Duration.standardSeconds(5),
        System.nanoTime(),
        err);
  }

  /**
   * The wait, with a {@link ProgressLine} every {@code progressEvery} (none when zero) timed from
   * {@code runStartNanos}.
   */
  static Progress awaitSettled(
      PipelineResult result,
      Map<String, Long> published,
      Duration timeout,
      @Nullable FromFiles fromFiles,
      boolean sqsDeletes,
      boolean landingOnly,
      Duration progressEvery,
      long runStartNanos,
      PrintStream err) {
    long start = System.nanoTime();
    long deadline = start + timeout.getMillis() * 1_000_000L;
    long total = published.values().stream().mapToLong(Long::longValue).sum();
    Double readSeconds = null;
    long lastReportNanos = start;
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
      if (allLanded && allDeleted && readSeconds != null && (landingOnly || isSettled(counts))) {
        return new Progress(true, readSeconds);
      }
      if (progressEvery.getMillis() > 0
          && System.nanoTime() - lastReportNanos >= progressEvery.getMillis() * 1_000_000L) {
        lastReportNanos = System.nanoTime();
        String next =
            readSeconds == null
                ? null
                : !allLanded ? "landing files" : landingOnly ? null : next(counts);
        err.println(
            ProgressLine.render(
                new ProgressLine.Snapshot(
                    (lastReportNanos - runStartNanos) / 1e9,
                    counts,
                    total,
                    landingOnly,
                    false,
                    null,
                    next,
                    -1)));
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
   * one wait per join stage (three; none where the spec runs no STEDI privacy rule) after the last
   * message, the table window and the broker delay, which the embedded broker's watermark covers in
   * as much wall time (its partitions go idle and their watermark follows the clock). Settled once
   * that much has passed since everything landed and the tables' files did not change between two
   * looks a table window apart.
   */
  static final class FromFiles {
    private final Map<String, Long> published;
    private final JobConfig config;
    private long landedAt = -1;
    private long lastLook = -1;
    private Map<String, Long> lastRows = Map.of();
    private final Map<String, Long> counted = new HashMap<>();

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
        Map<String, Long> landed = LakeProgress.linesPerFolder(config.landingRoot(), counted);
        if (published.entrySet().stream()
            .anyMatch(e -> landed.getOrDefault(e.getKey(), 0L) < e.getValue())) {
          return false;
        }
        landedAt = now;
        err.println(
            "zonestream: every published message is in a final landing file "
                + landed
                + (config.zones().landingOnly()
                    ? ""
                    : "; the runner reports no counters, so the joins are given their event-time"
                        + " wait"));
      }
      if (config.zones().landingOnly()) {
        return true;
      }
      // The waits are STEDI's privacy rule and join; a lake without them waits for its windows.
      long joinsMillis =
          (ZonestreamPipeline.runsStedi(config.spec())
                  ? 3 * config.zones().consentWait().getMillis()
                  : 0)
              + config.zones().window().getMillis()
              + config.brokers().maxDelay().getMillis();
      if (now - landedAt < joinsMillis * 1_000_000L
          || (lastLook >= 0 && now - lastLook < config.zones().window().getMillis() * 1_000_000L)) {
        return false;
      }
      Map<String, Long> rows = LakeProgress.tableRows(config.lake(), counted);
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
   * What a run that read and landed everything still waits for: the joins (a record not yet decided
   * or handed on) or the tables' files (every row decided, not every one in a final file).
   */
  private static String next(RunSummary.Counts counts) {
    return decided(counts) ? "table files" : "joins";
  }

  /**
   * Every message read is accounted for (rejected, duplicate, superseded, excluded or trusted) and
   * none still waits, every hand-over between stateful steps taken over: what is left is writing.
   */
  private static boolean decided(RunSummary.Counts counts) {
    Map<String, Long> takenOver = counts.get(MetricNames.TAKEN_OVER);
    return RunSummary.allAccounted(RunSummary.accounting(counts))
        && counts.get(MetricNames.HANDED_ON).entrySet().stream()
            .allMatch(e -> takenOver.getOrDefault(e.getKey(), 0L) >= e.getValue())
        && takenOver.getOrDefault(MetricNames.PHONES_JOINED, 0L)
            >= counts.get(MetricNames.TABLE_ROWS).getOrDefault(Tables.ACCELEROMETER_TRUSTED, 0L);
  }

  /**
   * Every message read is accounted for (rejected, duplicate, superseded, excluded or trusted) and
   * none still waits, every hand-over between stateful steps taken over, every row written.
   */
  static boolean isSettled(RunSummary.Counts counts) {
    Map<String, Long> rows = counts.get(MetricNames.TABLE_ROWS);
    Map<String, Long> written = counts.get(MetricNames.TABLE_ROWS_WRITTEN);
    long rejectsWritten =
        written.entrySet().stream()
            .filter(e -> e.getKey().startsWith(Tables.REJECTED + "/"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    return decided(counts)
        && rows.entrySet().stream()
            .allMatch(e -> written.getOrDefault(e.getKey(), 0L) >= e.getValue())
        && rejectsWritten >= counts.total(MetricNames.REJECTED);
  }
}
