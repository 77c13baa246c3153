package dev.zonestream.ingest;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import dev.zonestream.model.Dataset;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonLines;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.SourceKind;
import dev.zonestream.spec.DatasetRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a folder of JSON Lines files, one sub-folder per dataset ({@code customer/}, {@code
 * accelerometer/}, {@code step_trainer/}), each non-empty line one message: for importing history
 * and for tests.
 *
 * <p><b>Boundedness.</b> Bounded: the files matched when the pipeline starts.
 *
 * <p><b>Routing.</b> The first folder under the root names the dataset ({@link #withRoutes}: a lake
 * spec's {@code files} sources; by default the STEDI datasets' own names); files in a folder no
 * dataset claims land under {@link Dataset#UNROUTED_FOLDER}. Files directly in the root (a README,
 * checksums) are not messages: they are skipped with a warning and counted in {@link
 * MetricNames#SKIPPED}. Files and folders whose name starts with {@code .} or {@code _} (for
 * example {@code _SUCCESS}) are not messages and are skipped. Compressed files ({@code .gz}, {@code
 * .bz2}, ...) are read by their extension.
 *
 * <p><b>Timestamps.</b> A file has no broker, so each message is stamped with its payload's event
 * time (the dataset's event-time field) when the line is a JSON object holding a plausible epoch-ms
 * value there, else with the file's last-modified time. Both are the same on every re-read of the
 * same files, so landing paths are deterministic. The stamp is also the envelope's {@code
 * brokerTimestamp}; {@code source} is the file's path, {@code offset} the 1-based line number.
 *
 * <p><b>Bytes.</b> A line's bytes are the payload exactly, less the line terminator ({@code \n} or
 * {@code \r\n}); blank lines are skipped.
 */
public final class ReadJsonLinesFiles extends PTransform<PBegin, PCollection<Envelope>> {
  private final @Nullable String root;
  private final DatasetRoutes routes;

  private ReadJsonLinesFiles(@Nullable String root, DatasetRoutes routes) {
    this.root = root;
    this.routes = routes;
  }

  public static ReadJsonLinesFiles create() {
    return new ReadJsonLinesFiles(null, DatasetRoutes.stedi());
  }

  /**
   * Which folder holds which dataset, and each one's event-time field (default: the STEDI datasets,
   * each in the folder of its name).
   */
  public ReadJsonLinesFiles withRoutes(DatasetRoutes value) {
    return new ReadJsonLinesFiles(root, checkArgumentNotNull(value, "routes"));
  }

  /** The folder (local path or URI of any Beam file system) that holds the dataset folders. */
  public ReadJsonLinesFiles from(String folder) {
    if (folder == null || folder.isBlank()) {
      throw new IllegalArgumentException("input folder must not be empty");
    }
    return new ReadJsonLinesFiles(folder, routes);
  }

  @Override
  public PCollection<Envelope> expand(PBegin input) {
    String folder = checkArgumentNotNull(root, "ReadJsonLinesFiles needs from(folder)");
    String rootPath = FileSystems.matchNewResource(folder, true).toString();
    return input
        .apply(
            "MatchFiles",
            FileIO.match()
                .filepattern(rootPath + "**")
                .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("ReadMatches", FileIO.readMatches())
        .apply("SplitLines", ParDo.of(new SplitLinesFn(rootPath, routes)));
  }

  /**
   * The bytes of every file under {@code folder} that the read will take (hidden and skipped files
   * too, as {@link MetricNames#INPUT_BYTES} counts them): how far a run is through its input.
   */
  public static long inputBytes(String folder) throws IOException {
    String rootPath = FileSystems.matchNewResource(folder, true).toString();
    long bytes = 0;
    for (MatchResult.Metadata file :
        FileSystems.match(rootPath + "**", EmptyMatchTreatment.ALLOW).metadata()) {
      bytes += file.sizeBytes();
    }
    return bytes;
  }

  /** Emits one envelope per non-blank line of a file. */
  static final class SplitLinesFn extends DoFn<FileIO.ReadableFile, Envelope> {
    private static final Logger LOG = LoggerFactory.getLogger(SplitLinesFn.class);
    private final String rootPath;
    private final DatasetRoutes routes;

    SplitLinesFn(String rootPath, DatasetRoutes routes) {
      this.rootPath = rootPath;
      this.routes = routes;
    }

    @ProcessElement
    public void processElement(@Element FileIO.ReadableFile file, OutputReceiver<Envelope> out)
        throws IOException {
      split(file, out);
      // Once the file is read through: a run's progress through its input, file by file.
      Metrics.counter(MetricNames.INPUT_BYTES, "files").inc(file.getMetadata().sizeBytes());
    }

    private void split(FileIO.ReadableFile file, OutputReceiver<Envelope> out) throws IOException {
      MatchResult.Metadata metadata = file.getMetadata();
      String path = metadata.resourceId().toString();
      String relative = path.startsWith(rootPath) ? path.substring(rootPath.length()) : path;
      if (isHidden(relative)) {
        return;
      }
      int slash = relative.indexOf('/');
      if (slash < 0) {
        // Not inside a dataset folder: documentation or checksums beside the data, not messages.
        LOG.warn(
            "Skipping {}: only files inside a dataset folder of the input hold messages", path);
        Metrics.counter(MetricNames.SKIPPED, "files_outside_dataset_folders").inc();
        return;
      }
      Optional<String> dataset = routes.ofFolder(relative.substring(0, slash));
      String folder = dataset.orElse(Dataset.UNROUTED_FOLDER);
      Optional<String> eventTimeField = dataset.flatMap(routes::eventTimeField);
      long fallbackTime = lastModifiedMillis(metadata);
      long ingestTime = Instant.now().getMillis();
      Counter read = Metrics.counter(MetricNames.READ, folder);

      try (InputStream in = Channels.newInputStream(file.open())) {
        JsonLines.split(
            in,
            (payload, lineNumber) -> {
              OptionalLong eventTime =
                  eventTimeField.isPresent()
                      ? JsonPayload.eventTime(payload, eventTimeField.get())
                      : OptionalLong.empty();
              long timestamp = eventTime.orElse(fallbackTime);
              read.inc();
              out.outputWithTimestamp(
                  new Envelope(
                      folder,
                      SourceKind.FILES,
                      path,
                      null,
                      Long.toString(lineNumber),
                      timestamp,
                      ingestTime,
                      payload),
                  new Instant(timestamp));
            });
      }
    }

    /**
     * The coder between {@code FileIO.match()} and {@code readMatches()} (MetadataCoder, not V2)
     * drops the last-modified time, which then reads 0: match the one file again to get it.
     */
    private static long lastModifiedMillis(MatchResult.Metadata metadata) throws IOException {
      if (metadata.lastModifiedMillis() > 0) {
        return metadata.lastModifiedMillis();
      }
      return FileSystems.matchSingleFileSpec(metadata.resourceId().toString()).lastModifiedMillis();
    }

    private static boolean isHidden(String relativePath) {
      for (String part : relativePath.split("/")) {
        if (part.startsWith(".") || part.startsWith("_")) {
          return true;
        }
      }
      return false;
    }
  }
}
