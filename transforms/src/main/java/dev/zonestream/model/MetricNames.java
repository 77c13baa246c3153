package dev.zonestream.model;

/**
 * Namespaces of zonestream's Beam counters; each counter's name is a dataset folder. The entry
 * point's summary reads them back.
 */
public final class MetricNames {
  /** Messages read from the source, per dataset. */
  public static final String READ = "zonestream.ingest.read";
  /** Input files that hold no messages (outside a dataset folder), by reason. */
  public static final String SKIPPED = "zonestream.ingest.skipped";
  /** Messages read back from final landing files, per dataset. */
  public static final String LANDED = "zonestream.landing";
  /** Landed payloads that are not UTF-8 JSON (kept as base64), per dataset. */
  public static final String INVALID = "zonestream.landing.invalid";

  private MetricNames() {}
}
