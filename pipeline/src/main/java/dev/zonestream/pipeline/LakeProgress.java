package dev.zonestream.pipeline;

import dev.zonestream.lake.LakePaths;
import dev.zonestream.lake.ParquetFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * A stream's progress read from the lake's final files, for runners whose {@link
 * org.apache.beam.sdk.PipelineResult} reports no counters while the job runs (the FlinkRunner's
 * local mini cluster in detached mode answers an empty accumulator map until the job ends).
 */
public final class LakeProgress {
  private LakeProgress() {}

  /**
   * Rows of the final files under {@code root}, per first-level folder (a landing dataset, or a
   * zone's table): the lines of a JSON Lines file, the footer's row count of a Parquet one.
   * Temporary folders and a table's empty file are not counted.
   */
  static Map<String, Long> linesPerFolder(String root) {
    return linesPerFolder(root, new HashMap<>());
  }

  /**
   * As above, counting each file once: {@code counted} holds the rows of the files already counted
   * (by path and size; a final file does not change), so a stream's progress reads only its new
   * files.
   */
  public static Map<String, Long> linesPerFolder(String root, Map<String, Long> counted) {
    Map<String, Long> lines = new TreeMap<>();
    MatchResult match;
    try {
      match = FileSystems.match(root + "/**", EmptyMatchTreatment.ALLOW);
    } catch (IOException e) {
      return lines;
    }
    try {
      for (MatchResult.Metadata file : match.metadata()) {
        String path = file.resourceId().toString();
        String relative = path.substring(path.indexOf(root) + root.length() + 1);
        if (!LakePaths.isFinalLakeFile(relative)) {
          continue;
        }
        String folder = relative.substring(0, Math.max(0, relative.indexOf('/')));
        String key = path + "|" + file.sizeBytes();
        Long rows = counted.get(key);
        if (rows == null) {
          rows = ParquetFiles.isParquet(path) ? ParquetFiles.rowCount(path) : countLines(file);
          counted.put(key, rows);
        }
        lines.merge(folder, rows, Long::sum);
      }
    } catch (IOException e) {
      // A file moved or was replaced between the match and the read: the next poll counts it.
    }
    return lines;
  }

  /**
   * Rows of the trusted and curated tables' final files, by {@code zone/table} (for example {@code
   * trusted/customer}; the rejects are {@code trusted/_rejected}), each file counted once (see
   * above).
   */
  static Map<String, Long> tableRows(String lake, Map<String, Long> counted) {
    Map<String, Long> rows = new TreeMap<>();
    for (String zone : new String[] {"trusted", "curated"}) {
      linesPerFolder(lake + "/" + zone, counted)
          .forEach((table, n) -> rows.put(zone + "/" + table, n));
    }
    return rows;
  }

  private static long countLines(MatchResult.Metadata file) throws IOException {
    long count = 0;
    try (InputStream in =
        Channels.newInputStream(
            Compression.detect(file.resourceId().toString())
                .readDecompressed(FileSystems.open(file.resourceId())))) {
      byte[] buffer = new byte[65536];
      int n;
      while ((n = in.read(buffer)) > 0) {
        for (int i = 0; i < n; i++) {
          if (buffer[i] == '\n') {
            count++;
          }
        }
      }
    }
    return count;
  }
}
