package dev.zonestream.landing;

import dev.zonestream.lake.LakePaths;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;

/**
 * Names landing files after the window they hold, so that a replay of the same messages rewrites
 * the same files: {@code
 * <dataset>/dt=YYYY-MM-DD/hr=HH/<dataset>-<start>-<end>-<pane>-<shard>-of-<n>.jsonl[.gz]}.
 *
 * <p>Times are written as {@link LakePaths} says.
 */
final class LandingFileNaming implements FileIO.Write.FileNaming {
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
        "%s/%s/%s-%s-%s-%d-%05d-of-%05d.jsonl%s",
        dataset,
        LakePaths.partition(interval.start().getMillis()),
        dataset,
        LakePaths.basic(interval.start()),
        LakePaths.basic(interval.end()),
        pane.getIndex(),
        shardIndex,
        numShards,
        compression.getSuggestedSuffix());
  }
}
