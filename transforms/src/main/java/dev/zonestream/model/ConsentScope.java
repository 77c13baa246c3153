package dev.zonestream.model;

/** Which readings of a consenting customer enter the trusted zone. */
public enum ConsentScope {
  /** Only readings taken at or after the customer's {@code shareWithResearchAsOfDate} (default). */
  AFTER_CONSENT("after-consent"),
  /** Every reading of a customer whose latest record consents. */
  ALL_READINGS("all-readings");

  private final String label;

  ConsentScope(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /**
   * Whether a reading taken at {@code readingTime} is admitted under consent given at {@code
   * consentTime}.
   */
  public boolean admits(long readingTime, long consentTime) {
    return this == ALL_READINGS || readingTime >= consentTime;
  }
}
