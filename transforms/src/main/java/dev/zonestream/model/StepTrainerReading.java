package dev.zonestream.model;

import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * One reading of a step trainer; the device's serial number is its owner's {@code serialNumber}.
 */
@DefaultCoder(StepTrainerReading.RecordCoder.class)
public record StepTrainerReading(
    long sensorReadingTime, String serialNumber, long distanceFromObject) {

  /** Coder for {@link StepTrainerReading}: its JSON form. */
  public static final class RecordCoder extends JsonRecordCoder<StepTrainerReading> {
    private static final RecordCoder INSTANCE = new RecordCoder();

    private RecordCoder() {
      super(StepTrainerReading.class);
    }

    public static RecordCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(StepTrainerReading.class), INSTANCE);
    }
  }
}
