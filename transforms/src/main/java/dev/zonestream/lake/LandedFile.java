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
 * A landing file once it is final: its dataset, its full path and how many messages it holds.
 *
 * @param dataset the dataset folder
 * @param path the file's full path or URI
 * @param messages lines (messages) read back from the final file
 */
@DefaultCoder(LandedFile.LandedFileCoder.class)
public record LandedFile(String dataset, String path, long messages) {

  /** Coder for {@link LandedFile}. */
  public static final class LandedFileCoder extends CustomCoder<LandedFile> {
    private static final LandedFileCoder INSTANCE = new LandedFileCoder();

    public static LandedFileCoder of() {
      return INSTANCE;
    }

    /** Lets {@code @DefaultCoder} find this coder for {@link LandedFile}. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(LandedFile.class), INSTANCE);
    }

    @Override
    public void encode(LandedFile value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.dataset(), out);
      StringUtf8Coder.of().encode(value.path(), out);
      VarLongCoder.of().encode(value.messages(), out);
    }

    @Override
    public LandedFile decode(InputStream in) throws IOException {
      return new LandedFile(
          StringUtf8Coder.of().decode(in),
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of();
    }
  }
}
