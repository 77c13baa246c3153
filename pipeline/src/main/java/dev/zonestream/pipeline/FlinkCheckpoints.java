package dev.zonestream.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How a Flink stream starts: from the newest completed checkpoint of the job before it, or afresh.
 *
 * <p>Flink keeps a stream's checkpoints under its {@code --stateBackendStoragePath} (by default
 * {@code <lake>/_checkpoints/flink}), one folder per job ({@code <job id>/chk-N/_metadata} once
 * checkpoint N has completed). A job that ends by a crash or a {@code kill -9} leaves them there;
 * zonestream also asks Flink to keep them when the job is cancelled (Flink deletes them then unless
 * told). A restarted stream restores the newest one ({@code --savepointPath}), so the open windows,
 * the de-duplication and the consent state and the read positions come back, and it takes over the
 * run id of the job before it (kept beside the checkpoints), so the landing and table files it
 * rewrites after the restore replace their first copies instead of landing beside them.
 *
 * <p>Beam 2.70 hands {@code --savepointPath} to Flink only when it submits to a cluster; for its
 * local mini cluster ({@code [local]}, {@code [auto]}) the restore point goes through a Flink
 * configuration folder of its own ({@code execution.savepoint.path}, {@code --flinkConfDir}), which
 * every stream gets anyway for its output flush interval ({@link #streamConf}).
 */
final class FlinkCheckpoints {
  /** Beside the checkpoints: the run id of the job they belong to and its lake. */
  static final String STREAM_FILE = "zonestream-stream.properties";

  private static final Pattern JOB_FOLDER = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern CHECKPOINT_FOLDER = Pattern.compile("chk-(\\d+)");
  private static final String METADATA = "_metadata";
  private static final String SAVEPOINT_KEY = "execution.savepoint.path";

  private FlinkCheckpoints() {}

  /**
   * What the stream starts with: its command line (with the restore point and the checkpoint
   * retention), its run id, the checkpoint or savepoint it resumes from (none for a new job) and
   * whether that was the user's {@code --savepointPath}, and the configuration folder written for a
   * local mini cluster (to delete once the job runs).
   */
  record Start(
      String[] args,
      String runId,
      @Nullable String resumedFrom,
      boolean savepointGiven,
      @Nullable Path confDir) {}

  /** A completed checkpoint: its folder and when its metadata was written. */
  record Checkpoint(Path folder, long number, FileTime completed) {}

  /**
   * Prepares the start of a Flink stream into {@code lake} with {@code args} (the streaming
   * defaults already added): resumes from the newest completed checkpoint unless {@code resume} is
   * false or {@code --savepointPath} is given, and prints one line saying which.
   *
   * @throws InvalidOptionException when the checkpoint folder holds another lake's stream
   * @throws IOException when the checkpoint folder cannot be read or written
   */
  static Start prepare(String[] args, String lake, boolean resume, PrintStream err)
      throws IOException {
    return prepare(args, lake, resume, false, err);
  }

  /**
   * As {@link #prepare(String[], String, boolean, PrintStream)}; under Flink's own client ({@code
   * flinkClient}: {@code flink run}, an application cluster) the checkpoint folder is neither
   * searched nor tidied: Flink restores only what {@code flink run -s} names, and an application
   * cluster runs this again after a JobManager failover while its job recovers from the very
   * checkpoints a set-aside would move.
   */
  static Start prepare(
      String[] args, String lake, boolean resume, boolean flinkClient, PrintStream err)
      throws IOException {
    List<String> all = new ArrayList<>(List.of(args));
    // Kept on cancel too: a stream stopped by a cancel resumes like one that crashed.
    RunnerArgs.addUnlessGiven(all, "externalizedCheckpointsEnabled", "true");
    RunnerArgs.addUnlessGiven(all, "retainExternalizedCheckpointsOnCancellation", "true");

    String storage = RunnerArgs.value(args, "stateBackendStoragePath");
    Path folder = storage == null ? null : localFolder(storage);
    String given = RunnerArgs.value(args, "savepointPath");
    Properties stream = folder == null ? new Properties() : readStreamFile(folder);
    String runId = null;
    String resumedFrom = given;

    if (folder == null) {
      // Flink's own file systems (s3://, hdfs://) are not Beam's: nothing to search here.
    } else if (given != null) {
      runId = sameLake(stream, lake) ? stream.getProperty("runId") : null;
    } else if (flinkClient) {
      // A new job, with a new run id; earlier jobs' checkpoints stay where they are.
    } else if (!resume) {
      setAside(folder, err);
    } else {
      Checkpoint newest = newest(folder);
      if (newest != null) {
        if (!sameLake(stream, lake)) {
          throw new InvalidOptionException(
              "--stateBackendStoragePath="
                  + storage
                  + " holds the checkpoints of a stream into --lake="
                  + stream.getProperty("lake")
                  + ": give this stream a checkpoint folder of its own, or --flinkResume=false to"
                  + " set those checkpoints aside and start a new job");
        }
        runId = stream.getProperty("runId");
        resumedFrom = newest.folder().toUri().toString();
        deleteOtherJobs(folder, newest.folder().getParent());
        all.add("--savepointPath=" + resumedFrom);
        err.println(
            "zonestream: resuming from Flink checkpoint "
                + resumedFrom
                + " (completed "
                + newest.completed().toInstant()
                + "); --flinkResume=false starts a new job instead");
      }
    }
    if (runId == null) {
      runId = ZonestreamPipeline.newRunId();
    }
    if (folder != null) {
      writeStreamFile(folder, runId, lake);
    }
    if (resumedFrom == null) {
      err.println(
          "zonestream: a new Flink job, run id "
              + runId
              + (flinkClient ? " (flink run -s CHECKPOINT resumes a stream from a checkpoint)" : "")
              + (folder != null || storage == null || flinkClient
                  ? ""
                  : " (checkpoints under --stateBackendStoragePath="
                      + storage
                      + " are not searched: not a local folder; --savepointPath=... resumes from"
                      + " one)"));
    } else if (given != null) {
      err.println("zonestream: resuming from --savepointPath=" + given + ", run id " + runId);
    }

    Path confDir =
        streamConf(
            resumedFrom != null && isLocal(RunnerArgs.value(args, "flinkMaster"))
                ? resumedFrom
                : null,
            "true".equals(RunnerArgs.value(args, "allowNonRestoredState")),
            RunnerArgs.value(args, "flinkConfDir"));
    if (confDir != null) {
      all.removeIf(a -> a.startsWith("--flinkConfDir="));
      all.add("--flinkConfDir=" + confDir);
    }
    return new Start(all.toArray(String[]::new), runId, resumedFrom, given != null, confDir);
  }

  /** The newest completed checkpoint of any job under {@code folder}, by completion time. */
  static @Nullable Checkpoint newest(Path folder) throws IOException {
    Checkpoint newest = null;
    for (Path job : jobFolders(folder)) {
      try (DirectoryStream<Path> checkpoints = Files.newDirectoryStream(job)) {
        for (Path checkpoint : checkpoints) {
          Matcher m = CHECKPOINT_FOLDER.matcher(checkpoint.getFileName().toString());
          Path metadata = checkpoint.resolve(METADATA);
          // Flink writes _metadata last, under a temporary name renamed when complete.
          if (!m.matches() || !Files.isRegularFile(metadata)) {
            continue;
          }
          Checkpoint found =
              new Checkpoint(
                  checkpoint, Long.parseLong(m.group(1)), Files.getLastModifiedTime(metadata));
          if (newest == null
              || Comparator.comparing(Checkpoint::completed)
                      .thenComparingLong(Checkpoint::number)
                      .compare(found, newest)
                  > 0) {
            newest = found;
          }
        }
      }
    }
    return newest;
  }

  /**
   * Moves every job's checkpoints into {@code set-aside-<time>/} under {@code folder}: a new job
   * must not resume from them, and they stay for whoever wants to restore them by hand.
   */
  private static void setAside(Path folder, PrintStream err) throws IOException {
    List<Path> jobs = jobFolders(folder);
    if (jobs.isEmpty()) {
      return;
    }
    Path aside =
        folder.resolve(
            "set-aside-"
                + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                    .withZone(ZoneOffset.UTC)
                    .format(Instant.now()));
    Files.createDirectories(aside);
    for (Path job : jobs) {
      Files.move(job, aside.resolve(job.getFileName()), StandardCopyOption.ATOMIC_MOVE);
    }
    err.println(
        "zonestream: --flinkResume=false: the checkpoints of "
            + jobs.size()
            + " earlier Flink job(s) are set aside in "
            + aside
            + " (delete them when no longer needed)");
  }

  /**
   * Deletes the job folders other than {@code keep}: older jobs, whose checkpoints the one resumed
   * from supersedes, and jobs that died before their first checkpoint completed. (Flink never
   * deletes the folder of a job it restored from: the new job's first checkpoint is a full one.)
   */
  private static void deleteOtherJobs(Path folder, Path keep) throws IOException {
    for (Path job : jobFolders(folder)) {
      if (!job.equals(keep)) {
        try (Stream<Path> paths = Files.walk(job)) {
          for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(path);
          }
        }
      }
    }
  }

  private static List<Path> jobFolders(Path folder) throws IOException {
    List<Path> jobs = new ArrayList<>();
    if (!Files.isDirectory(folder)) {
      return jobs;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
      for (Path child : children) {
        if (Files.isDirectory(child)
            && JOB_FOLDER.matcher(child.getFileName().toString()).matches()) {
          jobs.add(child);
        }
      }
    }
    return jobs;
  }

  /**
   * A stream's Flink configuration folder: a copy of the one Beam would load otherwise ({@code
   * --flinkConfDir}, else {@code FLINK_CONF_DIR}) with, unless it sets them itself, {@code
   * execution.savepoint.path} (when {@code savepoint} is not null: a local job restores only what
   * its configuration names) and an output flush interval of {@value #BUFFER_TIMEOUT}. Null when
   * there is nothing to add.
   *
   * <p>The flush interval: every task of a Flink job flushes its network buffers every 100 ms by
   * default, busy or idle; this graph has dozens of tasks, and their flushers took about 4% of a
   * core on an idle local stream. A second is nothing next to a landing window of a minute.
   */
  static @Nullable Path streamConf(
      @Nullable String savepoint, boolean allowNonRestored, @Nullable String givenConfDir)
      throws IOException {
    String base = givenConfDir != null ? givenConfDir : System.getenv("FLINK_CONF_DIR");
    Path dir = Files.createTempDirectory("zonestream-flink-conf");
    Path config = dir.resolve("config.yaml");
    if (base != null && Files.isDirectory(Path.of(base))) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of(base))) {
        for (Path file : files) {
          if (Files.isRegularFile(file)) {
            Files.copy(file, dir.resolve(file.getFileName()));
          }
        }
      }
      // Flink 1.19 reads config.yaml, or the legacy flink-conf.yaml when there is none.
      if (!Files.exists(config) && Files.exists(dir.resolve("flink-conf.yaml"))) {
        config = dir.resolve("flink-conf.yaml");
      }
    }
    String text = Files.exists(config) ? Files.readString(config, StandardCharsets.UTF_8) : "";
    StringBuilder added = new StringBuilder();
    if (savepoint != null && !text.contains(SAVEPOINT_KEY)) {
      added.append(SAVEPOINT_KEY).append(": ").append(savepoint).append('\n');
      if (allowNonRestored) {
        added.append("execution.savepoint.ignore-unclaimed-state: true\n");
      }
    }
    if (!text.contains(BUFFER_TIMEOUT_KEY)) {
      added.append(BUFFER_TIMEOUT_KEY).append(".interval: ").append(BUFFER_TIMEOUT).append('\n');
    }
    if (added.length() == 0) {
      JobRunner.deleteQuietly(dir);
      return null;
    }
    String separator = text.isEmpty() || text.endsWith("\n") ? "" : "\n";
    Files.writeString(config, text + separator + added, StandardCharsets.UTF_8);
    return dir;
  }

  /** Flink's output flush interval, by the key's stem (which its legacy name also starts with). */
  private static final String BUFFER_TIMEOUT_KEY = "execution.buffer-timeout";

  static final String BUFFER_TIMEOUT = "1000 ms";

  /**
   * {@code [local]}, {@code [auto]} (Beam's default) or no master: the mini cluster in this JVM.
   */
  private static boolean isLocal(@Nullable String master) {
    return master == null || master.equals("[local]") || master.equals("[auto]");
  }

  /** The local folder of a {@code file:} URI or a plain path; null for any other scheme. */
  static @Nullable Path localFolder(String storage) {
    if (storage.startsWith("file:")) {
      return Path.of(URI.create(storage));
    }
    return RunnerDefaults.isRemote(storage) ? null : Path.of(storage);
  }

  private static boolean sameLake(Properties stream, String lake) {
    String recorded = stream.getProperty("lake");
    return recorded == null || recorded.equals(lakeId(lake));
  }

  private static String lakeId(String lake) {
    return RunnerDefaults.isRemote(lake)
        ? lake
        : Path.of(lake).toAbsolutePath().normalize().toString();
  }

  private static Properties readStreamFile(Path folder) throws IOException {
    Properties stream = new Properties();
    Path file = folder.resolve(STREAM_FILE);
    if (Files.isRegularFile(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        stream.load(in);
      }
    }
    return stream;
  }

  private static void writeStreamFile(Path folder, String runId, String lake) throws IOException {
    Files.createDirectories(folder);
    Properties stream = new Properties();
    stream.putAll(Map.of("runId", runId, "lake", lakeId(lake)));
    Path temp = Files.createTempFile(folder, STREAM_FILE, ".tmp");
    try (OutputStream out = Files.newOutputStream(temp)) {
      stream.store(out, "the zonestream stream whose checkpoints these are");
    }
    Files.move(temp, folder.resolve(STREAM_FILE), StandardCopyOption.ATOMIC_MOVE);
  }
}
