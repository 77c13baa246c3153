package dev.zonestream.landing;

import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.joda.time.DateTimeZone;
import org.joda.time.format.DateTimeFormat;
import org.joda.time.format.DateTimeFormatter;

/**
 * Names landing files after the window they hold, so that a replay of the same messages rewrites
 * the same files:
 * {@code <dataset>/dt=YYYY-MM-DD/hr=HH/<dataset>-<start>-<end>-<pane>-<shard>-of-<n>.jsonl[.gz]}.
 *
 * <p>Times are UTC in ISO-8601 basic format ({@code 20230806T185700Z}): no colons, which Hadoop
 * paths (Spark, Hive) reject in file names.
 */
final class LandingFileNaming implements FileIO.Write.FileNaming {
  private static final DateTimeFormatter DAY =
      DateTimeFormat.forPattern("yyyy-MM-dd").withZone(DateTimeZone.UTC);
  private static final DateTimeFormatter HOUR =
      DateTimeFormat.forPattern("HH").withZone(DateTimeZone.UTC);
  private static final DateTimeFormatter BASIC =
      DateTimeFormat.forPattern("yyyyMMdd'T'HHmmss'Z'").withZone(DateTimeZone.UTC);

  private final String dataset;

  LandingFileNaming(String dataset) {
    this.dataset = dataset;
  }

  @Override
  public String getFilename(
      BoundedWindow window, PaneInfo pane, int numShards, int shardIndex, Compression compression) {
    if (!(window instanceof IntervalWindow interval)) {
      throw new IllegalArgumentException(
          "landing files are named after fixed windows, got " + window);
    }
    return String.format(
        "%s/dt=%s/hr=%s/%s-%s-%s-%d-%05d-of-%05d.jsonl%s",
        dataset,
        DAY.print(interval.start()),
        HOUR.print(interval.start()),
        dataset,
        BASIC.print(interval.start()),
        BASIC.print(interval.end()),
        pane.getIndex(),
        shardIndex,
        numShards,
        compression.getSuggestedSuffix());
  }
}
