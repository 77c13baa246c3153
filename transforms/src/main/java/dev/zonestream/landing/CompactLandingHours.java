package dev.zonestream.landing;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import dev.zonestream.lake.LakeIo;
import dev.zonestream.lake.LakePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Rewrites each closed hour of the landing zone ({@code <dataset>/dt=.../hr=...}) into one gzip
 * JSON Lines file, every line byte for byte: a bounded job on any runner, over any file system Beam
 * knows (a local lake or S3).
 *
 * <p><b>Closed hours.</b> An hour folder is compacted when it holds two or more final files and
 * none of them changed within {@link #withQuietPeriod} (a stream still writing to the hour, its
 * late panes included, leaves it alone until it has been quiet that long). Files named in {@link
 * #keeping} are left as they are (the newest file of each Kinesis stream run: the evidence of where
 * a restarted stream starts).
 *
 * <p><b>Atomic, verified.</b> For one hour: the sources are read in name order into a temporary
 * file (its name starts with {@code .}, which every reader of the lake skips), counting lines and
 * taking a CRC-32 of the decompressed bytes; the temporary file is read back and must give the same
 * count and checksum; the list of sources is written beside it ({@code .compacted-<file>.sources});
 * the temporary file is renamed to its final name ({@code <dataset>-<hour start>-<hour end>-0-
 * 00000-of-00001-<compaction id>.jsonl.gz}); then the sources are deleted and the list with them. A
 * job that dies before the rename leaves the sources as they were (the next compaction deletes its
 * temporary file); one that dies after it leaves a list whose sources the next compaction deletes.
 * Between the rename and the deletes a reader sees those lines twice: landing is at least once, and
 * the trusted zone keeps each record once.
 *
 * <p>Counters ({@value #COUNTERS}): {@code hours}, {@code files_before}, {@code files_after},
 * {@code lines}.
 */
@AutoValue
public abstract class CompactLandingHours extends PTransform<PBegin, PCollection<String>> {
  public static final String COUNTERS = "zonestream.compaction";
  static final String TEMP_PREFIX = ".compacting-";
  static final String SOURCES_PREFIX = ".compacted-";
  static final String SOURCES_SUFFIX = ".sources";

  abstract @Nullable String landingRoot();

  abstract Duration quietPeriod();

  abstract Set<String> kept();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setLandingRoot(@Nullable String landingRoot);

    abstract Builder setQuietPeriod(Duration quietPeriod);

    abstract Builder setKept(Set<String> kept);

    abstract CompactLandingHours build();
  }

  /** Defaults: hours quiet for an hour, nothing kept. */
  public static CompactLandingHours create() {
    return new AutoValue_CompactLandingHours.Builder()
        .setQuietPeriod(Duration.standardHours(1))
        .setKept(Set.of())
        .build();
  }

  /** The landing zone's root, for example {@code /lake/landing}. */
  public CompactLandingHours from(String root) {
    return toBuilder().setLandingRoot(checkArgumentNotNull(root, "landing root")).build();
  }

  /** How long every file of an hour must have been unchanged for the hour to be compacted. */
  public CompactLandingHours withQuietPeriod(Duration value) {
    if (value == null || value.getMillis() < 0) {
      throw new IllegalArgumentException("quiet period must not be negative, got " + value);
    }
    return toBuilder().setQuietPeriod(value).build();
  }

  /** Files (full paths, as the file system names them) to leave as they are. */
  public CompactLandingHours keeping(Set<String> paths) {
    return toBuilder().setKept(Set.copyOf(checkArgumentNotNull(paths, "kept files"))).build();
  }

  @Override
  public PCollection<String> expand(PBegin input) {
    String root =
        FileSystems.matchNewResource(
                checkArgumentNotNull(landingRoot(), "CompactLandingHours needs from(root)"), true)
            .toString();
    return input
        .apply(
            "MatchLandingFiles",
            FileIO.match()
                .filepattern(root + "*/dt=*/hr=*/*")
                .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("ByHour", ParDo.of(new ByHourFn(root)))
        .apply("GroupHours", GroupByKey.create())
        .apply(
            "CompactHours",
            ParDo.of(
                new CompactHourFn(
                    Instant.now().minus(quietPeriod()).getMillis(), new HashSet<>(kept()))));
  }

  /** Each file of an hour folder (data files, temporary files and source lists), by its folder. */
  static final class ByHourFn extends DoFn<MatchResult.Metadata, KV<String, String>> {
    private final String root;

    ByHourFn(String root) {
      this.root = root;
    }

    @ProcessElement
    public void processElement(
        @Element MatchResult.Metadata file, OutputReceiver<KV<String, String>> out) {
      String path = file.resourceId().toString();
      if (!path.startsWith(root)) {
        return;
      }
      int slash = path.lastIndexOf('/');
      out.output(KV.of(path.substring(0, slash), path));
    }
  }

  /** Compacts one hour folder; outputs the compacted file's path. */
  static final class CompactHourFn extends DoFn<KV<String, Iterable<String>>, String> {
    private final long quietSince;
    private final Set<String> kept;
    private final Counter hours = Metrics.counter(COUNTERS, "hours");
    private final Counter filesBefore = Metrics.counter(COUNTERS, "files_before");
    private final Counter filesAfter = Metrics.counter(COUNTERS, "files_after");
    private final Counter lines = Metrics.counter(COUNTERS, "lines");

    CompactHourFn(long quietSince, Set<String> kept) {
      this.quietSince = quietSince;
      this.kept = kept;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, Iterable<String>> hour, OutputReceiver<String> out) throws IOException {
      String folder = hour.getKey();
      List<String> data = new ArrayList<>();
      List<String> leftovers = new ArrayList<>();
      for (String path : hour.getValue()) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.startsWith(TEMP_PREFIX)) {
          leftovers.add(path);
        } else if (name.startsWith(SOURCES_PREFIX) && name.endsWith(SOURCES_SUFFIX)) {
          finishEarlierCompaction(folder, path);
        } else if (LakePaths.isFinalLakeFile(name)) {
          data.add(path);
        }
      }
      // An earlier compaction that died before its rename: its sources are intact.
      delete(leftovers);
      data.removeIf(path -> !exists(path)); // deleted by an earlier compaction's list just now
      List<String> sources = new ArrayList<>();
      for (String path : data) {
        long modified = FileSystems.matchSingleFileSpec(path).lastModifiedMillis();
        if (modified > quietSince) {
          return; // still being written to
        }
        if (!kept.contains(path)) {
          sources.add(path);
        }
      }
      if (sources.size() < 2) {
        return;
      }
      sources.sort(Comparator.naturalOrder());
      String id =
          "c" + LakePaths.basic(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 4);
      String temp = folder + "/" + TEMP_PREFIX + id + ".jsonl.gz";
      Digest written = copy(sources, temp);
      Digest reread = digest(temp);
      if (!written.equals(reread)) {
        delete(List.of(temp));
        throw new IOException(
            "compaction of " + folder + " read back " + reread + ", wrote " + written + ": kept");
      }
      String name = finalName(folder, id);
      String target = folder + "/" + name;
      LakeIo.writeText(
          folder + "/" + SOURCES_PREFIX + name + SOURCES_SUFFIX, String.join("\n", sources) + "\n");
      FileSystems.rename(
          List.of(FileSystems.matchNewResource(temp, false)),
          List.of(FileSystems.matchNewResource(target, false)));
      delete(sources);
      delete(List.of(folder + "/" + SOURCES_PREFIX + name + SOURCES_SUFFIX));
      hours.inc();
      filesBefore.inc(sources.size());
      filesAfter.inc();
      lines.inc(written.lines());
      out.output(target);
    }

    /** {@code <dataset>-<hour start>-<hour end>-0-00000-of-00001-<id>.jsonl.gz}. */
    static String finalName(String folder, String id) {
      // .../<dataset>/dt=YYYY-MM-DD/hr=HH
      String[] parts = folder.split("/");
      String dataset = parts[parts.length - 3];
      String day = parts[parts.length - 2].substring("dt=".length());
      String hourOfDay = parts[parts.length - 1].substring("hr=".length());
      Instant start = Instant.parse(day + "T" + hourOfDay + ":00:00Z");
      return LakePaths.fileNamePrefix(dataset)
          + "-"
          + LakePaths.basic(start)
          + "-"
          + LakePaths.basic(start.plus(Duration.standardHours(1)))
          + "-0-00000-of-00001-"
          + id
          + ".jsonl.gz";
    }

    /**
     * An earlier compaction renamed its file and died before deleting its sources: delete them now
     * (roll forward); without its file it died before the rename (roll back).
     */
    private static void finishEarlierCompaction(String folder, String list) throws IOException {
      String name = list.substring(list.lastIndexOf('/') + 1);
      String compacted =
          folder
              + "/"
              + name.substring(SOURCES_PREFIX.length(), name.length() - SOURCES_SUFFIX.length());
      if (exists(compacted)) {
        List<String> sources = new ArrayList<>();
        for (String line : readText(list).split("\n")) {
          if (!line.isBlank()) {
            sources.add(line);
          }
        }
        delete(sources);
      }
      delete(List.of(list));
    }

    /** Lines and CRC-32 of decompressed bytes. */
    record Digest(long lines, long crc, long bytes) {}

    private static Digest copy(List<String> sources, String temp) throws IOException {
      CRC32 crc = new CRC32();
      long count = 0;
      long bytes = 0;
      try (OutputStream out =
          Channels.newOutputStream(
              Compression.GZIP.writeCompressed(
                  FileSystems.create(FileSystems.matchNewResource(temp, false), MimeTypes.TEXT)))) {
        byte[] buffer = new byte[1 << 16];
        for (String source : sources) {
          int last = '\n';
          try (InputStream in = open(source)) {
            for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
              out.write(buffer, 0, read);
              crc.update(buffer, 0, read);
              bytes += read;
              for (int i = 0; i < read; i++) {
                if (buffer[i] == '\n') {
                  count++;
                }
              }
              last = buffer[read - 1];
            }
          }
          if (last != '\n') {
            // A source whose last line lacks its newline: the line stays a line of its own.
            out.write('\n');
            crc.update('\n');
            bytes++;
            count++;
          }
        }
      }
      return new Digest(count, crc.getValue(), bytes);
    }

    private static Digest digest(String path) throws IOException {
      CRC32 crc = new CRC32();
      long count = 0;
      long bytes = 0;
      byte[] buffer = new byte[1 << 16];
      try (InputStream in = open(path)) {
        for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
          crc.update(buffer, 0, read);
          bytes += read;
          for (int i = 0; i < read; i++) {
            if (buffer[i] == '\n') {
              count++;
            }
          }
        }
      }
      return new Digest(count, crc.getValue(), bytes);
    }

    private static InputStream open(String path) throws IOException {
      ResourceId resource = FileSystems.matchNewResource(path, false);
      return Channels.newInputStream(
          Compression.detect(path).readDecompressed(FileSystems.open(resource)));
    }

    private static boolean exists(String path) {
      try {
        return LakeIo.exists(path);
      } catch (IOException e) {
        return true; // unknown: keep what depends on it
      }
    }

    private static void delete(List<String> paths) throws IOException {
      List<ResourceId> resources = new ArrayList<>();
      for (String path : paths) {
        resources.add(FileSystems.matchNewResource(path, false));
      }
      FileSystems.delete(resources, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    }

    private static String readText(String path) throws IOException {
      try (InputStream in =
          Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(path, false)))) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
  }
}
