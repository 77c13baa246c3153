package dev.zonestream.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the accelerometer rule knows of a customer: since when their readings may be used for
 * research ({@code since}, epoch ms), or null when their newest record withholds consent. This is
 * all the customers' side input publishes per email, so each reader's copy stays small.
 */
public record ResearchConsent(@Nullable Long since) {
  /** The consent in force by {@code customer}'s record. */
  public static ResearchConsent of(Customer customer) {
    return new ResearchConsent(customer.shareWithResearchAsOfDate());
  }

  /** Whether a reading taken at {@code readingTime} may enter under {@code scope}. */
  public boolean admits(ConsentScope scope, long readingTime) {
    return since != null && scope.admits(readingTime, since);
  }

  /** Coder for {@link ResearchConsent}: a nullable varint. */
  public static final class ConsentCoder extends CustomCoder<ResearchConsent> {
    private static final ConsentCoder INSTANCE = new ConsentCoder();
    private static final NullableCoder<Long> SINCE = NullableCoder.of(VarLongCoder.of());

    private ConsentCoder() {}

    public static ConsentCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ResearchConsent value, OutputStream out) throws IOException {
      SINCE.encode(value.since(), out);
    }

    @Override
    public ResearchConsent decode(InputStream in) throws IOException {
      return new ResearchConsent(SINCE.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
