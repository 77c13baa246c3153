package dev.zonestream.pipeline;

import dev.zonestream.landing.CompactLandingHours;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;

/**
 * {@code bin/zonestream compact --lake=...}: rewrites the landing zone's closed hours into one file
 * per dataset and hour ({@link CompactLandingHours}), as a bounded job on the runner the options
 * name (Direct by default, or {@code --runnerConfig=runners-config/flink-local.args}, ...). Exit
 * codes as the job's: 0 done, 1 the job failed, 2 a bad option.
 */
public final class CompactLanding {
  private CompactLanding() {}

  /** The job's options and the compaction's own. */
  public interface CompactOptions extends ZonestreamOptions {
    @Description(
        "Compact an hour only when none of its landing files changed for this many minutes (a"
            + " stream still writing to it, late panes included, leaves it alone until then).")
    @Default.Long(60)
    Long getCompactQuietMinutes();

    void setCompactQuietMinutes(Long value);
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (Arrays.asList(args).contains("--help")) {
      out.println("Usage: bin/zonestream compact --lake=LAKE [--compactQuietMinutes=60]");
      PipelineOptionsFactory.printHelp(out, CompactOptions.class);
      return 0;
    }
    CompactOptions options;
    String lake;
    Set<String> kept;
    try {
      PipelineOptionsFactory.register(CompactOptions.class);
      // The compaction waits for its job to end (it prints what it did): a runner file's
      // --attachedMode=false (Flink, for streams) does not apply to it.
      String[] expanded =
          Arrays.stream(RunnerArgs.withRunnerConfig(args))
              .map(arg -> arg.startsWith("--attachedMode=") ? "--attachedMode=true" : arg)
              .toArray(String[]::new);
      options = PipelineOptionsFactory.fromArgs(expanded).withValidation().as(CompactOptions.class);
      RunnerDefaults.withS3Defaults(options, expanded);
      lake = options.getLake() == null ? "" : options.getLake().strip();
      while (lake.length() > 1 && lake.endsWith("/")) {
        lake = lake.substring(0, lake.length() - 1);
      }
      if (lake.isEmpty()) {
        throw new InvalidOptionException("lake", options.getLake(), "must name a folder or URI");
      }
      Long quiet = options.getCompactQuietMinutes();
      if (quiet == null || quiet < 0) {
        throw new InvalidOptionException("compactQuietMinutes", quiet, "must be at least 0");
      }
      LakeChecks.configure(options);
      LakeChecks.verify(lake, true, options);
      kept = KinesisStarts.evidenceFiles(lake);
    } catch (InvalidOptionException e) {
      err.println("zonestream: " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      err.println("zonestream: " + Main.firstLine(e.getMessage()));
      return 2;
    } catch (IOException e) {
      err.println("zonestream: cannot read the lake's stream records: " + e);
      return 1;
    }
    Pipeline pipeline = Pipeline.create(options);
    pipeline.apply(
        "CompactLanding",
        CompactLandingHours.create()
            .from(lake + "/landing")
            .withQuietPeriod(Duration.standardMinutes(options.getCompactQuietMinutes()))
            .keeping(kept));
    err.println(
        "zonestream: compacting the closed hours of "
            + lake
            + "/landing (quiet for "
            + options.getCompactQuietMinutes()
            + " min"
            + (kept.isEmpty() ? "" : "; keeping " + kept.size() + " Kinesis start file(s)")
            + ")");
    PipelineResult result;
    PipelineResult.State state;
    try {
      result = pipeline.run();
      state = result.waitUntilFinish();
    } catch (RuntimeException e) {
      err.println("zonestream: compaction failed: " + e);
      e.printStackTrace(err);
      return 1;
    }
    if (state != PipelineResult.State.DONE) {
      err.println("zonestream: compaction ended " + state);
      return 1;
    }
    out.println(
        summary(
            RunSummary.counts(result)
                .byNamespace()
                .getOrDefault(CompactLandingHours.COUNTERS, Map.of())));
    return 0;
  }

  /** The line printed at the end: hours, files before and after, lines. */
  static String summary(Map<String, Long> counters) {
    return String.format(
        "compacted %d hour(s): %d file(s) -> %d, %d line(s)",
        counters.getOrDefault("hours", 0L),
        counters.getOrDefault("files_before", 0L),
        counters.getOrDefault("files_after", 0L),
        counters.getOrDefault("lines", 0L));
  }
}
