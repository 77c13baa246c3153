package dev.zonestream.model;

import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * A curated customer as the owner of a step trainer: who ({@code email}), which device ({@code
 * serialNumber}) and since when their readings may be used ({@code consentTime}).
 */
@DefaultCoder(ConsentedOwner.RecordCoder.class)
public record ConsentedOwner(String email, String serialNumber, long consentTime) {

  /** Coder for {@link ConsentedOwner}: its JSON form. */
  public static final class RecordCoder extends JsonRecordCoder<ConsentedOwner> {
    private static final RecordCoder INSTANCE = new RecordCoder();

    private RecordCoder() {
      super(ConsentedOwner.class);
    }

    public static RecordCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(ConsentedOwner.class), INSTANCE);
    }
  }
}
