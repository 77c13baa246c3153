package dev.zonestream.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.zonestream.spec.LakeSpec.ConsentSpec;
import dev.zonestream.spec.LakeSpec.CuratedSpec;
import dev.zonestream.spec.LakeSpec.DatasetSpec;
import dev.zonestream.spec.LakeSpec.FieldRules;
import dev.zonestream.spec.LakeSpec.Join;
import dev.zonestream.spec.LakeSpec.ReadingLink;
import dev.zonestream.spec.LakeSpec.SemiJoin;
import dev.zonestream.spec.LakeSpec.Sources;
import dev.zonestream.spec.LakeSpec.UnknownFields;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads a lake spec (YAML, or JSON, which is YAML too) with Jackson's YAML module and checks it
 * whole before anything runs: every dataset, field, rule, link and join names something that
 * exists, with a type it can apply to. The first problem ends the read with a {@link SpecException}
 * naming the file, the dataset or table, and the field.
 */
public final class SpecReader {
  /** The spec every run uses unless given another: the STEDI datasets. */
  public static final String STEDI_RESOURCE = "/dev/zonestream/spec/stedi.yaml";

  private static final ObjectMapper YAML = new YAMLMapper();
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

  private final String origin;
  private final @Nullable Path folder;

  private SpecReader(String origin, @Nullable Path folder) {
    this.origin = origin;
    this.folder = folder;
  }

