package dev.zonestream.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.spec.LakeSpec.DatasetSpec;
import dev.zonestream.spec.LakeSpec.FieldRules;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A dataset's declared schema and rules applied to one payload: the JSON parsed once into the
 * dataset's Avro record, or every rule it breaks, each as {@code field: what is wrong}, joined by
 * {@code ; } in the schema's field order. What the schema's types demand: a string a JSON string of
 * Unicode text, a long or int an integral number in range, a timestamp integral epoch milliseconds
 * between 1970 and 2100 (unless {@code plausibleTime: false}), a double or float a finite number, a
 * boolean true or false; a field not in a union with null must be present and not null. Fields the
 * schema does not know are kept as their JSON text in the record's {@value #EXTRA} map, or reject
 * the message, as the dataset says.
 */
public final class PayloadRules {
  /** The record field holding the payload's fields the schema does not declare. */
  public static final String EXTRA = dev.zonestream.model.UnknownFields.COLUMN;

  /** The longest address SMTP carries (RFC 5321: 254 characters). */
  static final int MAX_EMAIL_LENGTH = 254;

  /**
   * An address: dot-separated parts before and after one {@code @}, at least two after it, no part
   * empty (so no leading, trailing or doubled dot: {@code ../../etc@x.com} is none). Possessive
   * quantifiers, and {@link #MAX_EMAIL_LENGTH} checked first, keep the match linear: a backtracking
   * pattern took 12 s to refuse a 64 KiB string of dots.
   */
  private static final Pattern EMAIL =
      Pattern.compile("^[^@\\s.]++(?:\\.[^@\\s.]++)*+@[^@\\s.]++(?:\\.[^@\\s.]++)++$");

  private static final Pattern UUID =
      Pattern.compile(
          "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  /** A record of the dataset's record schema, or why there is none. */
  public record Outcome(@Nullable GenericRecord record, @Nullable String reason) {}

  private final DatasetSpec dataset;
  private final Schema recordSchema;

  private PayloadRules(DatasetSpec dataset) {
    this.dataset = dataset;
    this.recordSchema = recordSchema(dataset);
  }

  /** The rules of {@code dataset}. */
  public static PayloadRules of(DatasetSpec dataset) {
    return new PayloadRules(dataset);
  }

  /**
   * The schema of the dataset's records: the payload's fields, then, where unknown fields are kept,
   * {@value #EXTRA} (a map of each such field's JSON text, empty by default).
   */
  public static Schema recordSchema(DatasetSpec dataset) {
    Schema payload = dataset.schema();
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field field : payload.getFields()) {
      fields.add(new Schema.Field(field, field.schema()));
    }
    if (dataset.unknownFields() == LakeSpec.UnknownFields.KEEP) {
      fields.add(
          new Schema.Field(
              EXTRA,
              Schema.createMap(Schema.create(Schema.Type.STRING)),
              "payload fields the schema does not declare, each as its JSON text",
              Map.of()));
    }
    return Schema.createRecord(
        payload.getName(), payload.getDoc(), payload.getNamespace(), false, fields);
  }

  /** The schema of the records {@link #apply} makes. */
  public Schema recordSchema() {
    return recordSchema;
  }

