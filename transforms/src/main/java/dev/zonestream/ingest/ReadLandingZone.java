package dev.zonestream.ingest;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import dev.zonestream.lake.LakePaths;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonLines;
import dev.zonestream.model.LandingLine;
import dev.zonestream.model.MetricNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Reads the landing zone back as the envelopes it was written from: the backfill source, which
 * rebuilds trusted and curated after the broker has forgotten.
 *
 * <p><b>Boundedness.</b> Bounded: the final landing files present at start ({@code .jsonl}, {@code
 * .jsonl.gz}); temporary files of a running writer (under {@code .temp-beam*}) are not read.
 *
 * <p>Each envelope gets back its dataset, source coordinates, broker timestamp (also its element
 * timestamp, held within the runners' range), ingest time and payload: a JSON payload byte for byte
 * as it stands in its line, a base64 one as its original bytes (see {@link
 * LandingLine#toEnvelope}). A line that is not a landing record (hand-edited, truncated) becomes an
 * envelope of {@code _unrouted} whose payload is the line, so the trusted zone rejects it with a
 * reason instead of losing it.
 */
public final class ReadLandingZone extends PTransform<PBegin, PCollection<Envelope>> {
  private final @Nullable String landingRoot;

  private ReadLandingZone(@Nullable String landingRoot) {
    this.landingRoot = landingRoot;
  }

  public static ReadLandingZone create() {
    return new ReadLandingZone(null);
  }

  /** The landing zone's root, for example {@code /lake/landing}. */
  public ReadLandingZone from(String root) {
    if (root == null || root.isBlank()) {
      throw new IllegalArgumentException("landing root must not be empty");
    }
    return new ReadLandingZone(root);
  }

  @Override
  public PCollection<Envelope> expand(PBegin input) {
    String root = checkArgumentNotNull(landingRoot, "ReadLandingZone needs from(root)");
    String rootPath = FileSystems.matchNewResource(root, true).toString();
    return input
        .apply(
            "MatchLandingFiles",
            FileIO.match()
                .filepattern(rootPath + "**")
                .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("ReadMatches", FileIO.readMatches())
        .apply("ParseLandingLines", ParDo.of(new ParseLandingLinesFn(rootPath)));
  }

  static final class ParseLandingLinesFn extends DoFn<FileIO.ReadableFile, Envelope> {
    private final String rootPath;

    ParseLandingLinesFn(String rootPath) {
      this.rootPath = rootPath;
    }

    @ProcessElement
    public void processElement(@Element FileIO.ReadableFile file, OutputReceiver<Envelope> out)
        throws IOException {
      String path = file.getMetadata().resourceId().toString();
      String relative = path.startsWith(rootPath) ? path.substring(rootPath.length()) : path;
      if (!LakePaths.isFinalLakeFile(relative)) {
        return; // a running writer's temporary file, or not a landing file
      }
      try (InputStream in = Channels.newInputStream(file.open())) {
        JsonLines.split(
            in,
            (line, lineNumber) -> {
              Envelope envelope = LandingLine.toEnvelope(line, path, lineNumber);
              Metrics.counter(MetricNames.READ, envelope.dataset()).inc();
              out.outputWithTimestamp(envelope, elementTimestamp(envelope.brokerTimestamp()));
            });
      }
    }

    /**
     * A broker time as an element timestamp: within the range the runners accept, whatever a
     * producer's clock or an edited line says (the envelope keeps the time as landed).
     */
    static Instant elementTimestamp(long brokerTimestamp) {
      Instant min = BoundedWindow.TIMESTAMP_MIN_VALUE;
      Instant max = GlobalWindow.INSTANCE.maxTimestamp();
      Instant time = new Instant(Math.max(brokerTimestamp, min.getMillis()));
      return time.isAfter(max) ? max : time;
    }
  }
}