  /** Reads and checks the spec in {@code file} (a schema file it names is read beside it). */
  public static LakeSpec read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new SpecException(file.toString(), "", "no such file");
    } catch (IOException e) {
      throw new SpecException(file.toString(), "", "cannot read it: " + e.getMessage());
    }
    return read(file.toString(), text, file.toAbsolutePath().getParent());
  }

  /** The shipped STEDI spec. */
  public static LakeSpec stedi() {
    try (InputStream in = SpecReader.class.getResourceAsStream(STEDI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "the STEDI spec is missing from the jar: " + STEDI_RESOURCE);
      }
      return read("stedi.yaml", new String(in.readAllBytes(), StandardCharsets.UTF_8), null);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the shipped STEDI spec", e);
    }
  }

  /**
   * Reads and checks a spec's text; {@code origin} names it in messages, {@code folder} is where
   * its schema files are (null: none may be named).
   */
  public static LakeSpec read(String origin, String text, @Nullable Path folder) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      String message = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
      throw new SpecException(
          origin,
          "",
          "not YAML"
              + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")")
              + ": "
              + message);
    }
    return new SpecReader(origin, folder).spec(root);
  }

  private SpecException problem(String where, String problem) {
    return new SpecException(origin, where, problem);
  }

  private LakeSpec spec(@Nullable JsonNode root) {
    if (root == null || !root.isObject()) {
      throw problem("", "a spec is a mapping with version, datasets, consent and curated");
    }
    keys(root, "", Set.of("version", "datasets", "consent", "curated"));
    JsonNode version = root.get("version");
    if (version == null || !version.isInt() || version.intValue() != LakeSpec.VERSION) {
      throw problem("", "version: must be " + LakeSpec.VERSION + ", got " + text(version));
    }
    JsonNode datasetsNode = root.get("datasets");
    if (datasetsNode == null || !datasetsNode.isObject() || datasetsNode.isEmpty()) {
      throw problem("", "datasets: at least one dataset, by name");
    }
    Map<String, DatasetSpec> datasets = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : fields(datasetsNode)) {
      datasets.put(entry.getKey(), dataset(entry.getKey(), entry.getValue()));
    }
    checkSourcesDistinct(datasets);
    Map<String, CuratedSpec> curated = new LinkedHashMap<>();
    JsonNode curatedNode = root.get("curated");
    if (curatedNode != null && !curatedNode.isNull()) {
      if (!curatedNode.isObject()) {
        throw problem("", "curated: a mapping of tables by name");
      }
      for (Map.Entry<String, JsonNode> entry : fields(curatedNode)) {
        curated.put(entry.getKey(), curated(entry.getKey(), entry.getValue(), datasets));
      }
    }
    JsonNode consentNode = root.get("consent");
    ConsentSpec consent =
        consentNode == null || consentNode.isNull()
            ? null
            : consent(consentNode, datasets, curated.keySet());
    return new LakeSpec(origin, datasets, consent, curated);
  }

  private DatasetSpec dataset(String name, JsonNode node) {
    String where = "dataset " + name;
    if (!NAME.matcher(name).matches()) {
      throw problem(
          where,
          "a dataset's name is its folder: lower case letters, digits, _ and -, not starting"
              + " with _ or -");
    }
    if (!node.isObject()) {
      throw problem(where, "a mapping with sources, schema, eventTime, ...");
    }
    keys(
        node,
        where,
        Set.of(
            "sources", "schema", "schemaFile", "eventTime", "identity", "unknownFields", "rules"));
    Schema schema = schema(where, node);
    String eventTime = requiredText(node, "eventTime", where);
    Schema.Field timeField = field(schema, eventTime, where + ", eventTime " + eventTime);
    if (base(timeField.schema()).getType() != Schema.Type.LONG || isOptional(timeField.schema())) {
      throw problem(
          where + ", eventTime " + eventTime,
          "must be a required long (epoch milliseconds), is " + typeName(timeField.schema()));
    }
    List<String> identity = new ArrayList<>();
    JsonNode identityNode = node.get("identity");
    if (identityNode != null
        && !(identityNode.isTextual() && identityNode.asText().equals("payload"))) {
      if (!identityNode.isArray() || identityNode.isEmpty()) {
        throw problem(where, "identity: 'payload' or a list of fields");
      }
      for (JsonNode f : identityNode) {
        field(schema, f.asText(), where + ", identity field " + f.asText());
        identity.add(f.asText());
      }
    }
    UnknownFields unknown = UnknownFields.KEEP;
    JsonNode unknownNode = node.get("unknownFields");
    if (unknownNode != null) {
      try {
        unknown = UnknownFields.valueOf(unknownNode.asText().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw problem(where, "unknownFields: keep or reject, got " + text(unknownNode));
      }
    }
    Map<String, FieldRules> rules = new LinkedHashMap<>();
    JsonNode rulesNode = node.get("rules");
    if (rulesNode != null && !rulesNode.isNull()) {
      if (!rulesNode.isObject()) {
        throw problem(where, "rules: a mapping of fields to their rules");
      }
      for (Map.Entry<String, JsonNode> rule : fields(rulesNode)) {
        String fieldWhere = where + ", field " + rule.getKey();
        Schema.Field field = field(schema, rule.getKey(), fieldWhere);
        rules.put(rule.getKey(), rules(fieldWhere, field.schema(), rule.getValue()));
      }
    }
    return new DatasetSpec(
        name, sources(where, node.get("sources")), schema, eventTime, identity, unknown, rules);
  }

  private Sources sources(String where, @Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return new Sources(null, null, null, null, null);
    }
    if (!node.isObject()) {
      throw problem(where, "sources: a mapping of kafka, kafkaPattern, kinesis, sqs, files");
    }
    keys(node, where + ", sources", Set.of("kafka", "kafkaPattern", "kinesis", "sqs", "files"));
    String pattern = optionalText(node, "kafkaPattern", where);
    if (pattern != null) {
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        throw problem(
            where, "sources.kafkaPattern: not a regular expression: " + e.getDescription());
      }
    }
    return new Sources(
        optionalText(node, "kafka", where),
        pattern,
        optionalText(node, "kinesis", where),
        optionalText(node, "sqs", where),
        optionalText(node, "files", where));
  }

  /** Two datasets on one topic, stream, queue or folder could not be told apart. */
  private void checkSourcesDistinct(Map<String, DatasetSpec> datasets) {
    Map<String, String> claimed = new LinkedHashMap<>();
    for (DatasetSpec dataset : datasets.values()) {
      Sources s = dataset.sources();
      String[][] sources = {
        {"kafka topic", s.kafka()}, {"Kinesis stream", s.kinesis()},
        {"SQS queue", s.sqs()}, {"files folder", s.files()}
      };
      for (String[] source : sources) {
        if (source[1] == null) {
          continue;
        }
        String key = source[0] + " " + source[1];
        String other = claimed.putIfAbsent(key, dataset.name());
        if (other != null) {
          throw problem(
              "dataset " + dataset.name(),
              key + " is also dataset " + other + "'s: each source holds one dataset");
        }
      }
    }
  }

  private Schema schema(String where, JsonNode node) {
    JsonNode inline = node.get("schema");
    String file = optionalText(node, "schemaFile", where);
    if ((inline == null) == (file == null)) {
      throw problem(where, "give the payload's Avro schema: schema (inline) or schemaFile, one");
    }
    String json;
    if (file != null) {
      if (folder == null) {
        throw problem(where, "schemaFile: this spec has no folder to read " + file + " from");
      }
      Path path = folder.resolve(file);
      try {
        json = Files.readString(path, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw problem(where, "schemaFile " + file + ": cannot read " + path);
      }
    } else {
      json = inline.toString();
    }
    Schema schema;
    try {
      schema = new Schema.Parser().parse(json);
    } catch (SchemaParseException e) {
      throw problem(where + badField(json), "schema: " + e.getMessage());
    }
    if (schema.getType() != Schema.Type.RECORD) {
      throw problem(where, "schema: must be an Avro record, is " + schema.getType());
    }
    for (Schema.Field field : schema.getFields()) {
      if (!isSupported(field.schema())) {
        throw problem(
            where + ", field " + field.name(),
            "type "
                + typeName(field.schema())
                + " not supported: string, int, long, float, double, boolean, timestamp-millis,"
                + " or a union of null and one of these");
      }
      if (field.name().equals("_extra")) {
        throw problem(
            where + ", field _extra", "the name holds the fields the schema does not know");
      }
    }
    return schema;
  }

  /** {@code , field NAME} of the first field whose type alone does not parse, or nothing. */
  private static String badField(String json) {
    try {
      JsonNode record = YAML.readTree(json);
      for (JsonNode field : record.path("fields")) {
        String one = "{\"type\":\"record\",\"name\":\"One\",\"fields\":[" + field.toString() + "]}";
        try {
          new Schema.Parser().parse(one);
        } catch (SchemaParseException e) {
          return ", field " + field.path("name").asText();
        }
      }
    } catch (JsonProcessingException e) {
      // The whole schema's message says enough.
    }
    return "";
  }

  private FieldRules rules(String where, Schema type, JsonNode node) {
    if (!node.isObject()) {
      throw problem(where, "rules: a mapping such as {notBlank: true, format: email}");
    }
    keys(
        node,
        where,
        Set.of(
            "notBlank",
            "format",
            "pattern",
            "min",
            "max",
            "enum",
            "maxLength",
            "plausibleTime",
            "reason"));
    Schema base = base(type);
    boolean string = base.getType() == Schema.Type.STRING;
    boolean number =
        switch (base.getType()) {
          case INT, LONG, FLOAT, DOUBLE -> true;
          default -> false;
        };
    for (String key : List.of("notBlank", "format", "pattern", "enum", "maxLength")) {
      if (node.has(key) && !string) {
        throw problem(where, key + ": applies to strings, the field is " + typeName(type));
      }
    }
    for (String key : List.of("min", "max")) {
      if (node.has(key) && (!number || !node.get(key).isNumber())) {
        throw problem(
            where, key + ": a number, for a number field; the field is " + typeName(type));
      }
    }
    if (node.has("plausibleTime") && !isTimestamp(base)) {
      throw problem(where, "plausibleTime: applies to timestamp-millis fields");
    }
    String format = optionalText(node, "format", where);
    if (format != null && !format.equals("email") && !format.equals("uuid")) {
      throw problem(where, "format: email or uuid, got " + format);
    }
    Pattern pattern = null;
    String regex = optionalText(node, "pattern", where);
    if (regex != null) {
      try {
        pattern = Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw problem(where, "pattern: not a regular expression: " + e.getDescription());
      }
    }
    List<String> allowed = new ArrayList<>();
    JsonNode enumNode = node.get("enum");
    if (enumNode != null) {
      if (!enumNode.isArray() || enumNode.isEmpty()) {
        throw problem(where, "enum: a list of the values allowed");
      }
      enumNode.forEach(v -> allowed.add(v.asText()));
    }
    JsonNode maxLength = node.get("maxLength");
    if (maxLength != null && (!maxLength.isInt() || maxLength.intValue() < 1)) {
      throw problem(where, "maxLength: a positive whole number, got " + text(maxLength));
    }
    return new FieldRules(
        node.path("notBlank").asBoolean(false),
        format,
        pattern,
        node.has("min") ? node.get("min").doubleValue() : null,
        node.has("max") ? node.get("max").doubleValue() : null,
        List.copyOf(allowed),
        maxLength == null ? null : maxLength.intValue(),
        node.path("plausibleTime").asBoolean(true),
        optionalText(node, "reason", where));
  }

  private ConsentSpec consent(
      JsonNode node, Map<String, DatasetSpec> datasets, Set<String> curatedTables) {
    String where = "consent";
    if (!node.isObject()) {
      throw problem(where, "a mapping with dataset, key, newestBy, consentTime, scope, readings");
    }
    keys(node, where, Set.of("dataset", "key", "newestBy", "consentTime", "scope", "readings"));
    String name = requiredText(node, "dataset", where);
    DatasetSpec parties = dataset(datasets, name, where + ", dataset");
    String partyWhere = where + " (dataset " + name + ")";
    String key = requiredText(node, "key", where);
    field(parties.schema(), key, partyWhere + ", key " + key);
    String newestBy = requiredText(node, "newestBy", where);
    field(parties.schema(), newestBy, partyWhere + ", newestBy " + newestBy);
    String consentTime = requiredText(node, "consentTime", where);
    Schema.Field time =
        field(parties.schema(), consentTime, partyWhere + ", consentTime " + consentTime);
    if (base(time.schema()).getType() != Schema.Type.LONG) {
      throw problem(
          partyWhere + ", consentTime " + consentTime,
          "must be a long (epoch milliseconds), optional for a party without consent; is "
              + typeName(time.schema()));
    }
    String scope = node.has("scope") ? node.get("scope").asText() : "after-consent";
    if (!scope.equals("after-consent") && !scope.equals("all-readings")) {
      throw problem(where, "scope: after-consent or all-readings, got " + scope);
    }
    JsonNode readingsNode = node.get("readings");
    if (readingsNode == null || !readingsNode.isObject() || readingsNode.isEmpty()) {
      throw problem(where, "readings: how each reading dataset finds its party, by dataset");
    }
    Map<String, ReadingLink> readings = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : fields(readingsNode)) {
      String readingWhere = where + ", readings " + entry.getKey();
      DatasetSpec reading = dataset(datasets, entry.getKey(), readingWhere);
      JsonNode link = entry.getValue();
      keys(link, readingWhere, Set.of("field", "matches", "ownerIn"));
      String field = requiredText(link, "field", readingWhere);
      field(reading.schema(), field, "dataset " + reading.name() + ", field " + field);
      String matches = requiredText(link, "matches", readingWhere);
      field(parties.schema(), matches, partyWhere + ", field " + matches);
      String ownerIn = optionalText(link, "ownerIn", readingWhere);
      if (ownerIn != null && !curatedTables.contains(ownerIn)) {
        throw problem(readingWhere, "ownerIn: no curated table " + ownerIn);
      }
      readings.put(entry.getKey(), new ReadingLink(field, matches, ownerIn));
    }
    return new ConsentSpec(name, key, newestBy, consentTime, scope, readings);
  }

  private CuratedSpec curated(String table, JsonNode node, Map<String, DatasetSpec> datasets) {
    String where = "curated table " + table;
    if (!NAME.matcher(table).matches()) {
      throw problem(where, "a table's name: lower case letters, digits, _ and -");
    }
    if (!node.isObject()) {
      throw problem(where, "a mapping with folder and semiJoin or join");
    }
    keys(node, where, Set.of("folder", "semiJoin", "join", "columns"));
    String folderName = node.has("folder") ? node.get("folder").asText() : table;
    if (!NAME.matcher(folderName).matches()) {
      throw problem(where, "folder: lower case letters, digits, _ and -, got " + folderName);
    }
    JsonNode semi = node.get("semiJoin");
    JsonNode join = node.get("join");
    if ((semi == null) == (join == null)) {
      throw problem(where, "give one of semiJoin and join");
    }
    List<Schema> schemas = new ArrayList<>();
    SemiJoin semiJoin = null;
    Join pairs = null;
    if (semi != null) {
      keys(semi, where + ", semiJoin", Set.of("dataset", "with", "on"));
      DatasetSpec left =
          dataset(datasets, requiredText(semi, "dataset", where), where + ", semiJoin");
      DatasetSpec right =
          dataset(datasets, requiredText(semi, "with", where), where + ", semiJoin");
      semiJoin =
          new SemiJoin(left.name(), right.name(), on(where + ", semiJoin", semi, left, right));
      schemas.add(left.schema());
    } else {
      keys(join, where + ", join", Set.of("left", "right", "on", "sameCustomer"));
      DatasetSpec left = dataset(datasets, requiredText(join, "left", where), where + ", join");
      DatasetSpec right = dataset(datasets, requiredText(join, "right", where), where + ", join");
      pairs =
          new Join(
              left.name(),
              right.name(),
              on(where + ", join", join, left, right),
              join.path("sameCustomer").asBoolean(false));
      schemas.add(left.schema());
      schemas.add(right.schema());
    }
    List<String> columns = new ArrayList<>();
    JsonNode columnsNode = node.get("columns");
    if (columnsNode != null) {
      if (!columnsNode.isArray() || columnsNode.isEmpty()) {
        throw problem(where, "columns: a list of the joined records' fields");
      }
      for (JsonNode column : columnsNode) {
        String name = column.asText();
        if (schemas.stream().noneMatch(s -> s.getField(name) != null)) {
          throw problem(where + ", column " + name, "no such field in the joined datasets");
        }
        columns.add(name);
      }
    }
    return new CuratedSpec(table, folderName, semiJoin, pairs, List.copyOf(columns));
  }

  /** A join's {@code on}: each left field to the right one, both existing with one type. */
  private Map<String, String> on(String where, JsonNode node, DatasetSpec left, DatasetSpec right) {
    JsonNode on = node.get("on");
    if (on == null || !on.isObject() || on.isEmpty()) {
      throw problem(
          where, "on: a mapping of " + left.name() + "'s fields to " + right.name() + "'s");
    }
    Map<String, String> keys = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> pair : fields(on)) {
      Schema.Field l = field(left.schema(), pair.getKey(), where + ", key " + pair.getKey());
      Schema.Field r =
          field(
              right.schema(),
              pair.getValue().asText(),
              where + ", key " + pair.getValue().asText());
      if (base(l.schema()).getType() != base(r.schema()).getType()) {
        throw problem(
            where + ", key " + pair.getKey(),
            typeName(l.schema())
                + " cannot equal "
                + right.name()
                + "."
                + r.name()
                + "'s "
                + typeName(r.schema()));
      }
      keys.put(pair.getKey(), pair.getValue().asText());
    }
    return keys;
  }

  private DatasetSpec dataset(Map<String, DatasetSpec> datasets, String name, String where) {
    DatasetSpec dataset = datasets.get(name);
    if (dataset == null) {
      throw problem(
          where,
          "no dataset " + name + " (datasets: " + String.join(", ", datasets.keySet()) + ")");
    }
    return dataset;
  }

  private Schema.Field field(Schema schema, String name, String where) {
    Schema.Field field = schema.getField(name);
    if (field == null) {
      throw problem(where, "no such field in the schema");
    }
    return field;
  }

  private void keys(JsonNode node, String where, Set<String> allowed) {
    if (!node.isObject()) {
      throw problem(where, "a mapping");
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw problem(
            where,
            "unknown key "
                + name
                + " (known: "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
    }
  }

  private String requiredText(JsonNode node, String key, String where) {
    String value = optionalText(node, key, where);
    if (value == null) {
      throw problem(where, key + ": missing");
    }
    return value;
  }

  private @Nullable String optionalText(JsonNode node, String key, String where) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isValueNode() || value.asText().isBlank()) {
      throw problem(where, key + ": a non-empty value, got " + text(value));
    }
    return value.asText();
  }

  private static Iterable<Map.Entry<String, JsonNode>> fields(JsonNode node) {
    return node::fields;
  }

  private static String text(@Nullable JsonNode node) {
    return node == null ? "nothing" : node.toString();
  }

  /** The type under an optional field's union with null. */
  static Schema base(Schema schema) {
    if (schema.getType() != Schema.Type.UNION) {
      return schema;
    }
    return schema.getTypes().stream()
        .filter(t -> t.getType() != Schema.Type.NULL)
        .findFirst()
        .orElse(schema);
  }

  static boolean isOptional(Schema schema) {
    return schema.getType() == Schema.Type.UNION
        && schema.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
  }

  static boolean isTimestamp(Schema schema) {
    return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis;
  }

  private static boolean isSupported(Schema schema) {
    if (schema.getType() == Schema.Type.UNION) {
      List<Schema> types = schema.getTypes();
      return types.size() == 2
          && types.stream().filter(t -> t.getType() == Schema.Type.NULL).count() == 1
          && isSupported(base(schema));
    }
    return switch (schema.getType()) {
      case STRING, INT, LONG, FLOAT, DOUBLE, BOOLEAN ->
          schema.getLogicalType() == null || isTimestamp(schema);
      default -> false;
    };
  }

  static String typeName(Schema schema) {
    if (schema.getType() == Schema.Type.UNION) {
      return "optional " + typeName(base(schema));
    }
    if (schema.getLogicalType() != null) {
      return schema.getLogicalType().getName();
    }
    return schema.getType().getName();
  }
}
