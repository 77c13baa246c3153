package dev.zonestream.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/zonestream generate --output=DIR [--customers=N] [--seed=S] [--anomalies=true]}:
 * writes the seeded STEDI-shaped data set as a files-source folder ({@code DIR/<dataset>/*.jsonl}).
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
    for (String arg : args) {
      if (arg.equals("--help")) {
        out.println(
            "Usage: bin/zonestream generate --output=DIR [--customers=300] [--seed=42]"
                + " [--anomalies=true]\n"
                + "Writes DIR/<dataset>/<dataset>-0.jsonl: customer, accelerometer, step_trainer and,"
                + " with anomalies, malformed, duplicated, late and unknown-dataset messages.");
        return 0;
      }
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(0, eq) : arg;
      String value = eq > 0 ? arg.substring(eq + 1) : "";
      try {
        switch (name) {
          case "--output" -> output = value;
          case "--customers" -> customers = Integer.parseInt(value);
          case "--seed" -> seed = Long.parseLong(value);
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
