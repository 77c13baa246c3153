package dev.zonestream.model;

/** The zone tables' folders under the lake: fixed, other tools read them. */
public final class Tables {
  public static final String CUSTOMER_TRUSTED = "trusted/customer";
  public static final String ACCELEROMETER_TRUSTED = "trusted/accelerometer";
  public static final String STEP_TRAINER_TRUSTED = "trusted/step_trainer";
  public static final String CUSTOMER_CURATED = "curated/customer";
  public static final String MACHINE_LEARNING_CURATED = "curated/machine_learning";

  /** Followed by {@code /<dataset>}. */
  public static final String REJECTED = "trusted/_rejected";

  private Tables() {}
}
