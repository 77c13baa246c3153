package dev.zonestream.pipeline;

import dev.zonestream.model.MetricNames;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one progress line of every run, for a person: {@code zonestream: +42s read 11,210 of 11,210
 * landed 11,210 trusted 4,081 curated 130 rejected 12 waiting 51 lag 0}. Elapsed time, then totals
 * over every dataset that are final when shown: messages read (of those known to come, where
 * known), in final landing files, rows in the trusted and curated tables, rejects, readings still
 * waiting for their customer or partner, and a Kafka stream's consumer lag. Per-dataset and exact
 * figures are in {@code _summary.json}; nothing here counts a record before a step has decided it.
 */
final class ProgressLine {
  private ProgressLine() {}

  /** What a line is made of. */
  record Snapshot(
      double elapsedSeconds,
      RunSummary.Counts counts,
      long expected,
      boolean landingOnly,
      boolean countsFromLake,
      @Nullable Long consumerLag,
      @Nullable String next,
      long inputBytes) {
    Snapshot(
        double elapsedSeconds,
        RunSummary.Counts counts,
        long expected,
        boolean landingOnly,
        boolean countsFromLake,
        @Nullable Long consumerLag) {
      this(elapsedSeconds, counts, expected, landingOnly, countsFromLake, consumerLag, null, -1);
    }
  }

  /**
   * The line. {@code expected} is how many messages the run is known to read (a demo's published
   * messages), or -1. With {@code countsFromLake} (a runner that reports no counters while a stream
   * runs) the counts come from final files: what was read and what waits are not known.
   */
  static String render(Snapshot s) {
    RunSummary.Counts counts = s.counts();
    StringBuilder line = new StringBuilder("zonestream: +").append(elapsed(s.elapsedSeconds()));
    if (!s.countsFromLake()) {
      line.append(" read ").append(number(counts.total(MetricNames.READ)));
      if (s.expected() >= 0) {
        line.append(" of ").append(number(s.expected()));
      }
      if (s.inputBytes() > 0) {
        long done = counts.total(MetricNames.INPUT_BYTES);
        line.append(" (")
            .append(Math.min(100, Math.round(100.0 * done / s.inputBytes())))
            .append("% of the input)");
      }
    }
    line.append(" landed ").append(number(counts.total(MetricNames.LANDED)));
    if (!s.landingOnly()) {
      line.append(" trusted ").append(number(rows(counts, "trusted/")));
      line.append(" curated ").append(number(rows(counts, "curated/")));
      line.append(" rejected ").append(number(counts.total(MetricNames.REJECTED)));
      if (!s.countsFromLake()) {
        line.append(" waiting ")
            .append(
                number(
                    Math.max(
                        0, counts.total(MetricNames.WAITED) - counts.total(MetricNames.RELEASED))));
      }
    }
    if (s.consumerLag() != null) {
      line.append(" lag ").append(number(s.consumerLag()));
    }
    if (s.countsFromLake()) {
      line.append(" (from final files)");
    }
    if (s.next() != null) {
      line.append(", next: ").append(s.next());
    }
    return line.toString();
  }

  /** Rows of a zone's tables ({@code trusted/} or {@code curated/}), the rejects left out. */
  private static long rows(RunSummary.Counts counts, String zone) {
    long rows = 0;
    for (Map.Entry<String, Long> table : counts.get(MetricNames.TABLE_ROWS).entrySet()) {
      if (table.getKey().startsWith(zone) && !table.getKey().startsWith(zone + "_")) {
        rows += table.getValue();
      }
    }
    return rows;
  }

  /** {@code 42s}, {@code 3m07s}, {@code 1h02m}. */
  static String elapsed(double seconds) {
    long s = Math.round(seconds);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }

  /**
   * {@code 11,210} up to a million, then {@code 82.3M} and {@code 1.2B}, so that the line stays
   * under 120 characters at any scale ({@code _summary.json} has the exact figures).
   */
  static String number(long n) {
    if (n < 1_000_000) {
      return String.format(Locale.ROOT, "%,d", n);
    }
    if (n < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.1fM", n / 1e6);
    }
    return String.format(Locale.ROOT, "%.1fB", n / 1e9);
  }
}
