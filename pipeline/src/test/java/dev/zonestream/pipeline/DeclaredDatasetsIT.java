package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset the lake spec declares, with no privacy rule, end to end on the Direct runner: the
 * thermostat fixture ({@code testdata/fixtures/thermostat-small}, its README lists each line) under
 * {@code testdata/specs/thermostat.yaml}, as a bounded files run and as a stream through the
 * embedded broker. Each reading is routed by the spec's folder and topic, typed by its schema,
 * rejected with the rule it breaks, de-duplicated by its identity fields (not its whole payload),
 * and its undeclared fields kept in {@code _extra}; a folder no dataset claims still lands. The
 * expectations are the fixture's, written by hand.
 */
class DeclaredDatasetsIT {
  static final Path SPEC = Path.of("..", "testdata", "specs", "thermostat.yaml");
  static final Path INPUT = Path.of("..", "testdata", "fixtures", "thermostat-small");

  /** deviceId/readAt of the trusted rows: lines 1, 2, 5 and 11 (3 and 4 are repeats). */
  static final List<String> TRUSTED =
      List.of(
          "th-0001/1764586800000",
          "th-0001/1764586860000",
          "th-0002/1764586800000",
          "th-0003/1764590400000");

  /** The rejects' reasons, sorted: lines 6 to 10. */
  static final List<String> REASONS =
      new TreeSet<>(
              List.of(
                  "temperatureC: expected a finite number, got string",
                  "setpointC: a setpoint between 5 and 35, got 40",
                  "deviceId: does not match th-[0-9]{4}",
                  "readAt: missing"))
          .stream().toList();

  @TempDir Path work;

  @Test
  void aBoundedRunTrustsTheSpecsDatasetByItsSchemaRulesAndIdentity() throws IOException {
    Path lake = work.resolve("lake");
    MainTest.Run run =
        MainTest.run("--spec=" + SPEC, "--input=" + INPUT, "--lake=" + lake, "--progressSeconds=0");
    assertThat(run.err(), run.code(), equalTo(0));
    assertLake(lake);

    // A backfill rebuilds the same trusted table from landing alone.
    MainTest.Run backfill =
        MainTest.run("--spec=" + SPEC, "--source=landing", "--lake=" + lake, "--progressSeconds=0");
    assertThat(backfill.err(), backfill.code(), equalTo(0));
    assertLake(lake);
  }

  @Test
  void aStreamThroughTheBrokerDecidesAsTheBoundedRun() throws IOException {
    Path lake = work.resolve("stream");
    MainTest.Run run =
        MainTest.run(
            "--spec=" + SPEC,
            "--source=embedded-kafka",
            "--input=" + INPUT,
            "--lake=" + lake,
            "--windowSeconds=5",
            "--progressSeconds=0");
    assertThat(run.err(), run.code(), equalTo(0));
    assertLake(lake);
  }

  @Test
  void aSpecWhosePrivacyRuleIsNotStedisIsRefusedWithOneLine() throws IOException {
    String stedi = Files.readString(Path.of("..", "specs", "stedi.yaml"));
    Path spec = work.resolve("other-consent.yaml");
    Files.writeString(
        spec, stedi.replace("newestBy: lastUpdateDate", "newestBy: registrationDate"));
    MainTest.Run run =
        MainTest.run("--spec=" + spec, "--input=" + INPUT, "--lake=" + work.resolve("no"));
    assertThat(run.code(), equalTo(2));
    assertThat(run.err(), containsString("consent differs"));
    assertThat(run.err().strip().lines().count(), equalTo(1L));
  }

  @Test
  void aTopicOfADatasetTheSpecDoesNotDeclareIsRefused() {
    MainTest.Run run =
        MainTest.run(
            "--source=kafka",
            "--bootstrapServers=127.0.0.1:9",
            "--topics=thermostat=home.thermostat",
            "--lake=" + work.resolve("no"));
    assertThat(run.code(), equalTo(2));
    assertThat(
        run.err(),
        containsString(
            "unknown dataset 'thermostat' (the spec stedi.yaml declares: customer,"
                + " accelerometer, step_trainer)"));
  }

  static void assertLake(Path lake) throws IOException {
    List<JsonNode> landed = LakeFiles.readAll(lake.resolve("landing/thermostat"));
    assertThat(landed.size(), equalTo(11));
    assertThat(LakeFiles.readAll(lake.resolve("landing/_unrouted")).size(), equalTo(1));

    Map<String, JsonNode> trusted = new TreeMap<>();
    for (JsonNode row : LakeFiles.readAll(lake.resolve("trusted/thermostat"))) {
      String key = row.get("deviceId").asText() + "/" + row.get("readAt").asLong();
      assertThat("one row per identity: " + key, trusted.put(key, row), equalTo(null));
    }
    assertThat(List.copyOf(trusted.keySet()), equalTo(TRUSTED));
    // The first of the two readings with one identity is kept (a batch keeps one of them).
    assertThat(
        trusted.get("th-0001/1764586800000").get("temperatureC").asDouble(),
        org.hamcrest.Matchers.either(equalTo(19.5)).or(equalTo(19.6)));
    // Optional and absent: null, not a reject; present: typed.
    assertThat(trusted.get("th-0001/1764586800000").has("humidity"), equalTo(false));
    assertThat(trusted.get("th-0001/1764586860000").get("humidity").asInt(), equalTo(41));
    assertThat(trusted.get("th-0003/1764590400000").get("heating").asBoolean(), equalTo(true));
    // Fields the schema does not declare are kept, each as its JSON text.
    JsonNode extra = trusted.get("th-0002/1764586800000").get("_extra");
    assertThat(String.valueOf(extra), extra.get("battery").asText(), equalTo("87"));
    assertThat(extra.get("firmware").asText(), equalTo("\"2.1\""));
    assertThat(trusted.get("th-0001/1764586860000").has("_extra"), equalTo(false));

    List<JsonNode> rejected = LakeFiles.readAll(lake.resolve("trusted/_rejected/thermostat"));
    assertThat(rejected.size(), equalTo(5));
    TreeSet<String> reasons = new TreeSet<>();
    for (JsonNode reject : rejected) {
      String reason = reject.get("reason").asText();
      if (!reason.startsWith("not JSON")) {
        reasons.add(reason);
      }
    }
    assertThat(List.copyOf(reasons), equalTo(REASONS));
    assertThat(
        rejected.stream().filter(r -> r.get("reason").asText().startsWith("not JSON")).count(),
        equalTo(1L));
    List<JsonNode> unknown = LakeFiles.readAll(lake.resolve("trusted/_rejected/_unrouted"));
    assertThat(unknown.size(), equalTo(1));
    assertThat(unknown.get(0).get("reason").asText(), containsString("unknown dataset"));
  }
}
