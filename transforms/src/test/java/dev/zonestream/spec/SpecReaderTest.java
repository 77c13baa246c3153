package dev.zonestream.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.zonestream.lake.TableSchemas;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.Tables;
import dev.zonestream.spec.LakeSpec.DatasetSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecReaderTest {
  private static String stediText() throws IOException {
    try (InputStream in = SpecReader.class.getResourceAsStream(SpecReader.STEDI_RESOURCE)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The STEDI spec with one piece of its text replaced (which must be there). */
  private static String stediWith(String from, String to) throws IOException {
    String text = stediText();
    if (!text.contains(from)) {
      throw new AssertionError("the STEDI spec has no " + from);
    }
    return text.replace(from, to);
  }

  @Test
  void theShippedStediSpecDeclaresWhatTheCodeDoes() {
    LakeSpec spec = SpecReader.stedi();
    assertThat(
        List.copyOf(spec.datasets().keySet()),
        equalTo(List.of("customer", "accelerometer", "step_trainer")));
    for (Dataset dataset : Dataset.values()) {
      DatasetSpec declared = spec.datasets().get(dataset.folder());
      assertThat(dataset.folder(), declared.eventTime(), equalTo(dataset.eventTimeField()));
      assertThat(declared.sources().kafka(), equalTo("stedi." + dataset.folder()));
      assertThat(declared.sources().files(), equalTo(dataset.folder()));
      assertThat(declared.identity(), equalTo(List.of()));
      assertThat(declared.unknownFields(), equalTo(LakeSpec.UnknownFields.KEEP));
    }
    // Each payload schema is the trusted table's, field by field and type by type.
    Map<String, String> tables =
        Map.of(
            "customer", Tables.CUSTOMER_TRUSTED,
            "accelerometer", Tables.ACCELEROMETER_TRUSTED,
            "step_trainer", Tables.STEP_TRAINER_TRUSTED);
    tables.forEach(
        (dataset, table) -> {
          Schema trusted = TableSchemas.of(table).orElseThrow();
          // The table's fields are the record's: the payload's, then the unknown fields kept.
          assertThat(
              dataset,
              fieldTypes(PayloadRules.recordSchema(spec.datasets().get(dataset))),
              equalTo(
                  trusted.getFields().stream()
                      .filter(f -> !f.name().equals(TableSchemas.EVENT_TIME))
                      .map(f -> f.name() + ":" + SpecReader.typeName(f.schema()))
                      .map(t -> t.replace("optional long", "optional timestamp-millis"))
                      .toList()));
        });
    assertThat(spec.consent().dataset(), equalTo("customer"));
    assertThat(spec.consent().consentTime(), equalTo("shareWithResearchAsOfDate"));
    assertThat(spec.consent().readings().get("accelerometer").matches(), equalTo("email"));
    assertThat(
        spec.consent().readings().get("step_trainer").ownerIn(), equalTo("customers_curated"));
    assertThat(
        spec.curated().values().stream().map(c -> "curated/" + c.folder()).toList(),
        contains(Tables.CUSTOMER_CURATED, Tables.MACHINE_LEARNING_CURATED));
    assertThat(
        spec.curated().get("machine_learning_curated").columns(),
        equalTo(
            List.of(
                "sensorReadingTime",
                "serialNumber",
                "distanceFromObject",
                "timestamp",
                "x",
                "y",
                "z")));
  }

  private static List<String> fieldTypes(Schema schema) {
    return schema.getFields().stream()
        .map(f -> f.name() + ":" + SpecReader.typeName(f.schema()))
        .map(t -> t.replace(":timestamp-millis", ":long"))
        .collect(Collectors.toList());
  }

  static Stream<Arguments> wrongSpecs() {
    return Stream.of(
        Arguments.of(
            "{name: x, type: double}",
            "{name: x, type: dubble}",
            "dataset accelerometer, field x: schema: \"dubble\" is not a defined name. The type of"
                + " the \"x\" field must be a defined name or a {\"type\": ...} expression."),
        Arguments.of(
            "eventTime: timestamp",
            "eventTime: takenAt",
            "dataset accelerometer, eventTime takenAt: no such field in the schema"),
        Arguments.of(
            "eventTime: sensorReadingTime",
            "eventTime: serialNumber",
            "dataset step_trainer, eventTime serialNumber: must be a required long (epoch"
                + " milliseconds), is string"),
        Arguments.of(
            "      email: {format: email}",
            "      emial: {format: email}",
            "dataset customer, field emial: no such field in the schema"),
        Arguments.of(
            "distanceFromObject: {min: 0,",
            "distanceFromObject: {notBlank: true, min: 0,",
            "dataset step_trainer, field distanceFromObject: notBlank: applies to strings, the field"
                + " is long"),
        Arguments.of(
            "on: {sensorReadingTime: timestamp}",
            "on: {sensorReadingTime: time}",
            "curated table machine_learning_curated, join, key time: no such field in the schema"),
        Arguments.of(
            "on: {sensorReadingTime: timestamp}",
            "on: {serialNumber: timestamp}",
            "curated table machine_learning_curated, join, key serialNumber: string cannot equal"
                + " accelerometer.timestamp's timestamp-millis"),
        Arguments.of(
            "kafka: stedi.step_trainer",
            "kafka: stedi.accelerometer",
            "dataset step_trainer: kafka topic stedi.accelerometer is also dataset accelerometer's:"
                + " each source holds one dataset"),
        Arguments.of(
            "accelerometer: {field: user, matches: email}",
            "accelerometer: {field: user, matches: mail}",
            "consent (dataset customer), field mail: no such field in the schema"),
        Arguments.of(
            "    unknownFields: keep\n    rules:\n      user:",
            "    unknownFields: drop\n    rules:\n      user:",
            "dataset accelerometer: unknownFields: keep or reject, got \"drop\""),
        Arguments.of(
            "    identity: payload\n    unknownFields: keep\n    rules:\n      user:",
            "    identity: payload\n    unknownFeilds: keep\n    rules:\n      user:",
            "dataset accelerometer: unknown key unknownFeilds (known: eventTime, identity, rules,"
                + " schema, schemaFile, sources, unknownFields)"),
        Arguments.of("version: 1", "version: 2", "version: must be 1, got 2"),
        Arguments.of(
            "ownerIn: customers_curated",
            "ownerIn: customers",
            "consent, readings step_trainer: ownerIn: no curated table customers"));
  }

  @ParameterizedTest
  @MethodSource("wrongSpecs")
  void aWrongSpecIsOneLineNamingTheFileTheDatasetAndTheField(
      String from, String to, String message, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("home.yaml");
    Files.writeString(file, stediWith(from, to));
    SpecException e = assertThrows(SpecException.class, () -> SpecReader.read(file));
    assertThat(e.getMessage(), equalTo(file + ": " + message));
    assertThat(e.getMessage().lines().count(), equalTo(1L));
  }

  @Test
  void aSchemaMayLieInAFileBesideTheSpec(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("reading.avsc"),
        "{\"type\":\"record\",\"name\":\"Reading\",\"fields\":["
            + "{\"name\":\"home\",\"type\":\"string\"},"
            + "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
            + "{\"name\":\"celsius\",\"type\":[\"null\",\"double\"],\"default\":null}]}");
    Path spec = dir.resolve("home.yaml");
    Files.writeString(
        spec,
        "version: 1\n"
            + "datasets:\n"
            + "  thermostat:\n"
            + "    sources: {kafka: home.thermostat}\n"
            + "    schemaFile: reading.avsc\n"
            + "    eventTime: at\n"
            + "    identity: [home, at]\n"
            + "    rules:\n"
            + "      celsius: {min: -50, max: 60, reason: \"not a room temperature\"}\n");
    LakeSpec read = SpecReader.read(spec);
    DatasetSpec thermostat = read.datasets().get("thermostat");
    assertThat(thermostat.identity(), equalTo(List.of("home", "at")));
    assertThat(thermostat.rules().get("celsius").max(), equalTo(60.0));
    assertThat(read.consent(), equalTo(null));

    Files.delete(dir.resolve("reading.avsc"));
    SpecException missing = assertThrows(SpecException.class, () -> SpecReader.read(spec));
    assertThat(
        missing.getMessage(),
        equalTo(
            spec
                + ": dataset thermostat: schemaFile reading.avsc: cannot read "
                + dir.toAbsolutePath().resolve("reading.avsc")));
  }

  @Test
  void notYamlOrNoFileIsOneLineToo(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(file, "version: 1\ndatasets: [\n");
    SpecException broken = assertThrows(SpecException.class, () -> SpecReader.read(file));
    assertThat(broken.getMessage().startsWith(file + ": not YAML (line "), equalTo(true));
    assertThat(broken.getMessage().lines().count(), equalTo(1L));
    SpecException none =
        assertThrows(SpecException.class, () -> SpecReader.read(dir.resolve("none.yaml")));
    assertThat(none.getMessage(), equalTo(dir.resolve("none.yaml") + ": no such file"));
  }
}
