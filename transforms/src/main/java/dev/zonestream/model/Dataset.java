package dev.zonestream.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The datasets zonestream knows. Each has a name (its folder in every zone) and the payload field
 * that holds its event time in epoch milliseconds.
 *
 * <p>Messages whose dataset cannot be told are routed under {@link #UNROUTED_FOLDER}.
 */
public enum Dataset {
  CUSTOMER("customer", "lastUpdateDate"),
  ACCELEROMETER("accelerometer", "timestamp"),
  STEP_TRAINER("step_trainer", "sensorReadingTime");

  /** The landing folder of messages whose dataset cannot be told (unknown topic or folder). */
  public static final String UNROUTED_FOLDER = "_unrouted";

  private final String folder;
  private final String eventTimeField;

  Dataset(String folder, String eventTimeField) {
    this.folder = folder;
    this.eventTimeField = eventTimeField;
  }

  /** The dataset's name as it appears in paths and options, for example {@code step_trainer}. */
  public String folder() {
    return folder;
  }

  /** The payload field holding the event time, in epoch milliseconds. */
  public String eventTimeField() {
    return eventTimeField;
  }

  /** The dataset with this folder name, ignoring case; empty when there is none. */
  public static Optional<Dataset> fromFolder(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String wanted = name.toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(d -> d.folder.equals(wanted)).findFirst();
  }

  /** The known names, comma separated, for error messages. */
  public static String knownNames() {
    return Arrays.stream(values()).map(Dataset::folder).collect(Collectors.joining(", "));
  }
}
