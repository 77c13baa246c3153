package dev.zonestream.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zonestream.lake.LakeCatalog;
import dev.zonestream.lake.LakePaths;
import dev.zonestream.lake.ParquetFiles;
import dev.zonestream.lake.TableSchemas;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * Reads a lake back as any JSON Lines reader would, for assertions. A Parquet table file's rows are
 * read as the JSON format writes the same records ({@link TableSchemas#toJson}: the typed {@code
 * eventTime} column left out, null consents absent), so one assertion holds for both table formats;
 * the Parquet files' own schema is asserted by the catalog tests. Files whose names start with
 * {@code _} (a table's empty schema file) are skipped, as the lake's readers skip them.
 */
final class LakeFiles {
  /**
   * A reader of lake lines: Jackson's defaults, but nesting to 2,000 levels and strings of any
   * length (a landing line holds its payload one level deeper than the job's payload limit, and a
   * base64 payload of megabytes).
   */
  static final ObjectMapper MAPPER =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder()
                      .maxNestingDepth(2000)
                      .maxStringLength(Integer.MAX_VALUE)
                      .build())
              .build());

  private LakeFiles() {}

  /** Every line of every final file under {@code folder} (temporary folders excluded). */
  static List<JsonNode> readAll(Path folder) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path file :
          files
              .filter(Files::isRegularFile)
              .filter(p -> p.toString().contains(".jsonl") || p.toString().endsWith(".parquet"))
              .filter(p -> !p.toString().contains("/.temp"))
              .filter(p -> !p.getFileName().toString().startsWith(LakeCatalog.EMPTY_NAME))
              .sorted()
              .toList()) {
        if (ParquetFiles.isParquet(file.toString())) {
          lines.addAll(parquetRows(file.toString()));
          continue;
        }
        try (InputStream raw = Files.newInputStream(file);
            InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
          for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
              lines.add(MAPPER.readTree(line));
            }
          }
        }
      }
    }
    return lines;
  }

  /**
   * Every line of every final file under {@code folder}, a path or URI ({@code s3://...}) read
   * through Beam's {@link FileSystems}, as the job itself reads the lake; by file path relative to
   * {@code folder}.
   */
  static Map<String, List<JsonNode>> readAllByFile(String folder) throws IOException {
    Map<String, List<JsonNode>> byFile = new TreeMap<>();
    MatchResult match = FileSystems.match(folder + "/**", EmptyMatchTreatment.ALLOW);
    for (MatchResult.Metadata file : match.metadata()) {
      String path = file.resourceId().toString();
      String relative = path.substring(path.indexOf(folder) + folder.length() + 1);
      if (!LakePaths.isFinalLakeFile(relative)) {
        continue;
      }
      if (ParquetFiles.isParquet(path)) {
        byFile.put(relative, parquetRows(path));
        continue;
      }
      List<JsonNode> lines = new ArrayList<>();
      try (InputStream in =
          Channels.newInputStream(
              Compression.detect(path).readDecompressed(FileSystems.open(file.resourceId())))) {
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          if (!line.isEmpty()) {
            lines.add(MAPPER.readTree(line));
          }
        }
      }
      byFile.put(relative, lines);
    }
    return byFile;
  }

  /** A Parquet table file's rows, each as the JSON format writes it. */
  static List<JsonNode> parquetRows(String path) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    ParquetFiles.forEachRow(
        path,
        row -> {
          try {
            rows.add(MAPPER.readTree(TableSchemas.toJson(row)));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
    return rows;
  }

  /** Reads one JSON file through Beam's {@link FileSystems}. */
  static JsonNode readJson(String path) throws IOException {
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(path, false)))) {
      return MAPPER.readTree(in);
    }
  }

  /**
   * A payload in comparable form: the JSON value's canonical text when the bytes are JSON, else
   * {@code base64:...} of the bytes.
   */
  static String canonical(byte[] payload) {
    try {
      return MAPPER.readTree(payload).toString();
    } catch (IOException | RuntimeException e) {
      return "base64:" + Base64.getEncoder().encodeToString(payload);
    }
  }

  /** The same form, from a landing line. */
  static String canonicalPayload(JsonNode landingLine) {
    if (landingLine.has("payload")) {
      return landingLine.get("payload").toString();
    }
    return "base64:" + landingLine.get("payloadBase64").asText();
  }

  static JsonNode readJson(Path file) {
    try {
      return MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
