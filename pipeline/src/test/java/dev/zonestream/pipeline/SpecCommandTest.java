package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.zonestream.spec.LakeSpec;
import dev.zonestream.spec.LakeSpec.DatasetSpec;
import dev.zonestream.spec.SpecReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecCommandTest {
  private static final Path SAMPLES = Path.of("..", "testdata", "generated", "seed-7-customers-20");
  private static final Path STEDI = Path.of("..", "specs", "stedi.yaml");

  private static MainTest.Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        SpecCommand.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new MainTest.Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void checkSaysWhatTheShippedSpecDeclares() {
    MainTest.Run run = run("check", STEDI.toString());
    assertThat(run.err(), run.code(), equalTo(0));
    assertThat(
        run.out(),
        equalTo(
            STEDI
                + ": ok: datasets customer, accelerometer, step_trainer; consent in customer for"
                + " accelerometer, step_trainer; curated customers_curated,"
                + " machine_learning_curated\n"));
  }

  @Test
  void aWrongSpecExitsTwoWithOneLine(@TempDir Path dir) throws Exception {
    Path spec = dir.resolve("wrong.yaml");
    Files.writeString(
        spec, Files.readString(STEDI).replace("eventTime: timestamp", "eventTime: time"));
    MainTest.Run run = run("check", spec.toString());
    assertThat(run.code(), equalTo(2));
    assertThat(
        run.err(),
        equalTo(
            "zonestream: "
                + spec
                + ": dataset accelerometer, eventTime time: no such field in the schema\n"));
    assertThat(run("check").code(), equalTo(2));
    assertThat(run("frobnicate").code(), equalTo(2));
  }

  @Test
  void initDraftsASpecThatChecksFromSampleFiles(@TempDir Path dir) throws Exception {
    Path draft = dir.resolve("draft.yaml");
    MainTest.Run run = run("init", "--input=" + SAMPLES, "--output=" + draft);
    assertThat(run.err(), run.code(), equalTo(0));
    assertThat(run.err(), containsString("spec check " + draft));

    LakeSpec spec = SpecReader.read(draft);
    assertThat(
        List.copyOf(spec.datasets().keySet()),
        equalTo(List.of("accelerometer", "customer", "step_trainer", "thermostat")));
    DatasetSpec accelerometer = spec.datasets().get("accelerometer");
    assertThat(accelerometer.eventTime(), equalTo("timestamp"));
    assertThat(accelerometer.sources().files(), equalTo("accelerometer"));
    assertThat(
        types(accelerometer.schema()),
        equalTo(
            List.of(
                "user:string", "timestamp:timestamp-millis", "x:double", "y:double", "z:double")));
    assertThat(spec.datasets().get("step_trainer").eventTime(), equalTo("sensorReadingTime"));
    DatasetSpec customer = spec.datasets().get("customer");
    // Absent when a customer did not consent: optional.
    assertThat(
        types(customer.schema()).contains("shareWithResearchAsOfDate:optional timestamp-millis"),
        equalTo(true));
    assertThat(types(customer.schema()).contains("email:string"), equalTo(true));

    // An existing file is not overwritten.
    MainTest.Run again = run("init", "--input=" + SAMPLES, "--output=" + draft);
    assertThat(again.code(), equalTo(2));
    assertThat(run("init", "--input=" + dir.resolve("none")).code(), equalTo(2));
  }

  private static List<String> types(Schema schema) {
    return schema.getFields().stream()
        .map(
            f -> {
              Schema type = f.schema();
              String optional = "";
              if (type.getType() == Schema.Type.UNION) {
                optional = "optional ";
                type = type.getTypes().get(1);
              }
              return f.name()
                  + ":"
                  + optional
                  + (type.getLogicalType() != null
                      ? type.getLogicalType().getName()
                      : type.getType().getName());
            })
        .toList();
  }
}
