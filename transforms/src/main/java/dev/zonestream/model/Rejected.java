package dev.zonestream.model;

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
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * A message that cannot enter the trusted zone, with why, and the message itself (payload bytes and
 * where it came from) so that it can be fixed and replayed.
 *
 * @param reason every rule it breaks, for example {@code "email: not an email address; x: missing"}
 */
@DefaultCoder(Rejected.RejectedCoder.class)
public record Rejected(String reason, Envelope message) {

  /** Coder for {@link Rejected}. */
  public static final class RejectedCoder extends CustomCoder<Rejected> {
    private static final RejectedCoder INSTANCE = new RejectedCoder();

    public static RejectedCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(Rejected.class), INSTANCE);
    }

    @Override
    public void encode(Rejected value, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(value.reason(), out);
      EnvelopeCoder.of().encode(value.message(), out);
    }

    @Override
    public Rejected decode(InputStream in) throws IOException {
      return new Rejected(StringUtf8Coder.of().decode(in), EnvelopeCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of();
    }
  }
}
