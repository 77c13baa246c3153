package dev.zonestream.landing;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import dev.zonestream.lake.LandedFile;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.EnvelopeCoder;
import dev.zonestream.model.JsonLines;
import dev.zonestream.model.LandingLine;
import dev.zonestream.model.MetricNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
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
 * <p><b>Output.</b> Each final file is read back once: {@link #FILES} holds one {@link LandedFile}
 * per final file with the number of messages read from it, {@link #MESSAGES} the messages
 * themselves, parsed from their landing lines. Downstream zones take their input from {@link
 * #MESSAGES}, so nothing reaches them before its landing file is final. The counters {@link
 * MetricNames#LANDED} count landed messages and {@link MetricNames#INVALID} payloads kept as
 * base64, per dataset.
 *
 * <p><b>Delivery.</b> Files are written to a temporary folder and moved into place when the pane is
 * final (Beam's {@link FileIO}); a retried bundle rewrites the same names. With {@link #withRunId}
 * each run writes names of its own, so a second run over the same lake (new messages, or the same
 * ones again) never replaces files of another: the same message landed by two runs is in landing
 * twice, and the trusted zone keeps it once.
 */
@AutoValue
public abstract class LandWindowedFiles
    extends PTransform<PCollection<Envelope>, PCollectionTuple> {

  /** One {@link LandedFile} per final file. */
  public static final TupleTag<LandedFile> FILES = new TupleTag<>() {};

  /**
   * The messages read back from the final files, in the global window, each carrying the timestamp
   * of its file's window end: what the trusted zone is built from, so nothing reaches trusted
   * before its landing file is final, and a stream's trusted zone is what a backfill of its landing
   * gives.
   */
  public static final TupleTag<Envelope> MESSAGES = new TupleTag<>() {};

  abstract @Nullable String root();

  abstract Duration window();

  abstract Duration allowedLateness();

  abstract int shards();

  abstract Compression compression();

  abstract @Nullable String runId();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setRoot(@Nullable String root);

    abstract Builder setWindow(Duration window);

    abstract Builder setAllowedLateness(Duration allowedLateness);

    abstract Builder setShards(int shards);

    abstract Builder setCompression(Compression compression);

    abstract Builder setRunId(@Nullable String runId);

    abstract LandWindowedFiles build();
  }

  /** Defaults: 1-minute windows, 1 hour allowed lateness, 1 shard, gzip. */
  public static LandWindowedFiles create() {
    return new AutoValue_LandWindowedFiles.Builder()
        .setWindow(Duration.standardMinutes(1))
        .setAllowedLateness(Duration.standardHours(1))
        .setShards(1)
        .setCompression(Compression.GZIP)
        .build();
  }

  /** The landing zone's root folder or URI, for example {@code /lake/landing}. */
  public LandWindowedFiles to(String landingRoot) {
    checkArgumentNotNull(landingRoot, "landing root");
    return toBuilder().setRoot(landingRoot).build();
  }

  /** The fixed window length; each window of each dataset gets its own file(s). */
  public LandWindowedFiles withWindow(Duration length) {
    if (length == null || length.getMillis() <= 0) {
      throw new IllegalArgumentException("window length must be positive, got " + length);
    }
    return toBuilder().setWindow(length).build();
  }

  /** How long after a window's end a message may still land in it (as a further pane). */
  public LandWindowedFiles withAllowedLateness(Duration lateness) {
    if (lateness == null || lateness.getMillis() < 0) {
      throw new IllegalArgumentException("allowed lateness must not be negative, got " + lateness);
    }
    return toBuilder().setAllowedLateness(lateness).build();
  }

  /** Files per dataset, window and pane. */
  public LandWindowedFiles withShards(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("shard count must be at least 1, got " + count);
    }
    return toBuilder().setShards(count).build();
  }

  /** {@link Compression#GZIP} (default) or {@link Compression#UNCOMPRESSED}. */
  public LandWindowedFiles withCompression(Compression value) {
    if (value != Compression.GZIP && value != Compression.UNCOMPRESSED) {
      throw new IllegalArgumentException("landing files are gzip or uncompressed, got " + value);
    }
    return toBuilder().setCompression(value).build();
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
    return toBuilder().setRunId(id).build();
  }

  @Override
  public PCollectionTuple expand(PCollection<Envelope> messages) {
    String landingRoot = checkArgumentNotNull(root(), "LandWindowedFiles needs to(landingRoot)");
    String run = runId();
    PCollectionTuple landed =
        messages
            .apply("FormatLandingLines", ParDo.of(new FormatLandingLineFn()))
            .apply(
                "WindowByBrokerTime",
                Window.<LandingLine>into(FixedWindows.of(window()))
                    .triggering(
                        AfterWatermark.pastEndOfWindow()
                            .withLateFirings(AfterPane.elementCountAtLeast(1)))
                    .withAllowedLateness(allowedLateness())
                    .discardingFiredPanes())
            .apply(
                "WriteJsonLines",
                FileIO.<String, LandingLine>writeDynamic()
                    .by(LandingLine::dataset)
                    .withDestinationCoder(StringUtf8Coder.of())
                    .via(Contextful.fn(LandingLine::json), TextIO.sink())
                    .to(landingRoot)
                    .withNaming(dataset -> new LandingFileNaming(dataset, run))
                    .withCompression(compression())
                    .withNumShards(shards()))
            .getPerDestinationOutputFilenames()
            .apply(
                "ReadBackLandedFiles",
                ParDo.of(new ReadBackLandedFileFn())
                    .withOutputTags(FILES, TupleTagList.of(MESSAGES)));
    PCollection<Envelope> readBack =
        landed
            .get(MESSAGES)
            .setCoder(EnvelopeCoder.of())
            .apply(
                "LandedMessagesInGlobalWindow",
                Window.<Envelope>into(new GlobalWindows())
                    .triggering(DefaultTrigger.of())
                    .withAllowedLateness(Duration.ZERO)
                    .discardingFiredPanes());
    return PCollectionTuple.of(FILES, landed.get(FILES).setCoder(LandedFile.LandedFileCoder.of()))
        .and(MESSAGES, readBack);
  }

  /**
   * Reads each final file once: counts its lines into {@link MetricNames#LANDED} (a message counts
   * as landed only once it can be read from the lake), emits its {@link LandedFile}, and every line
   * as the envelope it was written from ({@link LandingLine#toEnvelope}).
   */
  static final class ReadBackLandedFileFn extends DoFn<KV<String, String>, LandedFile> {
    @ProcessElement
    public void processElement(@Element KV<String, String> file, MultiOutputReceiver out)
        throws IOException {
      String path = file.getValue();
      OutputReceiver<Envelope> lines = out.get(MESSAGES);
      long count;
      try (InputStream in =
          Channels.newInputStream(
              Compression.detect(path)
                  .readDecompressed(FileSystems.open(FileSystems.matchNewResource(path, false))))) {
        count =
            JsonLines.split(
                in, (line, number) -> lines.output(LandingLine.toEnvelope(line, path, number)));
      }
      Metrics.counter(MetricNames.LANDED, file.getKey()).inc(count);
      out.get(FILES).output(new LandedFile(file.getKey(), path, count));
    }
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
