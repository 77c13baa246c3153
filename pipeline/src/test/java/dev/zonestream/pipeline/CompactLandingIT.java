package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;

import dev.zonestream.demo.StediGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/zonestream compact}: one file per dataset and closed hour, every landing line kept
 * byte for byte, the same tables from a backfill of the compacted lake, and a compaction that died
 * half-way finished by the next.
 */
class CompactLandingIT {
  @TempDir static Path work;
  private static Path origin;

  /** One bounded run's lake; each test compacts a copy of it. */
  @BeforeAll
  static void landGeneratedData() throws IOException {
    Path input = work.resolve("input");
    StediGenerator.writeTo(new StediGenerator(30, 11, true).generate(), input);
    origin = work.resolve("origin");
    MainTest.Run run = MainTest.run("--input=" + input, "--lake=" + origin, "--windowSeconds=60");
    assertThat(run.err(), run.code(), equalTo(0));
  }

  /** A copy of the bounded run's lake, its files' times kept. */
  private static Path copyOfOrigin(String name) throws IOException {
    Path lake = work.resolve(name);
    try (Stream<Path> paths = Files.walk(origin)) {
      for (Path from : paths.toList()) {
        Path to = lake.resolve(origin.relativize(from).toString());
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else {
          Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return lake;
  }

  record Run(int code, String out, String err) {}

  static Run compact(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        CompactLanding.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Every landing data file (empty files left out), by path relative to the lake. */
  static List<Path> landingFiles(Path lake) throws IOException {
    try (Stream<Path> files = Files.walk(lake.resolve("landing"))) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !lake.relativize(p).toString().contains("/."))
          .filter(p -> !p.getFileName().toString().startsWith("_empty."))
          .sorted()
          .toList();
    }
  }

  /** Every landing line, exactly as stored (decompressed), sorted. */
  static List<String> landingLines(Path lake) throws IOException {
    List<String> lines = new ArrayList<>();
    for (Path file : landingFiles(lake)) {
      try (InputStream raw = Files.newInputStream(file);
          InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        for (String line : text.split("\n", -1)) {
          if (!line.isEmpty()) {
            lines.add(line);
          }
        }
      }
    }
    Collections.sort(lines);
    return lines;
  }

  /** Data files per hour folder. */
  static Map<String, Integer> filesPerHour(Path lake) throws IOException {
    Map<String, Integer> perHour = new TreeMap<>();
    for (Path file : landingFiles(lake)) {
      perHour.merge(lake.relativize(file.getParent()).toString(), 1, Integer::sum);
    }
    return perHour;
  }

  static Map<String, List<String>> tables(Path lake) throws IOException {
    Map<String, List<String>> tables = new TreeMap<>();
    for (String table : ZonesIT.TABLES) {
      tables.put(
          table,
          LakeFiles.readAll(lake.resolve(table)).stream().map(Object::toString).sorted().toList());
    }
    return tables;
  }

  @Test
  void compactsClosedHoursKeepingEveryLineAndABackfillGivesTheSameTables() throws Exception {
    Path lake = copyOfOrigin("lake");
    Map<String, List<String>> tablesBefore = tables(lake);
    List<String> linesBefore = landingLines(lake);
    int filesBefore = landingFiles(lake).size();
    assertThat(filesPerHour(lake).values().stream().anyMatch(n -> n > 1), equalTo(true));

    // Just written: no hour has been quiet for an hour, nothing changes.
    Run quiet = compact("--lake=" + lake);
    assertThat(quiet.err(), quiet.code(), equalTo(0));
    assertThat(landingFiles(lake).size(), equalTo(filesBefore));

    Run done = compact("--lake=" + lake, "--compactQuietMinutes=0");
    assertThat(done.err(), done.code(), equalTo(0));
    System.out.printf(
        "landing files: %d before, %d after%n", filesBefore, landingFiles(lake).size());
    assertThat(landingFiles(lake).size(), lessThan(filesBefore));
    assertThat(filesPerHour(lake).values().stream().allMatch(n -> n == 1), equalTo(true));
    assertThat(landingLines(lake), equalTo(linesBefore));

    // A backfill of the compacted landing gives the same tables.
    MainTest.Run backfill = MainTest.run("--source=landing", "--lake=" + lake);
    assertThat(backfill.err(), backfill.code(), equalTo(0));
    assertThat(tables(lake), equalTo(tablesBefore));
    assertThat(tablesBefore.get("trusted/accelerometer").size(), greaterThan(0));
  }

  @Test
  void theNextCompactionFinishesOneThatDiedAndKeepsAKinesisStreamsNewestFile() throws Exception {
    Path lake = copyOfOrigin("crashed");
    List<String> linesBefore = landingLines(lake);
    Map<String, Integer> perHour = filesPerHour(lake);
    String busiest =
        perHour.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    Path hour = lake.resolve(busiest);
    List<Path> sources;
    try (Stream<Path> files = Files.list(hour)) {
      sources = files.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
    assertThat(sources.size(), greaterThan(2));

    // Died after the rename: the compacted file is in place, two of its sources still are too.
    Path compacted =
        hour.resolve("x-20230101T000000Z-20230101T010000Z-0-00000-of-00001-cdead-0000.jsonl.gz");
    Path first = sources.get(0);
    Path second = sources.get(1);
    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(compacted))) {
      for (Path source : List.of(first, second)) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(source))) {
          in.transferTo(out);
        }
      }
    }
    Files.writeString(
        hour.resolve(".compacted-" + compacted.getFileName() + ".sources"),
        first + "\n" + second + "\n");
    // Died before its rename: a temporary file the readers skip.
    Files.writeString(hour.resolve(".compacting-cdead-0001.jsonl.gz"), "half");
    // A Kinesis stream job's newest landing file is where the next one starts: it stays.
    Path newest = sources.get(sources.size() - 1);
    String runId =
        newest.getFileName().toString().replaceFirst(".*-of-\\d+-(r[0-9TZ]+-[0-9a-f]+)\\..*", "$1");
    Files.createDirectories(lake.resolve(KinesisStarts.RUNS_FOLDER));
    Files.writeString(
        lake.resolve(KinesisStarts.RUNS_FOLDER).resolve(runId + ".properties"),
        "source=kinesis\nstreams=s1\nallowedLatenessSeconds=0\n");
    String kept = KinesisStarts.evidenceFiles(lake.toString()).iterator().next();

    Run done = compact("--lake=" + lake, "--compactQuietMinutes=0");
    assertThat(done.err(), done.code(), equalTo(0));

    assertThat(Files.exists(Path.of(kept)), equalTo(true));
    assertThat(Files.exists(first), equalTo(false));
    assertThat(Files.exists(hour.resolve(".compacting-cdead-0001.jsonl.gz")), equalTo(false));
    try (Stream<Path> left = Files.list(hour)) {
      assertThat(left.filter(p -> p.getFileName().toString().startsWith(".")).count(), equalTo(0L));
    }
    assertThat(landingLines(lake), equalTo(linesBefore));
  }
}