  /** The payload as a record, or every rule it breaks. */
  public Outcome apply(byte[] payload, int maxPayloadBytes) {
    if (payload.length > maxPayloadBytes) {
      return rejected(
          "oversized payload: "
              + payload.length
              + " bytes, more than the limit of "
              + maxPayloadBytes);
    }
    JsonPayload.Parsed parsed = JsonPayload.parse(payload);
    if (parsed.problem() != null) {
      return rejected(parsed.problem());
    }
    JsonNode json = parsed.value();
    if (json == null || !json.isObject()) {
      return rejected("not a JSON object");
    }
    List<String> errors = new ArrayList<>();
    GenericData.Record record = new GenericData.Record(recordSchema);
    for (Schema.Field field : dataset.schema().getFields()) {
      FieldRules rules = dataset.rules().getOrDefault(field.name(), FieldRules.NONE);
      record.put(field.name(), value(field, rules, json.get(field.name()), errors));
    }
    Map<String, String> extra = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (dataset.schema().getField(entry.getKey()) == null) {
        if (dataset.unknownFields() == LakeSpec.UnknownFields.REJECT) {
          errors.add(entry.getKey() + ": not in the schema");
        } else {
          extra.put(entry.getKey(), entry.getValue().toString());
        }
      }
    }
    if (dataset.unknownFields() == LakeSpec.UnknownFields.KEEP) {
      record.put(EXTRA, extra);
    }
    return errors.isEmpty() ? new Outcome(record, null) : rejected(String.join("; ", errors));
  }

  private static Outcome rejected(String reason) {
    return new Outcome(null, reason);
  }

  private static @Nullable Object value(
      Schema.Field field, FieldRules rules, @Nullable JsonNode value, List<String> errors) {
    String name = field.name();
    if (value == null || value.isNull()) {
      if (!SpecReader.isOptional(field.schema())) {
        errors.add(name + ": missing");
      }
      return null;
    }
    Schema type = SpecReader.base(field.schema());
    int before = errors.size();
    Object typed =
        switch (type.getType()) {
          case STRING -> text(name, rules, value, errors);
          case LONG ->
              SpecReader.isTimestamp(type)
                  ? epochMillis(name, rules, value, errors)
                  : integral(name, rules, value, Long.MIN_VALUE, Long.MAX_VALUE, errors);
          case INT -> {
            Long n = integral(name, rules, value, Integer.MIN_VALUE, Integer.MAX_VALUE, errors);
            yield n == null ? null : n.intValue();
          }
          case DOUBLE -> finite(name, rules, value, errors);
          case FLOAT -> {
            Double d = finite(name, rules, value, errors);
            yield d == null ? null : d.floatValue();
          }
          case BOOLEAN -> {
            if (!value.isBoolean()) {
              errors.add(broken(name, rules, "expected true or false", value));
              yield null;
            }
            yield value.booleanValue();
          }
          default -> throw new IllegalStateException("checked by SpecReader: " + type);
        };
    return errors.size() > before ? null : typed;
  }

  private static @Nullable String text(
      String name, FieldRules rules, JsonNode value, List<String> errors) {
    if (!value.isTextual()) {
      errors.add(
          name
              + ": "
              + (rules.reason() == null ? "expected a string" : rules.reason())
              + ", got "
              + value.getNodeType().name().toLowerCase(Locale.ROOT));
      return null;
    }
    String text = value.asText();
    boolean shaped = rules.format() != null || rules.pattern() != null;
    if (text.isBlank() && (rules.notBlank() || shaped)) {
      errors.add(name + ": empty");
    }
    if (hasUnpairedSurrogate(text)) {
      // An escape such as \ud800 alone decodes to no character: no UTF-8 writer can keep it.
      errors.add(name + ": not Unicode text (an unpaired surrogate escape)");
    }
    if (text.isEmpty()) {
      return text;
    }
    if ("email".equals(rules.format()) && !isEmail(text)) {
      errors.add(constraint(name, rules, "not an email address"));
    }
    if ("uuid".equals(rules.format()) && !isUuid(text)) {
      errors.add(constraint(name, rules, "not a UUID"));
    }
    if (rules.maxLength() != null && text.length() > rules.maxLength()) {
      errors.add(constraint(name, rules, "longer than " + rules.maxLength() + " characters"));
    }
    if (rules.pattern() != null && !rules.pattern().matcher(text).matches()) {
      errors.add(constraint(name, rules, "does not match " + rules.pattern().pattern()));
    }
    if (!rules.allowed().isEmpty() && !rules.allowed().contains(text)) {
      errors.add(constraint(name, rules, "not one of " + String.join(", ", rules.allowed())));
    }
    return text;
  }

  private static @Nullable Long epochMillis(
      String name, FieldRules rules, JsonNode value, List<String> errors) {
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      errors.add(broken(name, rules, "expected integer epoch milliseconds", value));
      return null;
    }
    long millis = value.longValue();
    if (rules.plausibleTime() && !JsonPayload.isPlausibleEpochMillis(millis)) {
      errors.add(
          constraint(name, rules, millis + " is not a plausible epoch-ms time (1970 to 2100)"));
    }
    range(name, rules, millis, value, errors);
    return millis;
  }

  private static @Nullable Long integral(
      String name, FieldRules rules, JsonNode value, long min, long max, List<String> errors) {
    if (!value.isIntegralNumber()
        || !value.canConvertToLong()
        || value.longValue() < min
        || value.longValue() > max) {
      errors.add(broken(name, rules, "expected an integer", value));
      return null;
    }
    range(name, rules, value.longValue(), value, errors);
    return value.longValue();
  }

  private static @Nullable Double finite(
      String name, FieldRules rules, JsonNode value, List<String> errors) {
    if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
      errors.add(broken(name, rules, "expected a finite number", value));
      return null;
    }
    range(name, rules, value.doubleValue(), value, errors);
    return value.doubleValue();
  }

  private static void range(
      String name, FieldRules rules, double number, JsonNode value, List<String> errors) {
    if (rules.min() != null && number < rules.min()) {
      errors.add(broken(name, rules, "below the minimum " + format(rules.min()), value));
    } else if (rules.max() != null && number > rules.max()) {
      errors.add(broken(name, rules, "above the maximum " + format(rules.max()), value));
    }
  }

  /** {@code name: what, got value}, or the field's own reason in place of what. */
  private static String broken(String name, FieldRules rules, String what, JsonNode value) {
    return name
        + ": "
        + (rules.reason() == null ? what : rules.reason())
        + ", got "
        + describe(value);
  }

  /** {@code name: what}, or the field's own reason. */
  private static String constraint(String name, FieldRules rules, String what) {
    return name + ": " + (rules.reason() == null ? what : rules.reason());
  }

  private static String format(double number) {
    return number == Math.rint(number) ? Long.toString((long) number) : Double.toString(number);
  }

  private static String describe(JsonNode value) {
    return value.isNumber() ? value.asText() : value.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  /** Whether {@code text} is an email address as the {@code email} format defines it. */
  public static boolean isEmail(String text) {
    return text.length() <= MAX_EMAIL_LENGTH && EMAIL.matcher(text).matches();
  }

  /** Whether {@code text} is a UUID in its 8-4-4-4-12 hexadecimal form. */
  public static boolean isUuid(String text) {
    return UUID.matcher(text).matches();
  }

  /**
   * Whether {@code text} holds an unpaired surrogate (an escape such as {@code \ud800} alone),
   * which no UTF-8 writer can keep.
   */
  public static boolean hasUnpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
