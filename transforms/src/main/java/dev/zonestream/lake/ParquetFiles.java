package dev.zonestream.lake;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Reads Parquet files of the lake through Beam's {@link FileSystems} (a local folder or S3 alike):
 * the row count from a file's footer, or its rows as Avro records. Only API that parquet-java 1.13
 * has too: on Spark the engine's own Parquet (1.13.1 in Spark 3.5) may be the one loaded.
 */
public final class ParquetFiles {
  private ParquetFiles() {}

  /** Whether {@code path} names a Parquet file of the lake. */
  public static boolean isParquet(String path) {
    return path.endsWith(".parquet");
  }

  /** The number of rows in {@code path}, from its footer. */
  public static long rowCount(String path) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(inputFile(path))) {
      return reader.getRecordCount();
    }
  }

  /** Hands each row of {@code path} to {@code action}, in file order. */
  public static void forEachRow(String path, Consumer<GenericRecord> action) throws IOException {
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(inputFile(path))
            .withConf(new Configuration(false))
            .build()) {
      for (GenericRecord row = reader.read(); row != null; row = reader.read()) {
        action.accept(row);
      }
    }
  }

  /** A Parquet {@link InputFile} over a file Beam's {@link FileSystems} opens. */
  public static InputFile inputFile(String path) throws IOException {
    ResourceId resource = FileSystems.matchNewResource(path, false);
    long length = FileSystems.matchSingleFileSpec(path).sizeBytes();
    return new InputFile() {
      @Override
      public long getLength() {
        return length;
      }

      @Override
      public SeekableInputStream newStream() throws IOException {
        SeekableByteChannel channel = (SeekableByteChannel) FileSystems.open(resource);
        return new DelegatingSeekableInputStream(
            java.nio.channels.Channels.newInputStream(channel)) {
          @Override
          public long getPos() throws IOException {
            return channel.position();
          }

          @Override
          public void seek(long newPos) throws IOException {
            channel.position(newPos);
          }

          @Override
          public void readFully(byte[] bytes, int start, int len) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes, start, len);
            while (buffer.hasRemaining()) {
              if (channel.read(buffer) < 0) {
                throw new EOFException("end of " + path + " at " + channel.position());
              }
            }
          }

          @Override
          public int read(ByteBuffer buffer) throws IOException {
            return channel.read(buffer);
          }

          @Override
          public void readFully(ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
              if (channel.read(buffer) < 0) {
                throw new EOFException("end of " + path + " at " + channel.position());
              }
            }
          }

          @Override
          public void close() throws IOException {
            channel.close();
          }
        };
      }
    };
  }
}
