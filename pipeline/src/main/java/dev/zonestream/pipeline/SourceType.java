package dev.zonestream.pipeline;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The closed set of values of {@code --source}. */
public enum SourceType {
  FILES("files"),
  KAFKA("kafka"),
  EMBEDDED_KAFKA("embedded-kafka"),
  LANDING("landing"),
  KINESIS("kinesis"),
  SQS("sqs");

  private final String label;

  SourceType(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  static Optional<SourceType> fromLabel(String value) {
    return Arrays.stream(values()).filter(s -> s.label.equals(value)).findFirst();
  }

  static String labels() {
    return Arrays.stream(values()).map(SourceType::label).collect(Collectors.joining(", "));
  }
}
