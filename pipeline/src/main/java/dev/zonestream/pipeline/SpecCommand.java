package dev.zonestream.pipeline;

import dev.zonestream.spec.LakeSpec;
import dev.zonestream.spec.SpecDraft;
import dev.zonestream.spec.SpecException;
import dev.zonestream.spec.SpecReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code bin/zonestream spec check FILE}: reads and checks a lake spec, exit 0 with what it
 * declares, or exit 2 with one line naming the file, the dataset and the field. {@code
 * bin/zonestream spec init --input=DIR [--output=FILE] [--sampleMessages=N]}: writes a starting
 * spec inferred from the sample files under DIR, one dataset per folder.
 */
public final class SpecCommand {
  static final String USAGE =
      "Usage: bin/zonestream spec check FILE\n"
          + "       bin/zonestream spec init --input=DIR [--output=FILE] [--sampleMessages=1000]";

  private SpecCommand() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    List<String> list = Arrays.asList(args);
    if (list.isEmpty() || list.contains("--help")) {
      (list.isEmpty() ? err : out).println(USAGE);
      return list.isEmpty() ? 2 : 0;
    }
    return switch (list.get(0)) {
      case "check" -> check(list.subList(1, list.size()), out, err);
      case "init" -> init(list.subList(1, list.size()), out, err);
      default -> {
        err.println("zonestream: spec " + list.get(0) + ": unknown; " + USAGE);
        yield 2;
      }
    };
  }

  private static int check(List<String> args, PrintStream out, PrintStream err) {
    if (args.size() != 1 || args.get(0).startsWith("--")) {
      err.println("zonestream: spec check takes one file; " + USAGE);
      return 2;
    }
    LakeSpec spec;
    try {
      spec = SpecReader.read(Path.of(args.get(0)));
    } catch (SpecException e) {
      err.println("zonestream: " + e.getMessage());
      return 2;
    }
    out.println(
        args.get(0)
            + ": ok: datasets "
            + String.join(", ", spec.datasets().keySet())
            + (spec.consent() == null
                ? "; no consent rule"
                : "; consent in "
                    + spec.consent().dataset()
                    + " for "
                    + String.join(", ", spec.consent().readings().keySet()))
            + (spec.curated().isEmpty()
                ? "; no curated table"
                : "; curated " + String.join(", ", spec.curated().keySet())));
    return 0;
  }

  private static int init(List<String> args, PrintStream out, PrintStream err) {
    String input = null;
    String output = null;
    int sample = 1000;
    for (String arg : args) {
      if (arg.startsWith("--input=")) {
        input = arg.substring("--input=".length());
      } else if (arg.startsWith("--output=")) {
        output = arg.substring("--output=".length());
      } else if (arg.startsWith("--sampleMessages=")) {
        try {
          sample = Integer.parseInt(arg.substring("--sampleMessages=".length()));
        } catch (NumberFormatException e) {
          sample = 0;
        }
        if (sample < 1) {
          err.println("zonestream: " + arg + ": must be a whole number of at least 1");
          return 2;
        }
      } else {
        err.println("zonestream: spec init: unknown argument " + arg + "; " + USAGE);
        return 2;
      }
    }
    if (input == null || !Files.isDirectory(Path.of(input))) {
      err.println(
          "zonestream: spec init needs --input=DIR, a folder of one folder per dataset"
              + (input == null ? "" : " (" + input + " is none)"));
      return 2;
    }
    String draft;
    try {
      draft = SpecDraft.fromSamples(Path.of(input), sample);
    } catch (IOException e) {
      err.println("zonestream: spec init: " + e.getMessage());
      return 1;
    }
    if (output == null) {
      out.print(draft);
      return 0;
    }
    Path file = Path.of(output);
    if (Files.exists(file)) {
      err.println("zonestream: --output=" + output + ": exists; give a new file");
      return 2;
    }
    try {
      Files.writeString(file, draft, StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println("zonestream: cannot write " + output + ": " + e.getMessage());
      return 1;
    }
    err.println(
        "zonestream: wrote " + output + "; edit it, then: bin/zonestream spec check " + output);
    return 0;
  }
}
