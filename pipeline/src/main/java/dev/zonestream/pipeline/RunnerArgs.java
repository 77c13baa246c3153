package dev.zonestream.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The runner is chosen by options, never in code: this class only merges a {@code --runnerConfig}
 * argument file into the command line and adds the few options where Beam's default for a runner
 * does not suit a zonestream stream. Each added option is one a user may set themselves; what they
 * give wins.
 */
public final class RunnerArgs {
  static final String RUNNER_CONFIG = "runnerConfig";

  /**
   * Flink checkpoints a stream every this many milliseconds unless {@code --checkpointingInterval}
   * says otherwise (Beam's default, -1, never checkpoints: a crashed stream would have nothing to
   * resume from).
   */
  static final long FLINK_CHECKPOINT_MILLIS = 10_000;

  private RunnerArgs() {}

  /**
   * The command line with the options of its {@code --runnerConfig=FILE} in front: one option per
   * line, {@code #} comments and blank lines ignored; an option given on the command line replaces
   * the file's.
   */
  static String[] withRunnerConfig(String[] args) {
    String file = null;
    for (String arg : args) {
      if (arg.startsWith("--" + RUNNER_CONFIG + "=")) {
        file = arg.substring(RUNNER_CONFIG.length() + 3);
      }
    }
    if (file == null) {
      return args;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidOptionException(RUNNER_CONFIG, file, "cannot read: " + e);
    }
    Set<String> given = names(List.of(args));
    List<String> merged = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (!line.startsWith("--") || line.contains(" --") || line.length() < 3) {
        throw new InvalidOptionException(
            RUNNER_CONFIG, file, "line " + (i + 1) + ": expected one --option=value, got " + line);
      }
      if (name(line).equals(RUNNER_CONFIG)) {
        throw new InvalidOptionException(
            RUNNER_CONFIG, file, "line " + (i + 1) + ": a runner config cannot load another");
      }
      if (!given.contains(name(line))) {
        merged.add(line);
      }
    }
    merged.addAll(List.of(args));
    return merged.toArray(String[]::new);
  }

  /**
   * How often a Flink stream's sources emit a watermark unless given (Beam's default: 200 ms).
   * Measured on an idle local stream (flink-local.args, 2 cores, 30 s after 200 s idle): 19% of a
   * core with Beam's and Flink's defaults; 18% with this alone. The bundle time below and the
   * output flush interval ({@link FlinkCheckpoints#streamConf}) bought most of the rest. What
   * remains is mostly Beam's source wrapper waking every 50 ms per reader (a constant in its code),
   * checkpoints and the mini cluster's own services.
   */
  static final long FLINK_WATERMARK_MILLIS = 1_000;

  /** A Flink stream's longest bundle unless given (Beam's default: 1 s); see above. */
  static final long FLINK_BUNDLE_MILLIS = 2_000;

  /**
   * A Spark stream's micro-batch unless given. Beam's Spark Streaming runner runs every stage of
   * the graph in every micro-batch, about 2.2 core-seconds for this graph with nothing to read
   * (local[2]): at 1 s batches an idle stream used 125% of a core and fell behind; at 10 s, 23%.
   */
  static final long SPARK_BATCH_MILLIS = 10_000;

  /** Landing shards of a Spark stream unless given: see {@link #streamingDefaults}. */
  static final int SPARK_STREAM_LANDING_SHARDS = 32;

  /**
   * Options a streaming run on {@code runner} needs that Beam does not default: Flink checkpoints
   * (what a crashed stream resumes from) into {@code flinkCheckpointUri} with the heap state
   * backend (Flink's default keeps checkpoints in the JobManager's memory, at most 5 MB: the STEDI
   * files' de-duplication state outgrew it, every checkpoint failed and the job restarted over and
   * over) and runs detached (so {@code run()} returns a result to watch instead of blocking in
   * local mode); Spark Streaming keeps its checkpoint in {@code sparkCheckpointDir}. Nothing for a
   * bounded run.
   *
   * @throws InvalidOptionException when the runner cannot run a stream at all
   */
  static List<String> streamingDefaults(
      String runner,
      String[] args,
      String sparkCheckpointDir,
      String flinkCheckpointUri,
      String rejectedSource) {
    Set<String> given = names(List.of(args));
    List<String> defaults = new ArrayList<>();
    switch (runner) {
      case "FlinkRunner" -> {
        if (!given.contains("checkpointingInterval")) {
          defaults.add("--checkpointingInterval=" + FLINK_CHECKPOINT_MILLIS);
        }
        if (!given.contains("stateBackend") && !given.contains("stateBackendFactory")) {
          defaults.add("--stateBackend=filesystem");
        }
        if (!given.contains("stateBackendFactory") && !given.contains("stateBackendStoragePath")) {
          defaults.add("--stateBackendStoragePath=" + flinkCheckpointUri);
        }
        if (!given.contains("attachedMode")) {
          defaults.add("--attachedMode=false");
        }
        // An idle stream: each source reader emits a watermark every 200 ms that every operator
        // then handles; once a second is enough for windows of a minute (a small saving on its
        // own, see FLINK_WATERMARK_MILLIS).
        if (!given.contains("autoWatermarkInterval")) {
          defaults.add("--autoWatermarkInterval=" + FLINK_WATERMARK_MILLIS);
        }
        // Each DoFn operator checks every half bundle time whether its bundle is due to finish,
        // busy or idle: dozens of timers. A bundle of a quiet stream now ends after 2 s, not 1.
        if (!given.contains("maxBundleTimeMills")) {
          defaults.add("--maxBundleTimeMills=" + FLINK_BUNDLE_MILLIS);
        }
      }
      case "SparkRunner" -> {
        if (!given.contains("checkpointDir")) {
          defaults.add("--checkpointDir=" + sparkCheckpointDir);
        }
        // Beam 2.70's Spark Streaming keeps a GroupByKey's buffer as a bag that it re-encodes
        // whole on every element added: O(n^2) in the elements of one key and window. Landing
        // groups by (dataset, shard), so more shards keep each bag small (the STEDI files through
        // the embedded broker did not settle in 8 minutes with 1 shard; with 32 they did).
        if (!given.contains("landingShards")) {
          defaults.add("--landingShards=" + SPARK_STREAM_LANDING_SHARDS);
        }
        // Every micro-batch runs the whole graph, idle or not (Beam's default is 500 ms).
        if (!given.contains("batchIntervalMillis")) {
          defaults.add("--batchIntervalMillis=" + SPARK_BATCH_MILLIS);
        }
      }
      case "SparkStructuredStreamingRunner" ->
          throw new InvalidOptionException(
              "runner",
              runner,
              "Beam's structured-streaming Spark runner runs bounded pipelines only (\"Streaming"
                  + " is not supported\"); use --runner=SparkRunner (Spark Streaming) for --source="
                  + rejectedSource
                  + ", or a bounded --source (files, landing)");
      default -> {}
    }
    return defaults;
  }

  /** The value of the last {@code --name=value} in {@code args}; null when not given. */
  static @Nullable String value(String[] args, String name) {
    String value = null;
    for (String arg : args) {
      if (arg.startsWith("--" + name + "=")) {
        value = arg.substring(name.length() + 3);
      }
    }
    return value;
  }

  /**
   * Whether {@code args} give the option {@code name}, as {@code --name=value} or as a bare {@code
   * --name} (a boolean set to true).
   */
  public static boolean given(List<String> args, String name) {
    return names(args).contains(name);
  }

  /** Adds {@code --name=value} to {@code args} unless they give the option already. */
  public static void addUnlessGiven(List<String> args, String name, String value) {
    if (!given(args, name)) {
      args.add("--" + name + "=" + value);
    }
  }

  private static Set<String> names(List<String> args) {
    Set<String> names = new LinkedHashSet<>();
    for (String arg : args) {
      if (arg.startsWith("--")) {
        names.add(name(arg));
      }
    }
    return names;
  }

  private static String name(String option) {
    int eq = option.indexOf('=');
    return option.substring(2, eq < 0 ? option.length() : eq).strip();
  }

  /** The job's options from a command line, validated (Beam's required options, types). */
  static ZonestreamOptions parse(String[] args) {
    return PipelineOptionsFactory.fromArgs(args).withValidation().as(ZonestreamOptions.class);
  }
}
