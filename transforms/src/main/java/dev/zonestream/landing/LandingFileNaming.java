package dev.zonestream.landing;

import dev.zonestream.lake.LakePaths;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Names landing files after the window they hold and the run that wrote them: {@code
 * <dataset>/dt=YYYY-MM-DD/hr=HH/<dataset>-<start>-<end>-<pane>-<shard>-of-<n>[-<run>].jsonl[.gz]}.
 * Within one run a retried bundle or a runner's restart from its checkpoint rewrites the same
 * names; another run (a second bounded read, a restarted stream) never reuses them, so a file never
 * replaces messages another run landed.
 *
 * <p>Times are written as {@link LakePaths} says.
 */
final class LandingFileNaming implements FileIO.Write.FileNaming {
  private final String dataset;
  private final @Nullable String runId;

  LandingFileNaming(String dataset, @Nullable String runId) {
    this.dataset = dataset;
    this.runId = runId;
  }

  @Override
  public String getFilename(
      BoundedWindow window, PaneInfo pane, int numShards, int shardIndex, Compression compression) {
    if (!(window instanceof IntervalWindow interval)) {
      throw new IllegalArgumentException(
          "landing files are named after fixed windows, got " + window);
    }
    return String.format(
        "%s/%s/%s-%s-%s-%d-%05d-of-%05d%s.jsonl%s",
        dataset,
        LakePaths.partition(interval.start().getMillis()),
        LakePaths.fileNamePrefix(dataset),
        LakePaths.basic(interval.start()),
        LakePaths.basic(interval.end()),
        pane.getIndex(),
        shardIndex,
        numShards,
        runId == null ? "" : "-" + runId,
        compression.getSuggestedSuffix());
  }
}
