package dev.zonestream.model;

import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * A trusted step-trainer reading with the customer it belongs to, for the machine-learning join.
 */
@DefaultCoder(OwnedStepReading.RecordCoder.class)
public record OwnedStepReading(String email, StepTrainerReading reading) {

  /** Coder for {@link OwnedStepReading}: its JSON form. */
  public static final class RecordCoder extends JsonRecordCoder<OwnedStepReading> {
    private static final RecordCoder INSTANCE = new RecordCoder();

    private RecordCoder() {
      super(OwnedStepReading.class);
    }

    public static RecordCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(OwnedStepReading.class), INSTANCE);
    }
  }
}
