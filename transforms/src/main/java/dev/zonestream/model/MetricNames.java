package dev.zonestream.model;

/**
 * Namespaces of zonestream's Beam counters; each counter's name is a dataset folder. The entry
 * point's summary reads them back.
 */
public final class MetricNames {
  /** Messages read from the source, per dataset. */
  public static final String READ = "zonestream.ingest.read";

  /** Bytes of the input files read through (name {@code files}): a bounded run's progress. */
  public static final String INPUT_BYTES = "zonestream.ingest.input_bytes";

  /** Input files that hold no messages (outside a dataset folder), by reason. */
  public static final String SKIPPED = "zonestream.ingest.skipped";

  /** Messages read back from final landing files, per dataset. */
  public static final String LANDED = "zonestream.landing";

  /**
   * Kafka offsets committed for the consumer group, each past messages in final landing files, per
   * topic (not per dataset).
   */
  public static final String COMMITTED = "zonestream.landing.committed";

  /**
   * Read marks that reached the offset tracker behind an offset it had already committed, per
   * topic: 0 unless the read marks of a partition were overtaken by its landed marks.
   */
  public static final String COMMIT_BEHIND = "zonestream.landing.commit_behind";

  /** SQS messages deleted, each once it was in a final landing file, per queue name. */
  public static final String SQS_DELETED = "zonestream.landing.sqs_deleted";

  /**
   * Visibility extensions of SQS messages read and not yet landed, per queue name (one message is
   * extended once every half visibility timeout while its window is open).
   */
  public static final String SQS_EXTENDED = "zonestream.landing.sqs_extended";

  /**
   * SQS deliveries whose visibility could no longer be extended, per queue name: SQS delivers them
   * again (they land twice). 0 unless the job fell behind or a message waited 12 hours.
   */
  public static final String SQS_LAPSED = "zonestream.landing.sqs_lapsed";

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

  /** Messages that pass the trusted zone's rules, per dataset (duplicates included). */
  public static final String VALID = "zonestream.trusted.valid";

  /**
   * Valid messages that are not a repeat of one already seen (within the de-duplication horizon),
   * per dataset, counted where the consent rule decides them: {@code VALID - UNIQUE - DUPLICATE}
   * are still on their way between the two.
   */
  public static final String UNIQUE = "zonestream.trusted.unique";

  /**
   * Valid messages dropped as a repeat of one already seen (within the de-duplication horizon), per
   * dataset, counted where the de-duplication drops them.
   */
  public static final String DUPLICATE = "zonestream.trusted.duplicate";

  /**
   * Unique messages kept out by the consent rule, per dataset: a customer record that withholds
   * consent, a reading of a customer who does not consent (or from before consent), a step-trainer
   * reading whose owner has no trusted phone reading.
   */
  public static final String EXCLUDED = "zonestream.trusted.excluded";

  /** Customer records older than one already seen for the same email. */
  public static final String SUPERSEDED = "zonestream.trusted.superseded";

  /** Readings of a stream that found no customer (or owner) and began to wait, per dataset. */
  public static final String WAITED = "zonestream.trusted.waited";

  /** Waiting readings that were decided (admitted, excluded or rejected), per dataset. */
  public static final String RELEASED = "zonestream.trusted.released";

  /**
   * Step-trainer readings a stream's machine-learning join dropped at the end of its horizon
   * without a phone reading of the same customer and millisecond, per table: a partner that comes
   * later yields no row in the stream (a backfill pairs it).
   */
  public static final String UNPAIRED = "zonestream.curated.unpaired";

  /** Records one stage hands to the next, by name, to tell when a stream has settled. */
  public static final String HANDED_ON = "zonestream.handed_on";

  /** Records a stage took over from {@link #HANDED_ON}, by the same name. */
  public static final String TAKEN_OVER = "zonestream.taken_over";

  /** Hand-over name, in {@link #TAKEN_OVER}, of trusted phone readings joined. */
  public static final String PHONES_JOINED = "accelerometer_trusted";

  private MetricNames() {}
}
