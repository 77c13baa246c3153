package dev.zonestream.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/** A deterministic coder for {@link Envelope}: equal envelopes encode to equal bytes. */
public final class EnvelopeCoder extends CustomCoder<Envelope> {
  private static final EnvelopeCoder INSTANCE = new EnvelopeCoder();
  private static final Coder<String> STRING = StringUtf8Coder.of();
  private static final Coder<String> NULLABLE_STRING = NullableCoder.of(StringUtf8Coder.of());
  private static final Coder<Long> LONG = VarLongCoder.of();
  private static final Coder<Integer> INT = VarIntCoder.of();
  private static final Coder<byte[]> BYTES = ByteArrayCoder.of();
  private static final Coder<byte[]> NULLABLE_BYTES = NullableCoder.of(ByteArrayCoder.of());
  private static final SourceKind[] KINDS = SourceKind.values();

  private EnvelopeCoder() {}

  public static EnvelopeCoder of() {
    return INSTANCE;
  }

  /** Lets {@code @DefaultCoder} find this coder for {@link Envelope}. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(Envelope.class), INSTANCE);
  }

  @Override
  public void encode(Envelope value, OutputStream out) throws IOException {
    STRING.encode(value.dataset(), out);
    INT.encode(value.sourceKind().ordinal(), out);
    STRING.encode(value.source(), out);
    NULLABLE_STRING.encode(value.partition(), out);
    STRING.encode(value.offset(), out);
    LONG.encode(value.brokerTimestamp(), out);
    LONG.encode(value.ingestTime(), out);
    BYTES.encode(value.payload(), out);
    NULLABLE_BYTES.encode(value.key(), out);
  }

  @Override
  public Envelope decode(InputStream in) throws IOException {
    return new Envelope(
        STRING.decode(in),
        KINDS[INT.decode(in)],
        STRING.decode(in),
        NULLABLE_STRING.decode(in),
        STRING.decode(in),
        LONG.decode(in),
        LONG.decode(in),
        BYTES.decode(in),
        NULLABLE_BYTES.decode(in));
  }

  @Override
  public void verifyDeterministic() {
    // Every component coder is deterministic.
  }

  @Override
  public List<? extends Coder<?>> getCoderArguments() {
    return List.of();
  }
}
