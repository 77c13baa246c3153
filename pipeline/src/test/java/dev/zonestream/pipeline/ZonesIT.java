package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.StediGenerator;
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
 * The central correctness test. The generator's data (shuffled, duplicated, late and broken
 * messages, consent given later) arrives through a real Kafka broker as it does in real life:
 * customers first; their readings more than three consent waits later, with broker times spread
 * over weeks; some messages redelivered afterwards with broker times six hours later; then two
 * customers withdraw consent. The stream's tables equal a bounded run over the messages the stream
 * had seen when it decided the readings (everything but the withdrawals), and a backfill of the
 * stream's landing zone equals a bounded run over everything, the withdrawals included: a
 * withdrawal reaches the readings a stream decided before it only through a backfill (see the
 * README). Nothing of a customer without consent, nor any reading from before consent, reaches the
 * zones.
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
  private static final long WAIT_SECONDS = 3;

  @TempDir static Path work;
  private static Path bounded;
  private static Path streamed;

  private static Map<String, List<String>> boundedTables;
  private static Map<String, List<String>> withWithdrawalsTables;
  private static Map<String, List<String>> streamedTables;
  private static Map<String, List<String>> backfilledTables;
  private static List<String> boundedRejects;
  private static List<String> streamedRejects;
  private static JsonNode streamSummary;
  private static List<String> withdrawn;

  @BeforeAll
  static void runBoundedStreamedAndBackfilled() throws Exception {
    bounded = work.resolve("bounded");
    streamed = work.resolve("streamed");
    Map<String, List<byte[]>> byFolder = EmbeddedDemo.readFolders(DATA);

    MainTest.Run files = MainTest.run("--input=" + DATA, "--lake=" + bounded);
    assertThat(files.err(), files.code(), equalTo(0));
    boundedTables = tables(bounded);
    boundedRejects = rejects(bounded);
    withdrawn = new ArrayList<>();
    List<byte[]> withdrawals =
        RealLifeStream.withdrawals(
            byFolder.get("customer"), boundedTables.get("trusted/accelerometer"), withdrawn);
    Path allInput = work.resolve("with-withdrawals");
    StediGenerator.writeTo(RealLifeStream.withWithdrawals(byFolder, withdrawals), allInput);
    MainTest.Run all = MainTest.run("--input=" + allInput, "--lake=" + work.resolve("all"));
    assertThat(all.err(), all.code(), equalTo(0));
    withWithdrawalsTables = tables(work.resolve("all"));

    RealLifeStream.stream(streamed, List.of(), WAIT_SECONDS, byFolder, withdrawals);
    streamedTables = tables(streamed);
    streamedRejects = rejects(streamed);
    streamSummary = LakeFiles.readJson(streamed.resolve("_summary.json"));

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
  void streamThroughKafkaEqualsTheBoundedRunOverWhatItHadSeen() {
    for (String table : TABLES) {
      assertThat(table, boundedTables.get(table), not(empty()));
      assertThat(table, streamedTables.get(table), equalTo(boundedTables.get(table)));
    }
    assertThat(streamedRejects, equalTo(boundedRejects));
  }

  @Test
  void backfillFromLandingEqualsTheBoundedRunOverEverythingWithdrawalsIncluded() {
    for (String table : TABLES) {
      assertThat(table, backfilledTables.get(table), equalTo(withWithdrawalsTables.get(table)));
    }
    // The withdrawals matter: the stream kept what it had decided before them, the backfill not.
    for (String email : withdrawn) {
      assertThat(
          email,
          streamedTables.get("trusted/accelerometer").stream().anyMatch(r -> r.contains(email)),
          equalTo(true));
      for (String table : TABLES) {
        assertThat(
            table + " " + email,
            backfilledTables.get(table).stream().anyMatch(r -> r.contains(email)),
            equalTo(false));
      }
    }
  }

  @Test
  void theStreamAccountsForEveryMessageItRead() {
    JsonNode accounting = streamSummary.get("accounting");
    for (String dataset : List.of("customer", "accelerometer", "step_trainer", "_unrouted")) {
      JsonNode o = accounting.get(dataset);
      assertThat(dataset, o.get("waiting").asLong(), equalTo(0L));
      assertThat(
          dataset + " " + o,
          o.get("rejected").asLong()
              + o.get("duplicate").asLong()
              + o.get("superseded").asLong()
              + o.get("excluded").asLong()
              + o.get("trusted").asLong(),
          equalTo(o.get("read").asLong()));
    }
    // The ten redelivered readings of each device kind are duplicates, hours later.
    assertThat(accounting.get("accelerometer").get("duplicate").asLong(), greaterThan(9L));
    assertThat(accounting.get("step_trainer").get("duplicate").asLong(), greaterThan(9L));
  }

  @Test
  void everyBrokenMessageIsRejectedWithAReason() {
    Map<String, Long> byDataset =
        boundedRejects.stream()
            .collect(
                Collectors.groupingBy(r -> r.substring(0, r.indexOf(' ')), Collectors.counting()));
    // 3 broken customers; 3 broken accelerometer readings and 2 broken step readings, each plus
    // one reading whose user or device has no customer; 2 thermostat.
    assertThat(
        byDataset,
        equalTo(Map.of("customer", 3L, "accelerometer", 4L, "step_trainer", 3L, "_unrouted", 2L)));
    assertThat(
        boundedRejects.stream().filter(r -> r.contains("no customer record")).count(), equalTo(2L));
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
