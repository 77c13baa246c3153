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

  /** Messages that failed the trusted zone's rules, per dataset. */
  public static final String REJECTED = "zonestream.trusted.rejected";

  /**
   * Records emitted into a trusted or curated table, per table (for example {@code
   * trusted/customer}).
   */
  public static final String TABLE_ROWS = "zonestream.tables";

  /** Rows read back from final table files, per table. */
  public static final String TABLE_ROWS_WRITTEN = "zonestream.tables.written";

  /**
   * Valid messages the consent and join stages have decided on, per dataset (duplicates included).
   */
  public static final String DECIDED = "zonestream.trusted.decided";

  /** Records one join stage hands to the next, by name, to tell when a stream has settled. */
  public static final String HANDED_ON = "zonestream.handed_on";

  private MetricNames() {}
}
