package dev.zonestream.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One reading of a phone's accelerometer. Several readings of one user may share a timestamp with
 * different x/y/z: (user, timestamp) is not a key, the whole reading is.
 *
 * @param extra the payload's fields the schema does not declare, each as its JSON text, by name
 *     ({@link UnknownFields}); {@code _extra} in JSON, left out when empty
 */
// The unknown fields last, as in the table's columns.
@JsonPropertyOrder({"user", "timestamp", "x", "y", "z", UnknownFields.COLUMN})
@DefaultCoder(JsonRecordCoder.class)
public record AccelerometerReading(
    String user,
    long timestamp,
    double x,
    double y,
    double z,
    @JsonProperty(UnknownFields.COLUMN) @JsonInclude(JsonInclude.Include.NON_EMPTY)
        Map<String, String> extra) {

  public AccelerometerReading {
    extra = UnknownFields.normalized(extra);
  }

  /** A reading without fields beyond the schema's. */
  public AccelerometerReading(String user, long timestamp, double x, double y, double z) {
    this(user, timestamp, x, y, z, (@Nullable Map<String, String>) null);
  }
}
