package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.EmbeddedKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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

  /**
   * A firmware update half way through a stream, through a broker the test feeds in two phases
   * hours of broker time apart: the old firmware's readings (no humidity), then once they have
   * landed the new firmware's (humidity, and a battery level the spec does not declare), one whose
   * temperature has become a string, and a redelivery of an old reading. The new field is kept and
   * read from the catalog, the type change is rejected with its reason while landing keeps the
   * message as sent, the absent optional field is null, the redelivery a repeat.
   */
  @Test
  void aSchemaThatChangesHalfWayThroughAStreamLosesNothing() throws Exception {
    Path lake = work.resolve("evolving");
    long start = 1_764_586_800_000L;
    long minute = 60_000L;
    List<byte[]> before = new ArrayList<>();
    List<byte[]> after = new ArrayList<>();
    for (int device = 1; device <= 3; device++) {
      for (int reading = 0; reading < 2; reading++) {
        before.add(
            String.format(
                    "{\"deviceId\":\"th-000%d\",\"readAt\":%d,\"temperatureC\":19.5,"
                        + "\"setpointC\":21.0,\"heating\":true}",
                    device, start + reading * minute)
                .getBytes(StandardCharsets.UTF_8));
        after.add(
            String.format(
                    "{\"deviceId\":\"th-000%d\",\"readAt\":%d,\"temperatureC\":20.5,"
                        + "\"setpointC\":21.0,\"heating\":false,\"humidity\":40,"
                        + "\"battery\":%d}",
                    device, start + 3 * RealLifeStream.HOUR + reading * minute, 90 - device)
                .getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] typeChanged =
        ("{\"deviceId\":\"th-0001\",\"readAt\":"
                + (start + 4 * RealLifeStream.HOUR)
                + ",\"temperatureC\":\"20.5\",\"setpointC\":21.0,\"heating\":false}")
            .getBytes(StandardCharsets.UTF_8);
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopics(List.of("home.thermostat"), 3);
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--spec=" + SPEC,
                  "--bootstrapServers=" + kafka.bootstrapServers(),
                  "--consumerGroup=evolving",
                  "--lake=" + lake,
                  "--windowSeconds=2",
                  "--maxBrokerDelaySeconds=1",
                  "--runTimeoutSeconds=300",
                  "--progressSeconds=0"));
      args.addAll(
          RunnerArgs.streamingDefaults(
              "DirectRunner",
              args.toArray(String[]::new),
              work.resolve("checkpoint").toString(),
              RunnerDefaults.flinkCheckpointUri(lake.toString()),
              "kafka"));
      ExecutorService job = Executors.newSingleThreadExecutor();
      Future<Integer> run =
          job.submit(
              () ->
                  JobRunner.runUntilSettled(
                      args.toArray(String[]::new),
                      Map.of("thermostat", 14L),
                      System.out,
                      System.err));
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        send(producer, before, 0);
        awaitLanded(lake, 6, run);
        send(producer, after, 0);
        send(producer, List.of(typeChanged), 0);
        send(producer, before.subList(0, 1), 5 * RealLifeStream.HOUR);
      }
      assertThat("the stream settled", run.get(6, TimeUnit.MINUTES), equalTo(0));
      job.shutdown();
    }

    List<JsonNode> landed = LakeFiles.readAll(lake.resolve("landing/thermostat"));
    assertThat(landed.size(), equalTo(14));
    assertThat(
        "landing keeps the changed type as sent",
        landed.stream()
            .anyMatch(
                line -> LakeFiles.canonicalPayload(line).equals(LakeFiles.canonical(typeChanged))),
        equalTo(true));
    List<JsonNode> trusted = LakeFiles.readAll(lake.resolve("trusted/thermostat"));
    assertThat(trusted.size(), equalTo(12));
    for (JsonNode row : trusted) {
      boolean updated = row.get("readAt").asLong() > start + RealLifeStream.HOUR;
      assertThat(row.toString(), row.has("humidity"), equalTo(updated));
      assertThat(row.toString(), row.has("_extra"), equalTo(updated));
      if (updated) {
        assertThat(row.toString(), row.get("_extra").size(), equalTo(1));
      }
    }
    List<JsonNode> rejected = LakeFiles.readAll(lake.resolve("trusted/_rejected/thermostat"));
    assertThat(rejected.size(), equalTo(1));
    assertThat(
        rejected.get(0).get("reason").asText(),
        equalTo("temperatureC: expected a finite number, got string"));
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

  /** Sends each reading with its readAt, shifted, as its broker time. */
  private static void send(
      KafkaProducer<byte[], byte[]> producer, List<byte[]> readings, long shiftMillis)
      throws Exception {
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (byte[] reading : readings) {
      long time = LakeFiles.MAPPER.readTree(reading).get("readAt").asLong() + shiftMillis;
      acks.add(producer.send(new ProducerRecord<>("home.thermostat", null, time, null, reading)));
    }
    for (Future<RecordMetadata> ack : acks) {
      ack.get();
    }
  }

  /** Polls (bounded) until the thermostat's landing holds {@code count} lines. */
  private static void awaitLanded(Path lake, long count, Future<Integer> run) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline && !run.isDone()) {
      if (LakeProgress.linesPerFolder(lake.resolve("landing").toString())
              .getOrDefault("thermostat", 0L)
          >= count) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("did not land in time: " + count);
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
