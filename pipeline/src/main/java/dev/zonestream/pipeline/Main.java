package dev.zonestream.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The zonestream job's entry point: help, the options (a runner file merged in, validated into a
 * {@link JobConfig}) and the exit code. A stream's runner settings come from {@link
 * RunnerDefaults}, the checks before anything is read from {@link Preflight}, and the run from
 * {@link JobRunner} ({@link EmbeddedDemo} for the embedded default).
 *
 * <p>Exit codes: 0 done, 1 the run failed, 2 a bad option (one line on stderr naming it).
 */
public final class Main {

  private Main() {}

  /**
   * How the job was started, which decides whether this process waits for it.
   *
   * @param awaitJob whether to wait until the job ends (and print its summary); false when an
   *     engine's client submits detached ({@code flink run -d}, a Flink application cluster): the
   *     job is submitted and this process returns
   * @param flinkClient whether Flink's own client runs this code ({@code flink run} or an
   *     application cluster): Flink's settings from its command line and configuration apply, and a
   *     stream resumes only from what {@code flink run -s} names
   */
  public record Launch(boolean awaitJob, boolean flinkClient) {
    /** {@code bin/zonestream} or {@code java -jar}: waits for the job, and exits with its code. */
    public static final Launch LAUNCHER = new Launch(true, false);
  }

  /**
   * A run that ended with a non-zero exit code, thrown by the mains that run inside an engine
   * ({@code flink run}, {@code spark-submit}), where an exception, not {@code System.exit}, tells
   * the engine that the application failed. Its reason is the line the run printed before.
   */
  public static final class RunFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RunFailedException(int code) {
      super(
          "zonestream ended with exit code "
              + code
              + (code == 2
                  ? " (a bad option: the line above names it)"
                  : " (see the lines above)"));
    }
  }

  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.out, System.err);
    } catch (RuntimeException e) {
      System.err.println("zonestream: run failed: " + e);
      e.printStackTrace(System.err);
      code = 1;
    }
    // Runner and Kafka client threads may outlive the run; the job is over.
    System.exit(code);
  }

  /** Runs the job as {@code bin/zonestream} does; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, Launch.LAUNCHER);
  }

  /** Runs the job started as {@code launch} says; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err, Launch launch) {
    if (Arrays.asList(args).contains("--help")) {
      out.println(
          "Usage: bin/zonestream [--option=value ...]\n"
              + "       bin/zonestream generate --help     the seeded data generator\n"
              + "       bin/zonestream compact --help      landing compaction\n"
              + "       bin/zonestream spec --help         lake specs: check one, draft one");
      PipelineOptionsFactory.printHelp(out, ZonestreamOptions.class);
      return 0;
    }
    ZonestreamOptions options;
    JobConfig config;
    // Folders made for this run only (a stream's own checkpoint or Flink configuration folder).
    List<Path> temporaries = new ArrayList<>();
    FlinkCheckpoints.Start flink = null;
    // A stream's options for the rebuild of the tables before it, and the runner state it resumes.
    ZonestreamOptions batchOptions = null;
    String restoredBy = null;
    try {
      PipelineOptionsFactory.register(ZonestreamOptions.class);
      String[] expanded = RunnerArgs.withRunnerConfig(args);
      options = RunnerArgs.parse(expanded);
      RunnerDefaults.withS3Defaults(options, expanded);
      config = Preflight.configure(options);
      boolean stream =
          config.source() == SourceType.KAFKA
              || config.source() == SourceType.EMBEDDED_KAFKA
              || ((config.source() == SourceType.KINESIS || config.source() == SourceType.SQS)
                  && !config.aws().bounded());
      if (stream) {
        RunnerDefaults.withDirectStreamChecksOff(options, expanded);
      }
      if (config.source() == SourceType.EMBEDDED_KAFKA && !demoAvailable()) {
        throw new InvalidOptionException(
            "--source="
                + config.source().label()
                + ": this jar carries no Kafka broker (the cluster jars leave the demo out); give"
                + " --bootstrapServers=HOST:PORT of your brokers, or a bounded --input=DIR");
      }
      if (stream) {
        RunnerDefaults.StreamStart start =
            RunnerDefaults.forStream(options, expanded, config, launch, err);
        temporaries.addAll(start.temporaries());
        batchOptions = options;
        options = start.options();
        flink = start.flink();
        restoredBy = start.restoredBy();
      }
    } catch (InvalidOptionException e) {
      err.println("zonestream: " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      err.println("zonestream: " + firstLine(e.getMessage()) + runnerHint(e.getMessage()));
      return 2;
    } catch (IOException e) {
      err.println("zonestream: cannot prepare the stream's checkpoint folder: " + e);
      return 1;
    }
    try {
      return switch (config.source()) {
        case FILES, LANDING -> JobRunner.runBounded(options, config, launch, out, err);
        case KAFKA -> {
          Preflight.verifyKafka(config);
          int rebuilt = JobRunner.rebuildTablesOnStart(batchOptions, config, restoredBy, err);
          yield rebuilt != 0
              ? rebuilt
              : JobRunner.runStream(options, config, flink, launch, out, err);
        }
        case EMBEDDED_KAFKA -> EmbeddedDemo.runEmbedded(options, config, out, err);
        case KINESIS, SQS -> {
          Preflight.verifyEndpoints(config);
          if (config.aws().bounded()) {
            yield JobRunner.runBounded(options, config, launch, out, err);
          }
          int rebuilt = JobRunner.rebuildTablesOnStart(batchOptions, config, restoredBy, err);
          yield rebuilt != 0
              ? rebuilt
              : JobRunner.runStream(options, config, flink, launch, out, err);
        }
      };
    } catch (InvalidOptionException e) {
      err.println("zonestream: " + e.getMessage());
      return 2;
    } finally {
      temporaries.forEach(JobRunner::deleteQuietly);
    }
  }

  /**
   * Whether this classpath has the demo module (zonestream-demo) and Kafka's broker: the launcher's
   * classpath has both, the cluster jars neither (a cluster reads real brokers). Asked by name, so
   * that nothing here links a class of the demo.
   */
  private static boolean demoAvailable() {
    for (String name :
        List.of("dev.zonestream.demo.EmbeddedKafka", "kafka.server.KafkaRaftServer")) {
      try {
        Class.forName(name, false, Main.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        return false;
      }
    }
    return true;
  }

  /** Beam names the runners it found; say where the others come from. */
  private static String runnerHint(@Nullable String message) {
    return message != null && message.startsWith("Unknown 'runner' specified")
        ? " (bin/zonestream puts FlinkRunner's and SparkRunner's jars on the classpath: see"
            + " runners-config/README.md)"
        : "";
  }

  static String firstLine(String message) {
    if (message == null) {
      return "invalid arguments";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
