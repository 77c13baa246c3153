package dev.zonestream.pipeline;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link JobRunner#runUntilSettled} as a JVM of its own, so that a test sees everything a stream's
 * job writes (its own lines, every library's log) and nothing of the test's. The first argument is
 * what the test publishes, {@code dataset=count[,dataset=count]}; the rest are the job's options.
 * Exits with the job's code.
 */
final class SettledStream {
  private SettledStream() {}

  public static void main(String[] args) {
    Map<String, Long> published = new TreeMap<>();
    for (String pair : args[0].split(",")) {
      String[] parts = pair.split("=", 2);
      published.put(parts[0], Long.parseLong(parts[1]));
    }
    String[] job = Arrays.copyOfRange(args, 1, args.length);
    int code;
    try {
      code = JobRunner.runUntilSettled(job, published, System.out, System.err);
    } catch (RuntimeException e) {
      // As Main.main reports a failed run.
      System.err.println("zonestream: run failed: " + e);
      e.printStackTrace(System.err);
      code = 1;
    }
    System.exit(code);
  }
}
