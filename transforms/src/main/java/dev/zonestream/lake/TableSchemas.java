package dev.zonestream.lake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.Tables;
import dev.zonestream.model.UnknownFields;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The declared schema of each Parquet zone table (Avro, as Parquet files carry it). A table's
 * columns are its record's fields, under the source data's names, in the record's order, each in
 * every file (a consent not given is null, never absent); the trusted tables and the curated
 * customers then hold {@code _extra}, the payload's fields the schema does not declare (a map of
 * each one's JSON text, empty for most rows); then {@value #EVENT_TIME}: the row's event time as a
 * {@code TIMESTAMP} (milliseconds, UTC), the same instant as the epoch-ms field that picks the
 * row's {@code dt=}/{@code hr=} partition. The partition columns live in the paths (Hive style),
 * not in the files: {@code dt} a date, {@code hr} two digits.
 *
 * <p>The rejects ({@code trusted/_rejected/<dataset>}) have no table schema: a dead-letter row
 * keeps the message as it landed, whatever its payload, so they stay JSON Lines.
 */
public final class TableSchemas {
  /** The typed event-time column every Parquet table ends with. */
  public static final String EVENT_TIME = "eventTime";

  private static final String NAMESPACE = "dev.zonestream.tables";

  private static final Schema TIMESTAMP =
      LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));

  private static final Schema CUSTOMER =
      withUnknownFieldsAndEventTime(
          table("customer", "A customer record of the STEDI web app; event time: lastUpdateDate")
              .requiredString("customerName")
              .requiredString("email")
              .requiredString("phone")
              .requiredString("birthDay")
              .requiredString("serialNumber")
              .requiredLong("registrationDate")
              .requiredLong("lastUpdateDate")
              .optionalLong("shareWithResearchAsOfDate")
              .optionalLong("shareWithPublicAsOfDate")
              .optionalLong("shareWithFriendsAsOfDate"));

  private static final Schema ACCELEROMETER =
      withUnknownFieldsAndEventTime(
          table("accelerometer", "A phone's accelerometer reading; event time: timestamp")
              .requiredString("user")
              .requiredLong("timestamp")
              .requiredDouble("x")
              .requiredDouble("y")
              .requiredDouble("z"));

  private static final Schema STEP_TRAINER =
      withUnknownFieldsAndEventTime(
          table("step_trainer", "A step trainer's reading; event time: sensorReadingTime")
              .requiredLong("sensorReadingTime")
              .requiredString("serialNumber")
              .requiredLong("distanceFromObject"));

  private static final Schema MACHINE_LEARNING =
      withEventTime(
          table(
                  "machine_learning",
                  "A step-trainer reading and a phone reading of one customer at the same millisecond;"
                      + " event time: sensorReadingTime")
              .requiredLong("sensorReadingTime")
              .requiredString("serialNumber")
              .requiredLong("distanceFromObject")
              .requiredLong("timestamp")
              .requiredDouble("x")
              .requiredDouble("y")
              .requiredDouble("z"));

  /** A table's record: its name and what it holds; the fields follow. */
  private static SchemaBuilder.FieldAssembler<Schema> table(String name, String doc) {
    return SchemaBuilder.record(name).namespace(NAMESPACE).doc(doc).fields();
  }

  /**
   * The fields, then the payload's fields the schema does not declare ({@value
   * UnknownFields#COLUMN}, each as its JSON text), then the typed event time.
   */
  private static Schema withUnknownFieldsAndEventTime(SchemaBuilder.FieldAssembler<Schema> fields) {
    return withEventTime(
        fields
            .name(UnknownFields.COLUMN)
            .doc("payload fields the schema does not declare, each as its JSON text")
            .type()
            .map()
            .values()
            .stringType()
            .noDefault());
  }

  /** The fields, then the typed event time every table ends with. */
  private static Schema withEventTime(SchemaBuilder.FieldAssembler<Schema> fields) {
    return fields.name(EVENT_TIME).type(TIMESTAMP).noDefault().endRecord();
  }

  private static final Map<String, Schema> BY_TABLE = new LinkedHashMap<>();

  static {
    BY_TABLE.put(Tables.CUSTOMER_TRUSTED, CUSTOMER);
    BY_TABLE.put(Tables.ACCELEROMETER_TRUSTED, ACCELEROMETER);
    BY_TABLE.put(Tables.STEP_TRAINER_TRUSTED, STEP_TRAINER);
    BY_TABLE.put(Tables.CUSTOMER_CURATED, CUSTOMER);
    BY_TABLE.put(Tables.MACHINE_LEARNING_CURATED, MACHINE_LEARNING);
  }

  private TableSchemas() {}

  /** The five tables with a schema, by folder under the lake ({@code trusted/customer}, ...). */
  public static Map<String, Schema> all() {
    return java.util.Collections.unmodifiableMap(BY_TABLE);
  }

  /** The schema of the table in {@code folder}; empty for the rejects. */
  public static Optional<Schema> of(String folder) {
    return Optional.ofNullable(BY_TABLE.get(folder));
  }

  /**
   * {@code row}'s JSON as a record of {@code schema}: each field from the JSON member of its name
   * (absent or null is null), {@value #EVENT_TIME} from the row's partition time.
   *
   * @throws IllegalArgumentException when a required field is missing or of the wrong type (a bug:
   *     rows are made from typed records)
   */
  public static GenericRecord toRecord(Schema schema, TableRow row) {
    JsonNode json;
    try {
      json = JsonRecordCoder.MAPPER.readTree(row.json());
    } catch (IOException e) {
      throw new IllegalArgumentException("a table row is one JSON object: " + row.json(), e);
    }
    GenericRecord record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      if (field.name().equals(EVENT_TIME)) {
        record.put(field.pos(), row.partitionTime());
        continue;
      }
      JsonNode value = json.get(field.name());
      if ((value == null || value.isNull()) && field.schema().getType() == Schema.Type.MAP) {
        record.put(field.pos(), Map.of()); // an empty map is left out of a row
        continue;
      }
      if (value == null || value.isNull()) {
        if (field.schema().getType() != Schema.Type.UNION) {
          throw new IllegalArgumentException(
              "column " + field.name() + " is required, the row has none: " + row.json());
        }
        record.put(field.pos(), null);
      } else {
        record.put(field.pos(), valueOf(field, value));
      }
    }
    return record;
  }

  /**
   * A Parquet row as the JSON format writes the same record: its fields but {@value #EVENT_TIME},
   * in schema order, nulls left out.
   */
  public static String toJson(GenericRecord row) {
    ObjectNode json = JsonRecordCoder.MAPPER.createObjectNode();
    for (Schema.Field field : row.getSchema().getFields()) {
      Object value = row.get(field.pos());
      if (field.name().equals(EVENT_TIME) || value == null) {
        continue;
      }
      if (value instanceof Long number) {
        json.put(field.name(), number);
      } else if (value instanceof Double number) {
        json.put(field.name(), number);
      } else if (value instanceof Integer number) {
        json.put(field.name(), number);
      } else if (value instanceof Float number) {
        json.put(field.name(), number);
      } else if (value instanceof Boolean flag) {
        json.put(field.name(), flag);
      } else if (value instanceof Map<?, ?> map) {
        if (!map.isEmpty()) {
          ObjectNode entries = json.putObject(field.name());
          new java.util.TreeMap<>(map)
              .forEach((k, v) -> entries.put(String.valueOf(k), String.valueOf(v)));
        }
      } else {
        json.put(field.name(), value.toString());
      }
    }
    return json.toString();
  }

  private static Object valueOf(Schema.Field field, JsonNode value) {
    Schema type = field.schema();
    if (type.getType() == Schema.Type.UNION) {
      type =
          type.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().get();
    }
    return switch (type.getType()) {
      case STRING -> {
        check(value.isTextual(), field, value);
        yield value.asText();
      }
      case LONG -> {
        check(value.canConvertToLong() && value.isIntegralNumber(), field, value);
        yield value.asLong();
      }
      case DOUBLE -> {
        check(value.isNumber(), field, value);
        yield value.asDouble();
      }
      case INT -> {
        check(value.canConvertToInt() && value.isIntegralNumber(), field, value);
        yield value.asInt();
      }
      case FLOAT -> {
        check(value.isNumber(), field, value);
        yield value.floatValue();
      }
      case BOOLEAN -> {
        check(value.isBoolean(), field, value);
        yield value.asBoolean();
      }
      case MAP -> {
        check(value.isObject(), field, value);
        Map<String, String> entries = new LinkedHashMap<>();
        value.fields().forEachRemaining(e -> entries.put(e.getKey(), e.getValue().asText()));
        yield entries;
      }
      default -> throw new IllegalArgumentException("unexpected column type " + type);
    };
  }

  private static void check(boolean ok, Schema.Field field, JsonNode value) {
    if (!ok) {
      throw new IllegalArgumentException(
          "column " + field.name() + " (" + field.schema() + ") cannot hold " + value);
    }
  }
}
