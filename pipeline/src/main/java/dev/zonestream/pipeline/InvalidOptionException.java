package dev.zonestream.pipeline;

/** A bad option value; its message is one line that names the option and the value. */
public final class InvalidOptionException extends RuntimeException {
  public InvalidOptionException(String option, Object value, String problem) {
    super("--" + option + "=" + value + ": " + problem);
  }

  public InvalidOptionException(String message) {
    super(message);
  }
}
