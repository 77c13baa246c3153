package dev.zonestream.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StructuredCoder;

/**
 * A typed record (a Java record or a spec's Avro record) with the message it was parsed from, so
 * that a stage that decides late (a reading that waited for its customer in vain) can still reject
 * it with its source coordinates and bytes.
 *
 * @param record the typed record
 * @param message the message as received
 */
public record Parsed<T>(T record, Envelope message) {

  /** Coder for {@link Parsed}: the record's coder, then the envelope's. */
  public static final class ParsedCoder<T> extends StructuredCoder<Parsed<T>> {
    private final Coder<T> recordCoder;

    private ParsedCoder(Coder<T> recordCoder) {
      this.recordCoder = recordCoder;
    }

    public static <T> ParsedCoder<T> of(Coder<T> recordCoder) {
      return new ParsedCoder<>(recordCoder);
    }

    @Override
    public void encode(Parsed<T> value, OutputStream out) throws IOException {
      recordCoder.encode(value.record(), out);
      EnvelopeCoder.of().encode(value.message(), out);
    }

    @Override
    public Parsed<T> decode(InputStream in) throws IOException {
      return new Parsed<>(recordCoder.decode(in), EnvelopeCoder.of().decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(recordCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      verifyDeterministic(this, "record coder must be deterministic", recordCoder);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof ParsedCoder<?> coder && coder.recordCoder.equals(recordCoder);
    }

    @Override
    public int hashCode() {
      return Objects.hash(recordCoder);
    }
  }
}
