package dev.zonestream.model;

/** Where a message came from. Written into every landing record as {@code sourceKind}. */
public enum SourceKind {
  KAFKA("kafka"),
  FILES("files"),
  KINESIS("kinesis"),
  SQS("sqs");

  private final String label;

  SourceKind(String label) {
    this.label = label;
  }

  /** The lower-case name written into the lake. */
  public String label() {
    return label;
  }
}
