package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The central correctness test: the generator's data (shuffled, duplicated, late and broken
 * messages) gives the same trusted and curated tables as a bounded run, as a stream through a real
 * Kafka broker, and as a backfill from that stream's landing zone; and nothing of a customer
 * without consent, nor any reading from before consent, reaches them.
 */
class ZonesIT {
  private static final Path DATA = Path.of("..", "testdata", "generated", "seed-7-customers-20");
  static final List<String> TABLES =
      List.of(
          "trusted/customer",
          "trusted/accelerometer",
          "trusted/step_trainer",
          "curated/customer",
          "curated/machine_learning");

  @TempDir static Path bounded;
  @TempDir static Path streamed;

  private static Map<String, List<String>> boundedTables;
  private static Map<String, List<String>> streamedTables;
  private static Map<String, List<String>> backfilledTables;
  private static List<String> boundedRejects;
  private static List<String> streamedRejects;

  @BeforeAll
  static void runAllThreeWays() throws Exception {
    MainTest.Run files = MainTest.run("--input=" + DATA, "--lake=" + bounded);
    assertThat(files.err(), files.code(), equalTo(0));
    boundedTables = tables(bounded);
    boundedRejects = rejects(bounded);

    MainTest.Run stream =
        MainTest.run(
            "--source=embedded-kafka",
            "--input=" + DATA,
            "--lake=" + streamed,
            "--windowSeconds=2",
            "--maxBrokerDelaySeconds=1",
            "--consentWaitSeconds=10",
            "--runTimeoutSeconds=240");
    assertThat(stream.err(), stream.code(), equalTo(0));
    streamedTables = tables(streamed);
    streamedRejects = rejects(streamed);

    MainTest.Run backfill = MainTest.run("--source=landing", "--lake=" + streamed);
    assertThat(backfill.err(), backfill.code(), equalTo(0));
    backfilledTables = tables(streamed);
  }

  /** Each table's rows, canonical JSON, sorted. */
  static Map<String, List<String>> tables(Path lake) throws IOException {
    Map<String, List<String>> tables = new HashMap<>();
    for (String table : TABLES) {
      tables.put(
          table,
          LakeFiles.readAll(lake.resolve(table)).stream()
              .map(JsonNode::toString)
              .sorted()
              .toList());
    }
    return tables;
  }

  /** Rejects as (dataset, reason, payload): the parts that do not depend on how they arrived. */
  static List<String> rejects(Path lake) throws IOException {
    return LakeFiles.readAll(lake.resolve("trusted/_rejected")).stream()
        .map(ZonesIT::reject)
        .sorted()
        .toList();
  }

  /** One reject line as (dataset, reason, payload). */
  static String reject(JsonNode r) {
    return r.get("dataset").asText()
        + " | "
        + r.get("reason").asText()
        + " | "
        + LakeFiles.canonicalPayload(r);
  }

  @Test
  void streamThroughKafkaEqualsTheBoundedRun() {
    for (String table : TABLES) {
      assertThat(table, boundedTables.get(table), not(empty()));
      assertThat(table, streamedTables.get(table), equalTo(boundedTables.get(table)));
    }
    assertThat(streamedRejects, equalTo(boundedRejects));
  }

  @Test
  void backfillFromLandingEqualsTheBoundedRun() {
    for (String table : TABLES) {
      assertThat(table, backfilledTables.get(table), equalTo(boundedTables.get(table)));
    }
  }

  @Test
  void everyBrokenMessageIsRejectedWithAReason() {
    Map<String, Long> byDataset =
        boundedRejects.stream()
            .collect(
                Collectors.groupingBy(r -> r.substring(0, r.indexOf(' ')), Collectors.counting()));
    // 3 broken customers, 3 broken accelerometer readings, 2 broken step readings, 2 thermostat.
    assertThat(
        byDataset,
        equalTo(Map.of("customer", 3L, "accelerometer", 3L, "step_trainer", 2L, "_unrouted", 2L)));
    assertThat(
        boundedRejects.stream().anyMatch(r -> r.contains("oversized payload")), equalTo(true));
  }

  @Test
  void nothingOfACustomerWithoutConsentAndNoReadingFromBeforeConsentReachesTheZones()
      throws IOException {
    // The rule's inputs, read independently from the generator's files: latest record per email.
    Map<String, JsonNode> latest = new HashMap<>();
    for (JsonNode c : readJsonLines(DATA.resolve("customer"))) {
      if (c.hasNonNull("email") && c.hasNonNull("lastUpdateDate")) {
        JsonNode seen = latest.get(c.get("email").asText());
        if (seen == null
            || c.get("lastUpdateDate").asLong() > seen.get("lastUpdateDate").asLong()) {
          latest.put(c.get("email").asText(), c);
        }
      }
    }
    Map<String, Long> consentByEmail = new HashMap<>();
    Map<String, Long> consentBySerial = new HashMap<>();
    latest.forEach(
        (email, c) -> {
          if (c.hasNonNull("shareWithResearchAsOfDate")) {
            consentByEmail.put(email, c.get("shareWithResearchAsOfDate").asLong());
            consentBySerial.put(
                c.get("serialNumber").asText(), c.get("shareWithResearchAsOfDate").asLong());
          }
        });
    // The data must hold something for the rule to keep out, or this test proves nothing.
    List<JsonNode> phones = readJsonLines(DATA.resolve("accelerometer"));
    long nonConsenting =
        phones.stream()
            .filter(p -> p.has("user") && !consentByEmail.containsKey(p.get("user").asText()))
            .count();
    long beforeConsent =
        phones.stream()
            .filter(p -> p.has("user") && consentByEmail.containsKey(p.get("user").asText()))
            .filter(p -> p.get("timestamp").asLong() < consentByEmail.get(p.get("user").asText()))
            .count();
    assertThat(nonConsenting, greaterThan(0L));
    assertThat(beforeConsent, greaterThan(0L));

    for (Path lake : List.of(bounded, streamed)) {
      for (String table : List.of("trusted/customer", "curated/customer")) {
        for (JsonNode row : LakeFiles.readAll(lake.resolve(table))) {
          assertThat(
              row.toString(), consentByEmail.containsKey(row.get("email").asText()), equalTo(true));
        }
      }
      for (JsonNode row : LakeFiles.readAll(lake.resolve("trusted/accelerometer"))) {
        Long consent = consentByEmail.get(row.get("user").asText());
        assertThat(
            row.toString(),
            consent != null && row.get("timestamp").asLong() >= consent,
            equalTo(true));
      }
      for (String table : List.of("trusted/step_trainer", "curated/machine_learning")) {
        for (JsonNode row : LakeFiles.readAll(lake.resolve(table))) {
          Long consent = consentBySerial.get(row.get("serialNumber").asText());
          assertThat(
              row.toString(),
              consent != null && row.get("sensorReadingTime").asLong() >= consent,
              equalTo(true));
          for (String personal : List.of("email", "user", "customerName", "phone", "birthDay")) {
            assertThat(
                row.toString(), row.has(personal) && table.startsWith("curated"), equalTo(false));
          }
        }
      }
    }
  }

  private static List<JsonNode> readJsonLines(Path folder) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    for (String canonical :
        MainTest.sourceMessages(folder.getParent(), folder.getFileName().toString())) {
      if (!canonical.startsWith("base64:")) {
        JsonNode node = LakeFiles.MAPPER.readTree(canonical);
        if (node.isObject()) {
          rows.add(node);
        }
      }
    }
    return rows;
  }
}
