package dev.zonestream.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zonestream.lake.TableSchemas;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.spec.LakeSpec.DatasetSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The records of a spec's dataset ({@link PayloadRules}) as table rows and back, and their
 * identity. A trusted row is the record as {@link TableSchemas#toJson} writes it: its fields in
 * schema order (nulls left out), with {@value PayloadRules#EXTRA} as an object of each unknown
 * field's JSON text when there are any; the table schema is the record's, then {@value
 * TableSchemas#EVENT_TIME}.
 */
public final class SpecRecords {
  private SpecRecords() {}

  /** The trusted table's schema: the record's fields, then the typed event time. */
  public static Schema tableSchema(DatasetSpec dataset) {
    Schema record = PayloadRules.recordSchema(dataset);
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field field : record.getFields()) {
      fields.add(new Schema.Field(field, field.schema()));
    }
    fields.add(
        new Schema.Field(
            TableSchemas.EVENT_TIME,
            LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG)),
            "the event time (" + dataset.eventTime() + ") as a timestamp",
            (Object) null));
    return Schema.createRecord(
        record.getName(),
        "Trusted records of " + dataset.name() + "; event time: " + dataset.eventTime(),
        "dev.zonestream.tables",
        false,
        fields);
  }

  /** The record's event time, epoch ms (a required field: checked by {@link SpecReader}). */
  public static long eventTime(GenericRecord record, DatasetSpec dataset) {
    return ((Number) record.get(dataset.eventTime())).longValue();
  }

  /**
   * The payload a trusted row was made from, up to the order of its fields: the row without its
   * event time, each {@value PayloadRules#EXTRA} entry back at the top level as the value it was.
   * The dataset's rules read it back as the same record.
   */
  public static byte[] payloadOfRow(byte[] row) throws IOException {
    JsonNode json = JsonPayload.LANDING_LINE_MAPPER.readTree(row);
    if (!(json instanceof ObjectNode object)) {
      throw new IOException("a trusted row is one JSON object");
    }
    object.remove(TableSchemas.EVENT_TIME);
    JsonNode extra = object.remove(PayloadRules.EXTRA);
    if (extra != null && extra.isObject()) {
      for (var it = extra.fields(); it.hasNext(); ) {
        var entry = it.next();
        object.set(
            entry.getKey(), JsonPayload.LANDING_LINE_MAPPER.readTree(entry.getValue().asText()));
      }
    }
    return JsonPayload.MAPPER.writeValueAsBytes(object);
  }

  /**
   * What identifies a record of {@code dataset} for de-duplication: the values of its identity
   * fields, or with none declared every field's and every unknown field's (sorted by name), as
   * canonical JSON bytes. Equal records give equal bytes whatever order their payload had.
   */
  public static SerializableFunction<GenericRecord, byte[]> identity(DatasetSpec dataset) {
    List<String> fields = List.copyOf(dataset.identity());
    return record -> {
      ArrayNode values = JsonPayload.MAPPER.createArrayNode();
      if (fields.isEmpty()) {
        for (Schema.Field field : record.getSchema().getFields()) {
          Object value = record.get(field.pos());
          if (value instanceof Map<?, ?> map) {
            ObjectNode extra = values.addObject();
            new TreeMap<>(stringMap(map)).forEach(extra::put);
          } else {
            values.add(value == null ? JsonPayload.MAPPER.nullNode() : node(value));
          }
        }
      } else {
        for (String name : fields) {
          Object value = record.get(name);
          values.add(value == null ? JsonPayload.MAPPER.nullNode() : node(value));
        }
      }
      return values.toString().getBytes(StandardCharsets.UTF_8);
    };
  }

  private static Map<String, String> stringMap(Map<?, ?> map) {
    Map<String, String> strings = new TreeMap<>();
    map.forEach((k, v) -> strings.put(String.valueOf(k), String.valueOf(v)));
    return strings;
  }

  private static JsonNode node(@Nullable Object value) {
    if (value == null) {
      return JsonPayload.MAPPER.nullNode();
    }
    if (value instanceof Long n) {
      return JsonPayload.MAPPER.getNodeFactory().numberNode(n);
    }
    if (value instanceof Integer n) {
      return JsonPayload.MAPPER.getNodeFactory().numberNode(n);
    }
    if (value instanceof Double n) {
      return JsonPayload.MAPPER.getNodeFactory().numberNode(n);
    }
    if (value instanceof Float n) {
      return JsonPayload.MAPPER.getNodeFactory().numberNode(n);
    }
    if (value instanceof Boolean b) {
      return JsonPayload.MAPPER.getNodeFactory().booleanNode(b);
    }
    return JsonPayload.MAPPER.getNodeFactory().textNode(value.toString());
  }
}
