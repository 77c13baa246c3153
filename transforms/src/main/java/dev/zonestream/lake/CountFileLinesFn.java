package dev.zonestream.lake;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Reads each final file back and counts its rows into the counter {@code namespace/<key>}: a row
 * counts as written only once it can be read from the lake. A JSON Lines file's rows are its lines,
 * a Parquet file's the row count in its footer. Input: (counter name, file path).
 */
public final class CountFileLinesFn extends DoFn<KV<String, String>, LandedFile> {
  private final String namespace;

  public CountFileLinesFn(String namespace) {
    this.namespace = namespace;
  }

  @ProcessElement
  public void processElement(@Element KV<String, String> file, OutputReceiver<LandedFile> out)
      throws IOException {
    String path = file.getValue();
    long lines = ParquetFiles.isParquet(path) ? ParquetFiles.rowCount(path) : lines(path);
    Metrics.counter(namespace, file.getKey()).inc(lines);
    out.output(new LandedFile(file.getKey(), path, lines));
  }

  private static long lines(String path) throws IOException {
    long lines = 0;
    try (InputStream in =
        Channels.newInputStream(
            Compression.detect(path)
                .readDecompressed(FileSystems.open(FileSystems.matchNewResource(path, false))))) {
      byte[] buffer = new byte[1 << 16];
      int read;
      while ((read = in.read(buffer)) != -1) {
        for (int i = 0; i < read; i++) {
          if (buffer[i] == '\n') {
            lines++;
          }
        }
      }
    }
    return lines;
  }
}
