package dev.zonestream.lake;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * One row of a zone table, ready to write.
 *
 * @param table the table's folder under the lake, for example {@code trusted/accelerometer}
 * @param partitionTime epoch ms that picks the row's {@code dt=}/{@code hr=} folder
 * @param json the row as one JSON object
 */
@DefaultCoder(TableRow.TableRowCoder.class)
public record TableRow(String table, long partitionTime, String json) {

  /** Coder for {@link TableRow}. */
  public static final class TableRowCoder extends CustomCoder<TableRow> {
    private static final TableRowCoder INSTANCE = new TableRowCoder();

    public static TableRowCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(TableRow.class), INSTANCE);
    }

    @Override
    public void encode(TableRow value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.table(), out);
      VarLongCoder.of().encode(value.partitionTime(), out);
      StringUtf8Coder.of().encode(value.json(), out);
    }

    @Override
    public TableRow decode(InputStream in) throws IOException {
      return new TableRow(
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in),
          StringUtf8Coder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of();
    }
  }
}
