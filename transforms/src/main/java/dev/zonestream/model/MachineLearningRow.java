package dev.zonestream.model;

import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * One row of {@code machine_learning_curated}: a step-trainer reading and a phone reading of the
 * same customer at the same millisecond. No name, email, phone or birthday: the device serial is
 * the only link to a person.
 */
@DefaultCoder(MachineLearningRow.RecordCoder.class)
public record MachineLearningRow(
    long sensorReadingTime,
    String serialNumber,
    long distanceFromObject,
    long timestamp,
    double x,
    double y,
    double z) {

  /** Coder for {@link MachineLearningRow}: its JSON form. */
  public static final class RecordCoder extends JsonRecordCoder<MachineLearningRow> {
    private static final RecordCoder INSTANCE = new RecordCoder();

    private RecordCoder() {
      super(MachineLearningRow.class);
    }

    public static RecordCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(MachineLearningRow.class), INSTANCE);
    }
  }
}
