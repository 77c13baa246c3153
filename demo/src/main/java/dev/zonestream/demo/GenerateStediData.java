package dev.zonestream.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/zonestream generate --output=DIR [--customers=N] [--seed=S] [--anomalies=true]}:
 * writes the seeded STEDI-shaped data set as a files-source folder ({@code DIR/<dataset>/*.jsonl}).
 * With {@code --hostile=true [--large=true]} it writes the hostile-input corpus instead ({@link
 * HostileCorpus}: {@code testdata/hostile/} is its small tier with the default seed).
 */
public final class GenerateStediData {
  private GenerateStediData() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    String output = null;
    int customers = 300;
    long seed = 42;
    boolean anomalies = true;
    boolean hostile = false;
    boolean large = false;
    Long seedGiven = null;
    for (String arg : args) {
      if (arg.equals("--help")) {
        out.println(
            "Usage: bin/zonestream generate --output=DIR [--customers=300] [--seed=42]"
                + " [--anomalies=true]\n"
                + "       bin/zonestream generate --hostile=true --output=DIR [--large=false]"
                + " [--seed="
                + HostileCorpus.DEFAULT_SEED
                + "]\n"
                + "Writes DIR/<dataset>/<dataset>-0.jsonl: customer, accelerometer, step_trainer and,"
                + " with anomalies, malformed, duplicated, late and unknown-dataset messages.\n"
                + "--hostile writes DIR/<folder>/<kind>.jsonl, one file per kind of hostile message,"
                + " and DIR/_manifest.json (what the job must do with each kind); --large adds"
                + " lines of megabytes.");
        return 0;
      }
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(0, eq) : arg;
      String value = eq > 0 ? arg.substring(eq + 1) : "";
      try {
        switch (name) {
          case "--output" -> output = value;
          case "--customers" -> customers = Integer.parseInt(value);
          case "--seed" -> seedGiven = Long.parseLong(value);
          case "--hostile" -> hostile = parseBoolean(value);
          case "--large" -> large = parseBoolean(value);
          case "--anomalies" -> anomalies = parseBoolean(value);
          default -> {
            err.println("zonestream generate: unknown option " + arg + " (see --help)");
            return 2;
          }
        }
      } catch (IllegalArgumentException e) {
        err.println("zonestream generate: " + arg + ": not a valid value");
        return 2;
      }
    }
    if (output == null || output.isBlank()) {
      err.println("zonestream generate: --output=DIR is required");
      return 2;
    }
    if (hostile) {
      long hostileSeed = seedGiven == null ? HostileCorpus.DEFAULT_SEED : seedGiven;
      try {
        List<HostileCorpus.Kind> kinds =
            HostileCorpus.writeTo(
                new HostileCorpus(hostileSeed, large).generate(),
                hostileSeed,
                large,
                Path.of(output));
        out.println(kinds.size() + " kinds of hostile messages written to " + output);
        return 0;
      } catch (IOException e) {
        err.println(
            "zonestream generate: --output=" + output + ": cannot write: " + e.getMessage());
        return 1;
      }
    }
    if (seedGiven != null) {
      seed = seedGiven;
    }
    if (customers < 1) {
      err.println("zonestream generate: --customers=" + customers + ": must be at least 1");
      return 2;
    }
    Map<String, List<byte[]>> messages = new StediGenerator(customers, seed, anomalies).generate();
    try {
      StediGenerator.writeTo(messages, Path.of(output));
    } catch (IOException e) {
      err.println("zonestream generate: --output=" + output + ": cannot write: " + e.getMessage());
      return 1;
    }
    messages.forEach((folder, list) -> out.println(folder + ": " + list.size() + " messages"));
    return 0;
  }

  private static boolean parseBoolean(String value) {
    if (value.equals("true") || value.equals("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new IllegalArgumentException(value);
  }
}
