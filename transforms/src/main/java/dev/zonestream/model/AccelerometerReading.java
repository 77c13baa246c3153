package dev.zonestream.model;

import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * One reading of a phone's accelerometer. Several readings of one user may share a timestamp with
 * different x/y/z: (user, timestamp) is not a key, the whole reading is.
 */
@DefaultCoder(AccelerometerReading.RecordCoder.class)
public record AccelerometerReading(String user, long timestamp, double x, double y, double z) {

  /** Coder for {@link AccelerometerReading}: its JSON form. */
  public static final class RecordCoder extends JsonRecordCoder<AccelerometerReading> {
    private static final RecordCoder INSTANCE = new RecordCoder();

    private RecordCoder() {
      super(AccelerometerReading.class);
    }

    public static RecordCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(AccelerometerReading.class), INSTANCE);
    }
  }
}
