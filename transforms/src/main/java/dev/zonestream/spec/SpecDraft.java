package dev.zonestream.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.zonestream.model.JsonLines;
import dev.zonestream.model.JsonPayload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * A starting spec inferred from sample files, as a crawler would: one dataset per folder of the
 * input (its JSON Lines files, gzip or not), each field's type the one most of its values have
 * (string, long, double, boolean; a long named like a time whose values are plausible epoch
 * milliseconds a timestamp), optional where more than one message in twenty lacks it, the event
 * time the first required timestamp (a name with "time" in it first). The user then edits it:
 * rules, consent and curated tables are theirs to declare.
 */
public final class SpecDraft {
  /** The share of a field's values that must have one type for the field to take it. */
  static final double MAJORITY = 0.95;

  private static final Pattern TIME_NAME =
      Pattern.compile(".*(time|date|timestamp|at)$", Pattern.CASE_INSENSITIVE);

  private enum Kind {
    STRING,
    LONG,
    DOUBLE,
    BOOLEAN,
    OTHER
  }

  /** What the samples say of one field. */
  private static final class Seen {
    final Map<Kind, Integer> kinds = new EnumMap<>(Kind.class);
    int present;
    boolean plausibleTimes = true;

    void add(JsonNode value) {
      Kind kind =
          value.isTextual()
              ? Kind.STRING
              : value.isIntegralNumber() && value.canConvertToLong()
                  ? Kind.LONG
                  : value.isNumber() ? Kind.DOUBLE : value.isBoolean() ? Kind.BOOLEAN : Kind.OTHER;
      kinds.merge(kind, 1, Integer::sum);
      present++;
      if (kind == Kind.LONG && !JsonPayload.isPlausibleEpochMillis(value.longValue())) {
        plausibleTimes = false;
      }
    }

    Kind kind() {
      for (Map.Entry<Kind, Integer> k : kinds.entrySet()) {
        if (k.getValue() >= MAJORITY * present && k.getKey() != Kind.OTHER) {
          return k.getKey();
        }
      }
      // Whole and fractional numbers mixed: a double.
      int numbers = kinds.getOrDefault(Kind.LONG, 0) + kinds.getOrDefault(Kind.DOUBLE, 0);
      return numbers >= MAJORITY * present ? Kind.DOUBLE : Kind.STRING;
    }
  }

  private SpecDraft() {}

  /**
   * The draft, as YAML, from at most {@code maxMessages} messages of each folder under {@code
   * input}.
   */
  public static String fromSamples(Path input, int maxMessages) throws IOException {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("version", LakeSpec.VERSION);
    ObjectNode datasets = root.putObject("datasets");
    List<Path> folders;
    try (Stream<Path> list = Files.list(input)) {
      folders =
          list.filter(Files::isDirectory)
              .filter(f -> !f.getFileName().toString().startsWith("."))
              .filter(f -> !f.getFileName().toString().startsWith("_"))
              .sorted()
              .toList();
    }
    if (folders.isEmpty()) {
      throw new IOException(input + " holds no folder: one folder per dataset is expected");
    }
    for (Path folder : folders) {
      String name = safeName(folder.getFileName().toString());
      Map<String, Seen> fields = new LinkedHashMap<>();
      int messages = sample(folder, maxMessages, fields);
      ObjectNode dataset = datasets.putObject(name);
      dataset.putObject("sources").put("files", folder.getFileName().toString());
      ObjectNode schema = dataset.putObject("schema");
      schema.put("type", "record");
      schema.put("name", recordName(name));
      ArrayNode schemaFields = schema.putArray("fields");
      String eventTime = null;
      String fallbackTime = null;
      for (Map.Entry<String, Seen> entry : fields.entrySet()) {
        Seen seen = entry.getValue();
        Kind kind = seen.kind();
        boolean timestamp =
            kind == Kind.LONG && seen.plausibleTimes && TIME_NAME.matcher(entry.getKey()).matches();
        // A few malformed samples do not make a field optional; a field many messages lack is.
        boolean optional = seen.present < MAJORITY * messages;
        ObjectNode field = schemaFields.addObject();
        field.put("name", entry.getKey());
        JsonNode type =
            timestamp
                ? JsonNodeFactory.instance
                    .objectNode()
                    .put("type", "long")
                    .put("logicalType", "timestamp-millis")
                : JsonNodeFactory.instance.textNode(kind.name().toLowerCase(Locale.ROOT));
        if (optional) {
          field.putArray("type").add("null").add(type);
          field.putNull("default");
        } else {
          field.set("type", type);
        }
        if (timestamp && !optional) {
          if (eventTime == null && entry.getKey().toLowerCase(Locale.ROOT).contains("time")) {
            eventTime = entry.getKey();
          } else if (fallbackTime == null) {
            fallbackTime = entry.getKey();
          }
        }
      }
      String chosen = eventTime != null ? eventTime : fallbackTime;
      dataset.put("eventTime", chosen == null ? "CHOOSE-A-REQUIRED-EPOCH-MS-FIELD" : chosen);
      dataset.put("identity", "payload");
      dataset.put("unknownFields", "keep");
    }
    return "# A starting spec inferred from the files under "
        + input
        + " (at most "
        + maxMessages
        + " messages per folder).\n"
        + "# Check each type and the event time, add rules, consent and curated tables (see"
        + " docs/spec.md),\n# then: bin/zonestream spec check FILE\n"
        + new YAMLMapper()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .writeValueAsString(root);
  }

  private static int sample(Path folder, int maxMessages, Map<String, Seen> fields)
      throws IOException {
    int[] messages = {0};
    List<Path> files;
    try (Stream<Path> walk = Files.walk(folder)) {
      files =
          walk.filter(Files::isRegularFile)
              .filter(f -> !f.getFileName().toString().startsWith("."))
              .sorted()
              .toList();
    }
    for (Path file : files) {
      if (messages[0] >= maxMessages) {
        break;
      }
      try (InputStream raw = Files.newInputStream(file);
          InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
        JsonLines.split(
            in,
            (payload, line) -> {
              if (messages[0] >= maxMessages) {
                return;
              }
              JsonPayload.Parsed parsed = JsonPayload.parse(payload);
              if (parsed.value() == null || !parsed.value().isObject()) {
                return;
              }
              messages[0]++;
              parsed
                  .value()
                  .fields()
                  .forEachRemaining(
                      e -> {
                        if (!e.getValue().isNull()) {
                          fields.computeIfAbsent(e.getKey(), k -> new Seen()).add(e.getValue());
                        }
                      });
            });
      }
    }
    return messages[0];
  }

  /** A folder's name as a dataset's: lower case, {@code .} and spaces to {@code _}. */
  static String safeName(String folder) {
    String name = folder.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "_");
    return name.replaceFirst("^[_-]+", "");
  }

  private static String recordName(String dataset) {
    StringBuilder name = new StringBuilder();
    for (String part : dataset.split("[_-]")) {
      if (!part.isEmpty()) {
        name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return name.length() == 0 || !Character.isLetter(name.charAt(0))
        ? "Record" + name
        : name.toString();
  }
}
