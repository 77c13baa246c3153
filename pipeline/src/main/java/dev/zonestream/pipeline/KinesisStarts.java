package dev.zonestream.pipeline;

import dev.zonestream.lake.LakePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.util.MimeTypes;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.joda.time.format.DateTimeFormat;
import org.joda.time.format.DateTimeFormatter;
import org.joda.time.format.ISODateTimeFormat;

/**
 * Where each Kinesis stream of a job starts: where its landing ends, so that a new job (or the same
 * command after a crash) loses nothing that was read but not landed. Kinesis has no consumer-group
 * commit without KCL's DynamoDB lease table, which zonestream does not use, and KinesisIO keeps its
 * positions in the runner's checkpoints only: the landing zone is the one record of what is safe.
 *
 * <p><b>Evidence.</b> A Kinesis stream job records, before it reads anything, which streams it
 * reads and its allowed lateness in {@code <lake>/_streams/<run id>.properties}. A final landing
 * file of that run (its run id is in the file name; any dataset) for the window {@code [s, e)}
 * proves that the run's landing watermark passed {@code e}: a landing window writes its first file
 * when the watermark passes its end, and nothing earlier. That watermark is the minimum over every
 * shard of every stream the run read (they are flattened before landing), and a shard's watermark
 * is its newest arrival time, or the clock minus {@code --maxBrokerDelaySeconds} once it has handed
 * out nothing for that long. Files of bounded runs prove nothing (a bounded read ends every window
 * at once, whatever each shard had reached) and have no record, nor do Kafka runs' files.
 *
 * <p><b>Safe point.</b> For stream {@code S} the start is {@code T = e - 2w - L}, the largest over
 * the final files of runs that read {@code S}, with {@code w} the file's window length and {@code
 * L} that run's allowed lateness. Every record of {@code S} that arrived before {@code T} is in a
 * final landing file, or the run would have dropped it as too late anyway:
 *
 * <ul>
 *   <li>a record read before the watermark passed its window's end is in that window's on-time
 *       pane, which is written before the watermark passes {@code e}; one window back covers a
 *       newest window that is only partly final (with {@code --landingShards} each shard's file is
 *       moved into place on its own), a second one the window before it, whose files may still be
 *       moving while the newest are already in place;
 *   <li>a record read after the watermark passed its window's end (arrival times are not strictly
 *       ordered within a shard, a shard whose reader was starved for longer than the max delay was
 *       taken for idle) lands in a late pane if it is within {@code L} of the watermark, else the
 *       run drops it: it arrived at or after {@code e - w - L} or it would have been dropped, so
 *       starting {@code L} earlier re-reads every late record the crashed run had not yet written.
 * </ul>
 *
 * A restarted stream starts {@code AT_TIMESTAMP} {@code T}: in each shard at the first record that
 * arrived at or after {@code T}; the records before that position arrived before {@code T}. What it
 * re-reads lands again under its own run id (landing is at least once) and the trusted zone keeps
 * each record once. The cost is about {@code 2w + L} of each stream read twice at each start; a
 * smaller {@code --allowedLatenessSeconds} re-reads less.
 *
 * <p><b>Precedence.</b> A stream job resumed from a Flink checkpoint resumes at the checkpoint's
 * read positions (the start below is what a split the checkpoint lacks would use). Else an ISO-8601
 * instant given as {@code --kinesisStartFrom} wins: a replay, or a skip the user asked for, said in
 * one line with the point the lake would have given. {@code trim-horizon} and {@code latest} say
 * where a stream with no landing yet starts, as Kafka's {@code auto.offset.reset} does for a group
 * without offsets, so that a restart with the same command resumes instead of reading the whole
 * retention again or skipping what arrived while the job was down. A bounded read ({@code
 * --maxReadSeconds}, {@code --maxMessages}) starts at {@code --kinesisStartFrom}: it rebuilds the
 * trusted and curated zones from what it reads.
 */
final class KinesisStarts {
  /** Under the lake: one file per Kinesis stream job, the evidence's key. */
  static final String RUNS_FOLDER = "_streams";

  private static final String SOURCE_KEY = "source";
  private static final String STREAMS_KEY = "streams";
  private static final String LATENESS_KEY = "allowedLatenessSeconds";

