package dev.zonestream.landing;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import dev.zonestream.lake.CountFileLinesFn;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Writes every message into the landing zone: JSON Lines files, one per dataset, fixed window of
 * element (broker) time, pane and shard, under Hive-style {@code dt=}/{@code hr=} folders (see
 * {@link LandingFileNaming}). Nothing is dropped and nothing is changed: see {@link LandingLine}.
 *
 * <p><b>Windowing.</b> Fixed windows of the element timestamp, which every zonestream source sets
 * to the broker's timestamp, so a replay lands each message in the same file. A window's first file
 * (pane 0) is written when the watermark passes its end; a message that arrives later but within
 * the allowed lateness lands in a further file of the same window (pane 1, 2, ...). Later still,
 * the runner drops it: the zonestream sources never emit such messages (see {@code
 * BrokerTimestampPolicy}), so this bound only limits how long window state is kept.
 *
 * <p><b>Output.</b> One {@link LandedFile} per final file, with the number of messages read back
 * from it; the counters {@link MetricNames#LANDED} count landed messages and {@link
 * MetricNames#INVALID} payloads kept as base64, per dataset.
 *
 * <p><b>Delivery.</b> Files are written to a temporary folder and moved into place when the pane is
 * final (Beam's {@link FileIO}); a retried bundle rewrites the same names. With {@link #withRunId}
 * each run writes names of its own, so a second run over the same lake (new messages, or the same
 * ones again) never replaces files of another: the same message landed by two runs is in landing
 * twice, and the trusted zone keeps it once.
 */
public final class LandWindowedFiles
    extends PTransform<PCollection<Envelope>, PCollection<LandedFile>> {
  private final @Nullable String root;
  private final Duration window;
  private final Duration allowedLateness;
  private final int shards;
  private final Compression compression;
  private final @Nullable String runId;

  private LandWindowedFiles(
      @Nullable String root,
      Duration window,
      Duration allowedLateness,
      int shards,
      Compression compression,
      @Nullable String runId) {
    this.root = root;
    this.window = window;
    this.allowedLateness = allowedLateness;
    this.shards = shards;
    this.compression = compression;
    this.runId = runId;
  }

  /** Defaults: 1-minute windows, 1 hour allowed lateness, 1 shard, gzip. */
  public static LandWindowedFiles create() {
    return new LandWindowedFiles(
        null, Duration.standardMinutes(1), Duration.standardHours(1), 1, Compression.GZIP, null);
  }

  /** The landing zone's root folder or URI, for example {@code /lake/landing}. */
  public LandWindowedFiles to(String landingRoot) {
    checkArgumentNotNull(landingRoot, "landing root");
    return new LandWindowedFiles(landingRoot, window, allowedLateness, shards, compression, runId);
  }

  /** The fixed window length; each window of each dataset gets its own file(s). */
  public LandWindowedFiles withWindow(Duration length) {
    if (length == null || length.getMillis() <= 0) {
      throw new IllegalArgumentException("window length must be positive, got " + length);
    }
    return new LandWindowedFiles(root, length, allowedLateness, shards, compression, runId);
  }

  /** How long after a window's end a message may still land in it (as a further pane). */
  public LandWindowedFiles withAllowedLateness(Duration lateness) {
    if (lateness == null || lateness.getMillis() < 0) {
      throw new IllegalArgumentException("allowed lateness must not be negative, got " + lateness);
    }
    return new LandWindowedFiles(root, window, lateness, shards, compression, runId);
  }

  /** Files per dataset, window and pane. */
  public LandWindowedFiles withShards(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("shard count must be at least 1, got " + count);
    }
    return new LandWindowedFiles(root, window, allowedLateness, count, compression, runId);
  }

  /** {@link Compression#GZIP} (default) or {@link Compression#UNCOMPRESSED}. */
  public LandWindowedFiles withCompression(Compression value) {
    if (value != Compression.GZIP && value != Compression.UNCOMPRESSED) {
      throw new IllegalArgumentException("landing files are gzip or uncompressed, got " + value);
    }
    return new LandWindowedFiles(root, window, allowedLateness, shards, value, runId);
  }

  /**
   * Names this run's files with {@code id} (letters, digits and {@code -}), so that no other run
   * writes the same names (see Delivery above). Without it, names depend on window, pane and shard
   * only.
   */
  public LandWindowedFiles withRunId(String id) {
    if (id == null || !id.matches("[A-Za-z0-9-]+")) {
      throw new IllegalArgumentException("a run id is letters, digits and '-', got " + id);
    }
    return new LandWindowedFiles(root, window, allowedLateness, shards, compression, id);
  }

  @Override
  public PCollection<LandedFile> expand(PCollection<Envelope> messages) {
    String landingRoot = checkArgumentNotNull(root, "LandWindowedFiles needs to(landingRoot)");
    String run = runId;
    return messages
        .apply("FormatLandingLines", ParDo.of(new FormatLandingLineFn()))
        .apply(
            "WindowByBrokerTime",
            Window.<LandingLine>into(FixedWindows.of(window))
                .triggering(
                    AfterWatermark.pastEndOfWindow()
                        .withLateFirings(AfterPane.elementCountAtLeast(1)))
                .withAllowedLateness(allowedLateness)
                .discardingFiredPanes())
        .apply(
            "WriteJsonLines",
            FileIO.<String, LandingLine>writeDynamic()
                .by(LandingLine::dataset)
                .withDestinationCoder(StringUtf8Coder.of())
                .via(Contextful.fn(LandingLine::json), TextIO.sink())
                .to(landingRoot)
                .withNaming(dataset -> new LandingFileNaming(dataset, run))
                .withCompression(compression)
                .withNumShards(shards))
        .getPerDestinationOutputFilenames()
        .apply("CountLandedMessages", ParDo.of(new CountFileLinesFn(MetricNames.LANDED)));
  }

  /** Formats each envelope as its landing line, counting payloads that are not JSON. */
  static final class FormatLandingLineFn extends DoFn<Envelope, LandingLine> {
    @ProcessElement
    public void processElement(@Element Envelope envelope, OutputReceiver<LandingLine> out) {
      LandingLine line = LandingLine.of(envelope);
      if (line.payloadError() != null) {
        Metrics.counter(MetricNames.INVALID, line.dataset()).inc();
      }
      out.output(line);
    }
  }
}
