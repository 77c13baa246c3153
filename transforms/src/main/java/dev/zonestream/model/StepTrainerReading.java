package dev.zonestream.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One reading of a step trainer; the device's serial number is its owner's {@code serialNumber}.
 *
 * @param extra the payload's fields the schema does not declare, each as its JSON text ({@link
 *     UnknownFields})
 */
// The unknown fields last, as in the table's columns.
@JsonPropertyOrder({
  "sensorReadingTime",
  "serialNumber",
  "distanceFromObject",
  UnknownFields.COLUMN
})
@DefaultCoder(JsonRecordCoder.class)
public record StepTrainerReading(
    long sensorReadingTime,
    String serialNumber,
    long distanceFromObject,
    @JsonProperty(UnknownFields.COLUMN) @JsonInclude(JsonInclude.Include.NON_EMPTY)
        Map<String, String> extra) {

  public StepTrainerReading {
    extra = UnknownFields.normalized(extra);
  }

  /** A reading without fields beyond the schema's. */
  public StepTrainerReading(long sensorReadingTime, String serialNumber, long distanceFromObject) {
    this(sensorReadingTime, serialNumber, distanceFromObject, (@Nullable Map<String, String>) null);
  }
}