  /** {@code <dataset>-<start>-<end>-<pane>-<shard>-of-<n>-<run id>.jsonl[.gz]}. */
  private static final Pattern LANDING_FILE =
      Pattern.compile(
          "[^/]*-(\\d{8}T\\d{6}Z)-(\\d{8}T\\d{6}Z)-\\d+-\\d+-of-\\d+-([A-Za-z0-9-]+)\\.jsonl[^/]*");

  private static final DateTimeFormatter BASIC =
      DateTimeFormat.forPattern("yyyyMMdd'T'HHmmss'Z'").withZoneUTC();

  private KinesisStarts() {}

  /**
   * The landing evidence of one stream: the newest final window of a run that read it and the start
   * it gives.
   */
  record Landed(
      Instant start,
      Instant windowEnd,
      Duration window,
      Duration lateness,
      String run,
      String path) {}

  /**
   * Decides where each stream of a Kinesis job starts, prints one line per stream saying where and
   * why, records a stream job as evidence for the next one, and returns the configuration with
   * those starts.
   *
   * @param stream whether the job is a stream (else a bounded read, which never resumes)
   * @param runId the job's run id (its landing files carry it)
   * @param flinkCheckpoint the Flink checkpoint the job resumes from, or null
   * @throws IOException when the lake cannot be read or the record written: a job that cannot tell
   *     where landing ends does not guess
   */
  static JobConfig prepare(
      JobConfig config,
      boolean stream,
      String runId,
      @Nullable String flinkCheckpoint,
      PrintStream err)
      throws IOException {
    AwsSourceConfig aws = config.aws();
    String configured =
        aws.kinesisStartTimestamp() != null
            ? print(aws.kinesisStartTimestamp())
            : aws.kinesisStart().name().toLowerCase(Locale.ROOT).replace('_', '-');
    if (!stream) {
      for (String name : aws.streams().keySet()) {
        err.println(
            "zonestream: Kinesis stream "
                + name
                + " starts at "
                + configured
                + " (--kinesisStartFrom): a bounded read rebuilds trusted and curated from what it"
                + " reads, so it does not resume where landing ends");
      }
      return config;
    }
    Map<String, Landed> landed = landed(config.lake(), aws.streams().keySet());
    Map<String, Instant> starts = new LinkedHashMap<>();
    for (String name : aws.streams().keySet()) {
      Landed found = landed.get(name);
      String line;
      if (aws.kinesisStartTimestamp() != null) {
        Instant given = aws.kinesisStartTimestamp();
        line = "starts at " + configured + " (--kinesisStartFrom, given)";
        if (found != null) {
          line +=
              given.isBefore(found.start())
                  ? "; its landing ends at "
                      + print(found.start())
                      + ": records from "
                      + configured
                      + " on land again (drop --kinesisStartFrom to resume where landing ends)"
                  : "; its landing ends at "
                      + print(found.start())
                      + ": records that arrived from then until "
                      + configured
                      + " are skipped and are not in landing";
        }
      } else if (found != null) {
        starts.put(name, found.start());
        line =
            "starts at "
                + print(found.start())
                + ", where its landing ends: final landing files up to the window ending "
                + print(found.windowEnd())
                + " (run "
                + found.run()
                + "), less two windows ("
                + found.window().getStandardSeconds()
                + " s each) and the allowed lateness ("
                + found.lateness().getStandardSeconds()
                + " s); what landed since lands again (trusted keeps each record once)";
      } else {
        line =
            "starts at "
                + configured
                + " (--kinesisStartFrom): the lake holds no landing of it from an earlier stream job";
      }
      if (flinkCheckpoint != null) {
        line =
            "resumes at the read positions in Flink checkpoint "
                + flinkCheckpoint
                + " (they win over its start: it "
                + line
                + ")";
      }
      err.println("zonestream: Kinesis stream " + name + " " + line);
    }
    record(config, runId);
    return config.withAws(aws.withKinesisStreamStarts(starts));
  }

