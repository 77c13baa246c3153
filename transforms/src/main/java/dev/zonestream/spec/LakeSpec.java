package dev.zonestream.spec;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A lake spec: the datasets a lake holds, where each comes from, its payload's schema and rules,
 * the privacy rule and the curated tables, as a user declares them in one YAML or JSON file ({@link
 * SpecReader}). Every name in it has been checked against the schemas when a spec exists.
 *
 * @param origin the file it was read from, for messages
 * @param datasets the datasets by name (each its folder in every zone), in the file's order
 * @param consent the privacy rule, or null for a lake without one (every valid reading trusted)
 * @param curated the curated tables by name, in the file's order
 */
public record LakeSpec(
    String origin,
    Map<String, DatasetSpec> datasets,
    @Nullable ConsentSpec consent,
    Map<String, CuratedSpec> curated)
    implements Serializable {

  /** The one version of the format this code reads. */
  public static final int VERSION = 1;

  /**
   * One dataset.
   *
   * @param name its name and folder in every zone ({@code [a-z0-9_-]}, not starting with {@code _})
   * @param sources where its messages come from on each source
   * @param schema the payload's Avro record schema
   * @param eventTime the field holding the event time (epoch milliseconds)
   * @param identity the fields whose values identify a message for de-duplication; empty: the whole
   *     payload
   * @param unknownFields what a payload field the schema does not declare does to its message
   * @param rules the constraints on fields beyond their types, by field name
   */
  public record DatasetSpec(
      String name,
      Sources sources,
      Schema schema,
      String eventTime,
      List<String> identity,
      UnknownFields unknownFields,
      Map<String, FieldRules> rules)
      implements Serializable {}

  /**
   * Where a dataset's messages come from; each null where the dataset is not on that source.
   *
   * @param kafka a topic
   * @param kafkaPattern a regular expression of topics
   * @param kinesis a stream name
   * @param sqs a queue URL
   * @param files a folder under the files source's input
   */
  public record Sources(
      @Nullable String kafka,
      @Nullable String kafkaPattern,
      @Nullable String kinesis,
      @Nullable String sqs,
      @Nullable String files)
      implements Serializable {}

  /** What a payload field that the schema does not declare does. */
  public enum UnknownFields {
    /** Kept, as its JSON text, in the record's {@code _extra} map: no data is lost. */
    KEEP,
    /** Rejects the message, naming the field. */
    REJECT
  }

  /**
   * A field's constraints beyond its schema type, each checked when set.
   *
   * @param notBlank a string must hold a character other than white space
   * @param format a named format: {@code email} or {@code uuid}
   * @param pattern a regular expression the whole string must match
   * @param min the smallest number allowed
   * @param max the largest number allowed
   * @param allowed the only values a string may take; empty: any
   * @param maxLength the longest string allowed
   * @param plausibleTime for a timestamp, whether it must lie between 1970 and 2100 (the default
   *     for every {@code timestamp-millis} field)
   * @param reason the text a broken constraint writes to the rejects after the field's name,
   *     instead of the constraint's own
   */
  public record FieldRules(
      boolean notBlank,
      @Nullable String format,
      @Nullable Pattern pattern,
      @Nullable Double min,
      @Nullable Double max,
      List<String> allowed,
      @Nullable Integer maxLength,
      boolean plausibleTime,
      @Nullable String reason)
      implements Serializable {
    /** No constraint beyond the type (a timestamp still plausible). */
    public static final FieldRules NONE =
        new FieldRules(false, null, null, null, null, List.of(), null, true, null);
  }

  /**
   * The privacy rule: which dataset holds consent and how each reading finds its consenting record.
   *
   * @param dataset the dataset of the consenting records (customers)
   * @param key the field that identifies a consenting party across its records' versions
   * @param newestBy the field whose greatest value marks a party's current record
   * @param consentTime the field holding the time consent was given; absent or null: none
   * @param scope {@code after-consent} (readings from the consent time on) or {@code all-readings}
   * @param readings how each reading dataset finds its party, by dataset name
   */
  public record ConsentSpec(
      String dataset,
      String key,
      String newestBy,
      String consentTime,
      String scope,
      Map<String, ReadingLink> readings)
      implements Serializable {}

  /**
   * How a reading finds its consenting party.
   *
   * @param field the reading's field
   * @param matches the consenting dataset's field it equals
   * @param ownerIn a curated table the party must be in before the reading is admitted, or null
   */
  public record ReadingLink(String field, String matches, @Nullable String ownerIn)
      implements Serializable {}

  /**
   * A curated table: a semi-join or a join of trusted datasets.
   *
   * @param table its name in the catalog
   * @param folder its folder under {@code curated/}
   * @param semiJoin the records of one dataset that have a partner in another, or null
   * @param join the pairs of two datasets' records, or null
   * @param columns the columns kept, in order; empty: every column of the joined records
   */
  public record CuratedSpec(
      String table,
      String folder,
      @Nullable SemiJoin semiJoin,
      @Nullable Join join,
      List<String> columns)
      implements Serializable {}

  /**
   * Records of {@code dataset} with at least one record of {@code with} whose fields equal theirs.
   *
   * @param on the dataset's field to the other's, for each key
   */
  public record SemiJoin(String dataset, String with, Map<String, String> on)
      implements Serializable {}

  /**
   * Pairs of a record of {@code left} and one of {@code right} whose fields are equal.
   *
   * @param on the left field to the right one, for each key
   * @param sameCustomer whether both must belong to the same consenting party
   */
  public record Join(String left, String right, Map<String, String> on, boolean sameCustomer)
      implements Serializable {}
}
