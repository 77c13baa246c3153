package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lake on S3 (a real S3-compatible server, Adobe S3Mock, started by the test): every zone written
 * to {@code s3://} by the files source equals a local-disk lake of the same input, a backfill from
 * the S3 landing zone rebuilds the same tables there, and a stream through a real Kafka broker into
 * S3 gives the same tables.
 */
class S3LakeIT {
  private static final Path DATA = Path.of("..", "testdata", "generated", "seed-7-customers-20");
  private static final String BUCKET = "zonestream-lake";
  private static final String S3_LAKE = "s3://" + BUCKET + "/runs/files";
  private static final List<String> TABLES =
      List.of(
          "trusted/customer",
          "trusted/accelerometer",
          "trusted/step_trainer",
          "curated/customer",
          "curated/machine_learning",
          "trusted/_rejected");

  @TempDir static Path local;

  private static S3Mock s3;
  private static Map<String, List<String>> localTables;
  private static Map<String, List<String>> s3Tables;
  private static Map<String, List<String>> backfilledTables;

  @BeforeAll
  static void runLocallyAndOnS3() throws Exception {
    s3 = S3Mock.start(BUCKET);

    MainTest.Run onDisk = MainTest.run("--input=" + DATA, "--lake=" + local.toAbsolutePath());
    assertThat(onDisk.err(), onDisk.code(), equalTo(0));

    MainTest.Run onS3 = run("--input=" + DATA, "--lake=" + S3_LAKE);
    assertThat(onS3.err(), onS3.code(), equalTo(0));

    s3.registerFileSystems();
    localTables = tables(local.toAbsolutePath().toString());
    s3Tables = tables(S3_LAKE);

    // The backfill must write the tables itself: remove them first.
    deleteAll(S3_LAKE + "/trusted/**", S3_LAKE + "/curated/**");
    assertThat(tables(S3_LAKE).get("trusted/customer"), empty());
    MainTest.Run backfill = run("--source=landing", "--lake=" + S3_LAKE);
    assertThat(backfill.err(), backfill.code(), equalTo(0));
    backfilledTables = tables(S3_LAKE);
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) {
      s3.close();
    }
  }

  private static MainTest.Run run(String... args) {
    return MainTest.run(
        Stream.concat(Stream.of(args), s3.options().stream()).toArray(String[]::new));
  }

  /** Each table's rows (rejects: without their ingest time), canonical JSON, sorted. */
  private static Map<String, List<String>> tables(String lake) throws IOException {
    Map<String, List<String>> tables = new LinkedHashMap<>();
    for (String table : TABLES) {
      tables.put(
          table,
          LakeFiles.readAllByFile(lake + "/" + table).values().stream()
              .flatMap(List::stream)
              .map(S3LakeIT::withoutIngestTime)
              .sorted()
              .toList());
    }
    return tables;
  }

  /** The one field of a landing line that says when, not what: the time it was read. */
  private static String withoutIngestTime(JsonNode line) {
    ObjectNode copy = line.deepCopy();
    copy.remove("ingestTime");
    return copy.toString();
  }

  private static void deleteAll(String... patterns) throws IOException {
    List<ResourceId> files = new ArrayList<>();
    for (String pattern : patterns) {
      for (MatchResult.Metadata file :
          FileSystems.match(pattern, EmptyMatchTreatment.ALLOW).metadata()) {
        files.add(file.resourceId());
      }
    }
    FileSystems.delete(files, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
  }

  @Test
  void everyTableOnS3EqualsTheLocalLakesTable() {
    for (String table : TABLES) {
      assertThat(table, localTables.get(table), not(empty()));
    }
    assertThat(s3Tables, equalTo(localTables));
  }

  @Test
  void backfillFromTheS3LandingZoneRebuildsTheSameTables() {
    assertThat(backfilledTables, equalTo(localTables));
  }

  @Test
  void landingOnS3HoldsTheSameFilesAndMessagesAsTheLocalLanding() throws IOException {
    Map<String, List<String>> localLanding = landing(local.toAbsolutePath() + "/landing");
    Map<String, List<String>> s3Landing = landing(S3_LAKE + "/landing");

    assertThat(localLanding.size(), greaterThan(10));
    assertThat(s3Landing, equalTo(localLanding));
  }

  /** Each file's lines without their ingest time, by the file's name without its run id. */
  private static Map<String, List<String>> landing(String root) throws IOException {
    Map<String, List<String>> byFile = new LinkedHashMap<>();
    LakeFiles.readAllByFile(root)
        .forEach(
            (file, lines) ->
                byFile.put(
                    file.replaceFirst("-r\\d{8}T\\d{6}Z-[0-9a-f]{4}(\\.jsonl)", "$1"),
                    lines.stream().map(S3LakeIT::withoutIngestTime).sorted().toList()));
    return byFile;
  }

  @Test
  void theRunSummaryIsWrittenToS3() throws IOException {
    JsonNode local = LakeFiles.readJson(S3LakeIT.local.resolve("_summary.json"));
    JsonNode onS3 = LakeFiles.readJson(S3_LAKE + "/_summary.json");

    assertThat(onS3.get("source").asText(), equalTo("landing"));
    assertThat(onS3.get("zones").get("trusted"), equalTo(local.get("zones").get("trusted")));
    assertThat(onS3.get("zones").get("curated"), equalTo(local.get("zones").get("curated")));
  }

  @Test
  void aStreamThroughKafkaIntoS3GivesTheSameTablesAndLandsEveryMessage() throws IOException {
    String streamed = "s3://" + BUCKET + "/runs/stream";
    MainTest.Run stream =
        run(
            "--source=embedded-kafka",
            "--input=" + DATA,
            "--lake=" + streamed,
            "--windowSeconds=2",
            "--maxBrokerDelaySeconds=1",
            "--consentWaitSeconds=10",
            "--runTimeoutSeconds=240");
    assertThat(stream.err(), stream.code(), equalTo(0));

    Map<String, List<String>> tables = tables(streamed);
    for (String table : TABLES.subList(0, TABLES.size() - 1)) {
      assertThat(table, tables.get(table), equalTo(localTables.get(table)));
    }
    // Rejects and landing lines differ in their coordinates (topic and offset, not file and
    // line): the same messages, by dataset and payload.
    assertThat(
        messages(streamed + "/trusted/_rejected"),
        equalTo(messages(local.toAbsolutePath() + "/trusted/_rejected")));
    assertThat(
        messages(streamed + "/landing"), equalTo(messages(local.toAbsolutePath() + "/landing")));
  }

  /** Lines under {@code folder} as (dataset, reason if any, payload), sorted. */
  private static List<String> messages(String folder) throws IOException {
    return LakeFiles.readAllByFile(folder).values().stream()
        .flatMap(List::stream)
        .map(
            line ->
                line.get("dataset").asText()
                    + " | "
                    + (line.has("reason") ? line.get("reason").asText() : "")
                    + " | "
                    + LakeFiles.canonicalPayload(line))
        .sorted()
        .toList();
  }

  @Test
  void aBucketThatDoesNotExistEndsTheRunWithOneLineNamingTheLake() {
    MainTest.Run run = run("--input=" + DATA, "--lake=s3://no-such-bucket/lake");

    assertThat(run.code(), equalTo(2));
    assertThat(run.err().lines().count(), equalTo(1L));
    assertThat(
        run.err(),
        startsWith("zonestream: --lake=s3://no-such-bucket/lake: no such bucket 'no-such-bucket'"));
  }

  @Test
  void aBackfillFromAnEmptyS3PrefixEndsTheRunWithOneLine() {
    MainTest.Run run = run("--source=landing", "--lake=s3://" + BUCKET + "/nothing/here");

    assertThat(run.code(), equalTo(2));
    assertThat(run.err().lines().count(), equalTo(1L));
    assertThat(run.err(), containsString("no landing zone to rebuild from"));
  }
}
