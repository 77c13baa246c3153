package dev.zonestream.lake;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import org.apache.avro.Schema;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Writes one table's rows as a Parquet file of its declared schema ({@link TableSchemas}), snappy
 * compressed: Beam's {@link ParquetIO#sink}, fed the rows as Avro records.
 */
final class ParquetTableSink implements FileIO.Sink<TableRow> {
  private final String schemaJson;
  private transient @Nullable Schema schema;
  private transient FileIO.@Nullable Sink<org.apache.avro.generic.GenericRecord> parquet;

  ParquetTableSink(Schema schema) {
    this.schemaJson = schema.toString();
  }

  @Override
  public void open(WritableByteChannel channel) throws IOException {
    schema = new Schema.Parser().parse(schemaJson);
    parquet = ParquetIO.sink(schema).withCompressionCodec(CompressionCodecName.SNAPPY);
    parquet.open(channel);
  }

  @Override
  public void write(TableRow row) throws IOException {
    if (parquet == null || schema == null) {
      throw new IllegalStateException("write before open");
    }
    parquet.write(TableSchemas.toRecord(schema, row));
  }

  @Override
  public void flush() throws IOException {
    if (parquet != null) {
      parquet.flush();
    }
  }
}
