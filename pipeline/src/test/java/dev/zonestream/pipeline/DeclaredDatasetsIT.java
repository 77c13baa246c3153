package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
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
  void aBoundedRunTrustsTheSpecsDatasetByItsSchemaRulesAndIdentity() throws Exception {
    Path lake = work.resolve("lake");
    MainTest.Run run =
        MainTest.run("--spec=" + SPEC, "--input=" + INPUT, "--lake=" + lake, "--progressSeconds=0");
    assertThat(run.err(), run.code(), equalTo(0));
    assertLake(lake);
    assertCatalog(lake);

    // A backfill rebuilds the same trusted table from landing alone.
    MainTest.Run backfill =
        MainTest.run("--spec=" + SPEC, "--source=landing", "--lake=" + lake, "--progressSeconds=0");
    assertThat(backfill.err(), backfill.code(), equalTo(0));
    assertLake(lake);
  }

  @Test
  void aStreamThroughTheBrokerDecidesAsTheBoundedRun() throws Exception {
    Path lake = work.resolve("stream");
    MainTest.Run run =
        MainTest.run(
            "--spec=" + SPEC,
            "--source=embedded-kafka",
            "--input=" + INPUT,
            "--lake=" + lake,
            "--windowSeconds=5",
            "--tableFormat=json",
            "--progressSeconds=0");
    assertThat(run.err(), run.code(), equalTo(0));
    assertLake(lake);
    assertCatalog(lake);
  }

  /** See {@link EvolvingSchemaStream}: on the Direct runner. */
  @Test
  void aSchemaThatChangesHalfWayThroughAStreamLosesNothing() throws Exception {
    Path lake = work.resolve("evolving");
    EvolvingSchemaStream.stream(lake, List.of(), work.resolve("checkpoint"), SPEC);
    EvolvingSchemaStream.assertLake(lake);
    try (Connection db = LakeCatalogIT.catalog(lake)) {
      assertThat(
          LakeCatalogIT.count(
              db,
              "SELECT count(*) FROM thermostat_trusted"
                  + " WHERE CAST(_extra AS JSON)->>'battery' IS NOT NULL"),
          equalTo(6L));
      assertThat(
          LakeCatalogIT.count(db, "SELECT count(*) FROM thermostat_trusted WHERE humidity IS NULL"),
          equalTo(6L));
    }
  }

  /**
   * STEDI's datasets keep what their schema does not declare too: a firmware update that adds
   * {@code battery} to every phone reading leaves trusted and curated with the same rows as before,
   * each trusted phone reading with its battery level in {@code _extra}, and the curated
   * machine-learning table (which keeps the declared columns only) unchanged.
   */
  @Test
  void aStediReadingsFieldTheSchemaDoesNotDeclareIsKeptInExtra() throws Exception {
    Path updated = work.resolve("firmware");
    for (String folder : List.of("customer", "accelerometer", "step_trainer")) {
      Files.createDirectories(updated.resolve(folder));
      try (var files = Files.list(MainTest.FIXTURE.resolve(folder))) {
        for (Path file : files.toList()) {
          Path copy = updated.resolve(folder).resolve(file.getFileName());
          if (folder.equals("accelerometer")) {
            // Byte for byte but for the new field: the fixture holds lines that are not UTF-8.
            Files.writeString(
                copy,
                Files.readString(file, StandardCharsets.ISO_8859_1)
                    .replaceAll("}\\s*(\\n|$)", ", \"battery\": 87}$1"),
                StandardCharsets.ISO_8859_1);
          } else {
            Files.copy(file, copy);
          }
        }
      }
    }
    Path before = work.resolve("before");
    Path after = work.resolve("after");
    assertThat(MainTest.run("--input=" + MainTest.FIXTURE, "--lake=" + before).code(), equalTo(0));
    MainTest.Run run = MainTest.run("--input=" + updated, "--lake=" + after);
    assertThat(run.err(), run.code(), equalTo(0));

    List<JsonNode> trustedBefore = LakeFiles.readAll(before.resolve("trusted/accelerometer"));
    List<JsonNode> trustedAfter = LakeFiles.readAll(after.resolve("trusted/accelerometer"));
    assertThat(trustedAfter.size(), equalTo(trustedBefore.size()));
    assertThat(trustedAfter.isEmpty(), equalTo(false));
    for (JsonNode row : trustedAfter) {
      assertThat(row.toString(), row.path("_extra").path("battery").asText(), equalTo("87"));
    }
    for (String table : List.of("trusted/customer", "trusted/step_trainer", "curated/customer")) {
      assertThat(
          table,
          LakeFiles.readAll(after.resolve(table)).size(),
          equalTo(LakeFiles.readAll(before.resolve(table)).size()));
    }
    assertThat(
        ZonesIT.tables(after).get("curated/machine_learning"),
        equalTo(ZonesIT.tables(before).get("curated/machine_learning")));
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

  /**
   * DuckDB, given the catalog the run wrote, reads the declared dataset's tables: typed landing
   * payloads, the trusted rows with their unknown fields, the rejects; and no STEDI table.
   */
  static void assertCatalog(Path lake) throws Exception {
    try (Connection db = LakeCatalogIT.catalog(lake)) {
      assertThat(LakeCatalogIT.count(db, "SELECT count(*) FROM thermostat_landing"), equalTo(11L));
      // Typed: every line but the cut-off one (no payload) and the one without readAt.
      assertThat(
          LakeCatalogIT.count(
              db, "SELECT count(*) FROM thermostat_landing WHERE payload.readAt IS NOT NULL"),
          equalTo(9L));
      assertThat(LakeCatalogIT.count(db, "SELECT count(*) FROM thermostat_trusted"), equalTo(4L));
      assertThat(
          LakeCatalogIT.text(
              db,
              "SELECT CAST(_extra AS JSON)->>'battery' FROM thermostat_trusted"
                  + " WHERE deviceId = 'th-0002'"),
          equalTo("87"));
      assertThat(
          LakeCatalogIT.count(
              db, "SELECT count(*) FROM thermostat_trusted WHERE heating AND humidity IS NULL"),
          equalTo(1L));
      assertThat(LakeCatalogIT.count(db, "SELECT count(*) FROM thermostat_rejected"), equalTo(5L));
      assertThat(LakeCatalogIT.count(db, "SELECT count(*) FROM unrouted_landing"), equalTo(1L));
      assertThat(
          LakeCatalogIT.count(
              db,
              "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'customer%'"),
          equalTo(0L));
    }
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