  /**
   * For each of {@code streams} with landing evidence, the newest: the largest start over the final
   * landing files of stream jobs that read it.
   */
  static Map<String, Landed> landed(String lake, Set<String> streams) throws IOException {
    Map<String, Run> runs = runs(lake);
    Map<String, Landed> found = new HashMap<>();
    if (runs.values().stream()
        .noneMatch(run -> run.streams().stream().anyMatch(streams::contains))) {
      return found;
    }
    String root = lake + "/landing";
    MatchResult match = FileSystems.match(root + "/**", EmptyMatchTreatment.ALLOW);
    if (match.status() != MatchResult.Status.OK) {
      throw new IOException("cannot list " + root + ": " + match.status());
    }
    for (MatchResult.Metadata file : match.metadata()) {
      String path = file.resourceId().toString();
      String relative = path.substring(path.indexOf(root) + root.length() + 1);
      if (!LakePaths.isFinalLakeFile(relative)) {
        continue;
      }
      Matcher name = LANDING_FILE.matcher(file.resourceId().getFilename());
      Run run = name.matches() ? runs.get(name.group(3)) : null;
      if (run == null) {
        continue;
      }
      Instant start = BASIC.parseDateTime(name.group(1)).toInstant();
      Instant end = BASIC.parseDateTime(name.group(2)).toInstant();
      Duration window = new Duration(start, end);
      Landed candidate =
          new Landed(
              end.minus(window).minus(window).minus(run.lateness()),
              end,
              window,
              run.lateness(),
              name.group(3),
              path);
      for (String stream : run.streams()) {
        if (streams.contains(stream)) {
          found.merge(stream, candidate, (a, b) -> a.start().isBefore(b.start()) ? b : a);
        }
      }
    }
    return found;
  }

  /**
   * The landing files that are evidence: for each stream any Kinesis stream job read, the file its
   * start comes from. Compaction keeps them (a compacted file names no stream run).
   */
  static Set<String> evidenceFiles(String lake) throws IOException {
    Set<String> streams = new java.util.HashSet<>();
    runs(lake).values().forEach(run -> streams.addAll(run.streams()));
    Set<String> files = new java.util.TreeSet<>();
    landed(lake, streams).values().forEach(found -> files.add(found.path()));
    return files;
  }

  /** A stream job's record: the streams it read and its landing's allowed lateness. */
  private record Run(List<String> streams, Duration lateness) {}

  private static Map<String, Run> runs(String lake) throws IOException {
    Map<String, Run> runs = new HashMap<>();
    MatchResult match =
        FileSystems.match(lake + "/" + RUNS_FOLDER + "/*.properties", EmptyMatchTreatment.ALLOW);
    if (match.status() == MatchResult.Status.NOT_FOUND) {
      return runs;
    }
    if (match.status() != MatchResult.Status.OK) {
      throw new IOException("cannot list " + lake + "/" + RUNS_FOLDER + ": " + match.status());
    }
    for (MatchResult.Metadata file : match.metadata()) {
      Properties properties = new Properties();
      try (InputStream in = Channels.newInputStream(FileSystems.open(file.resourceId()))) {
        properties.load(in);
      }
      String name = file.resourceId().getFilename();
      String runId = name.substring(0, name.length() - ".properties".length());
      String streams = properties.getProperty(STREAMS_KEY, "");
      if (!"kinesis".equals(properties.getProperty(SOURCE_KEY)) || streams.isBlank()) {
        continue;
      }
      runs.put(
          runId,
          new Run(
              List.of(streams.split(",")),
              Duration.standardSeconds(
                  Long.parseLong(properties.getProperty(LATENESS_KEY, "0").trim()))));
    }
    return runs;
  }

  /** Writes this stream job's record, before it reads anything (see Evidence above). */
  private static void record(JobConfig config, String runId) throws IOException {
    Properties properties = new Properties();
    properties.setProperty(SOURCE_KEY, "kinesis");
    properties.setProperty(
        STREAMS_KEY, String.join(",", new ArrayList<>(config.aws().streams().keySet())));
    properties.setProperty(
        LATENESS_KEY, Long.toString(config.zones().allowedLateness().getStandardSeconds()));
    try (OutputStream out =
        Channels.newOutputStream(
            FileSystems.create(
                FileSystems.matchNewResource(
                    config.lake() + "/" + RUNS_FOLDER + "/" + runId + ".properties", false),
                MimeTypes.TEXT))) {
      properties.store(
          out, "a zonestream Kinesis stream job: its final landing files show where landing ends");
    }
  }

  private static String print(Instant instant) {
    return ISODateTimeFormat.dateTimeNoMillis().withZoneUTC().print(instant);
  }
}
