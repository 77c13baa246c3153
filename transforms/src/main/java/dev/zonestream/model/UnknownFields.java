package dev.zonestream.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A payload's fields that its dataset's schema does not declare: kept with the record, each as its
 * JSON text, in the {@value #COLUMN} column of the trusted tables, so no data is lost and a reader
 * sees them (a firmware update's new field, for example).
 */
public final class UnknownFields {
  /** The column (and JSON member) that holds them. */
  public static final String COLUMN = "_extra";

  private UnknownFields() {}

  /**
   * {@code fields} sorted by name and unmodifiable (so equal records code alike); empty for null.
   */
  public static Map<String, String> normalized(@Nullable Map<String, String> fields) {
    return fields == null || fields.isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new TreeMap<>(fields));
  }

  /** The members of {@code object} not in {@code known}, each as its JSON text. */
  public static Map<String, String> of(JsonNode object, Set<String> known) {
    Map<String, String> extra = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      if (!known.contains(member.getKey())) {
        extra.put(member.getKey(), member.getValue().toString());
      }
    }
    return extra;
  }
}
