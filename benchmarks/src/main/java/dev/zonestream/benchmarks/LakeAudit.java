package dev.zonestream.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zonestream.lake.LakePaths;
import dev.zonestream.lake.ParquetFiles;
import dev.zonestream.lake.TableSchemas;
import dev.zonestream.model.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Reads a local lake's final files as any JSON Lines reader would (a folder whose name starts with
 * a dot, such as Beam's {@code .temp-beam-...}, holds files not final yet and is skipped).
 */
final class LakeAudit {
  /** The tables compared with a batch run, and the rejects. */
  static final List<String> TABLES =
      List.of(
          Tables.CUSTOMER_TRUSTED,
          Tables.ACCELEROMETER_TRUSTED,
          Tables.STEP_TRAINER_TRUSTED,
          Tables.CUSTOMER_CURATED,
          Tables.MACHINE_LEARNING_CURATED,
          Tables.REJECTED);

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Landing files already read: their names are unique per run and a final file never changes. */
  private final Map<Path, List<String>> coordinatesByFile = new HashMap<>();

  private final Path lake;

  LakeAudit(Path lake) {
    this.lake = lake;
  }

  /**
   * How often each Kafka message ({@code topic/partition/offset}, from the landing lines' envelope)
   * is in a final landing file.
   */
  Map<String, Integer> landedCoordinates() throws IOException {
    Map<String, Integer> counts = new HashMap<>();
    for (Path file : finalFiles(lake.resolve("landing"))) {
      List<String> coordinates = coordinatesByFile.get(file);
      if (coordinates == null) {
        coordinates = new ArrayList<>();
        for (String line : lines(file)) {
          JsonNode envelope = MAPPER.readTree(line);
          coordinates.add(
              envelope.path("source").asText()
                  + "/"
                  + envelope.path("partition").asText()
                  + "/"
                  + envelope.path("offset").asText());
        }
        coordinatesByFile.put(file, coordinates);
      }
      for (String coordinate : coordinates) {
        counts.merge(coordinate, 1, Integer::sum);
      }
    }
    return counts;
  }

  /** Rows in final files per table of {@link #TABLES}. */
  Map<String, Long> tableLineCounts() throws IOException {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String table : TABLES) {
      long n = 0;
      for (Path file : finalFiles(lake.resolve(table))) {
        n += lines(file).size();
      }
      counts.put(table, n);
    }
    return counts;
  }

  /**
   * Each table's rows, sorted; a reject as {@code dataset | reason | payload} (what does not depend
   * on how or when the message arrived).
   */
  Map<String, List<String>> tables() throws IOException {
    Map<String, List<String>> tables = new LinkedHashMap<>();
    for (String table : TABLES) {
      List<String> rows = new ArrayList<>();
      for (Path file : finalFiles(lake.resolve(table))) {
        for (String line : lines(file)) {
          rows.add(table.equals(Tables.REJECTED) ? reject(MAPPER.readTree(line)) : line);
        }
      }
      rows.sort(null);
      tables.put(table, rows);
    }
    return tables;
  }

  /**
   * Each table of {@link #TABLES} as a count and an order-free digest of its rows (as {@link
   * #tables} writes them), for lakes too big to hold every row in memory.
   */
  Map<String, Digest> digests() throws IOException {
    Map<String, Digest> digests = new LinkedHashMap<>();
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (String table : TABLES) {
      long rows = 0;
      long sum = 0;
      long squares = 0;
      for (Path file : finalFiles(lake.resolve(table))) {
        for (String line : lines(file)) {
          String row = table.equals(Tables.REJECTED) ? reject(MAPPER.readTree(line)) : line;
          long h = ByteBuffer.wrap(sha.digest(row.getBytes(StandardCharsets.UTF_8))).getLong();
          rows++;
          sum += h;
          squares += h * h;
        }
      }
      digests.put(table, new Digest(rows, sum, squares));
    }
    return digests;
  }

  /** A multiset of rows: how many, and two sums of their 64-bit hashes (wrapping). */
  record Digest(long rows, long sum, long squares) {}

  private static String reject(JsonNode row) {
    JsonNode payload = row.has("payload") ? row.get("payload") : row.path("payloadBase64");
    return row.path("dataset").asText() + " | " + row.path("reason").asText() + " | " + payload;
  }

  private static List<Path> finalFiles(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    // A running job removes its temporary folders while the walk goes on: walk again.
    for (int attempt = 1; ; attempt++) {
      try (Stream<Path> paths = Files.walk(folder)) {
        return paths
            .filter(Files::isRegularFile)
            .filter(p -> LakePaths.isFinalLakeFile(p.getFileName().toString()))
            .filter(p -> !hidden(folder.relativize(p)))
            .sorted()
            .toList();
      } catch (java.io.UncheckedIOException e) {
        if (attempt >= 5 || !(e.getCause() instanceof java.nio.file.NoSuchFileException)) {
          throw e;
        }
      }
    }
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      String name = part.toString();
      if (name.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** A file's rows: its lines, or a Parquet table's rows as the JSON format writes them. */
  private static List<String> lines(Path file) throws IOException {
    if (ParquetFiles.isParquet(file.toString())) {
      List<String> rows = new ArrayList<>();
      ParquetFiles.forEachRow(file.toString(), row -> rows.add(TableSchemas.toJson(row)));
      return rows;
    }
    try (InputStream raw = Files.newInputStream(file);
        InputStream in =
            file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
      List<String> lines = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isEmpty()) {
          lines.add(line);
        }
      }
      return lines;
    }
  }
}
