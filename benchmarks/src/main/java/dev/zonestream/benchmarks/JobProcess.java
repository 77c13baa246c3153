package dev.zonestream.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One run of the job as a user starts it, {@code bin/zonestream ARGS}, in a session and process
 * group of its own ({@code setsid}), so that a {@code kill -9} reaches every process it started, as
 * when a machine or container dies. The launcher {@code exec}s the JVM, so the group leader is the
 * job's JVM.
 */
final class JobProcess {
  private static final long STOP_TIMEOUT_MILLIS = 30_000;

  private final Process process;
  private final Path log;
  private final long startedNanos = System.nanoTime();

  private JobProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code <repository>/bin/zonestream args}, stdout and stderr to {@code log}. */
  static JobProcess start(Path repository, List<String> args, Path log) throws IOException {
    return start(repository, args, log, java.util.Map.of());
  }

  /** As above, with {@code environment} added to the job's environment (JAVA_OPTS, say). */
  static JobProcess start(
      Path repository, List<String> args, Path log, java.util.Map<String, String> environment)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add("setsid");
    command.add(repository.resolve("bin").resolve("zonestream").toString());
    command.addAll(args);
    Files.writeString(log, "$ " + String.join(" ", args) + "\n", StandardCharsets.UTF_8);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    Process process =
        builder
            .directory(repository.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return new JobProcess(process, log);
  }

  long pid() {
    return process.pid();
  }

  Path log() {
    return log;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  int exitCode() {
    return process.exitValue();
  }

  double secondsSinceStart() {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  /** Waits up to {@code seconds} for the job to end; whether it did. */
  boolean awaitExit(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  /** {@code kill -9} of the whole process group; returns once the job's JVM is gone. */
  void killHard() throws IOException, InterruptedException {
    signalGroup("KILL");
    process.waitFor();
  }

  /** {@code kill -9} of the group without waiting, for a shutdown hook. */
  void killNow() {
    try {
      signalGroup("KILL");
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Ctrl-C's signal to the group (SIGINT), then SIGKILL if it is still there after 30 s. */
  void stop() throws IOException, InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    signalGroup("INT");
    if (!process.waitFor(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
      killHard();
    }
  }

  private void signalGroup(String name) throws IOException, InterruptedException {
    // A negative pid names the process group, which setsid made the same as the leader's pid.
    new ProcessBuilder("kill", "-" + name, "--", "-" + process.pid())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor();
  }

  /**
   * CPU time (user + system, in clock ticks) used so far by process {@code pid} and every process
   * below it, from {@code /proc/<pid>/stat}; a process that ended meanwhile counts zero.
   */
  static long cpuTicks(long pid) {
    long ticks = ticksOf(pid);
    try (Stream<ProcessHandle> children =
        ProcessHandle.of(pid).map(ProcessHandle::descendants).orElse(Stream.empty())) {
      ticks += children.mapToLong(child -> ticksOf(child.pid())).sum();
    }
    return ticks;
  }

  private static long ticksOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may hold spaces: state is the
      // first, utime the 12th and stime the 13th (fields 14 and 15 of proc(5)).
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * A {@code kB} field of {@code /proc/<pid>/status} ({@code VmRSS}, {@code VmHWM}); 0 when the
   * process is gone.
   */
  static long statusKb(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // The process ended.
    }
    return 0;
  }

  /** Clock ticks per second ({@code getconf CLK_TCK}; 100 on Linux unless told otherwise). */
  static long ticksPerSecond() {
    try {
      Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
      String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      getconf.waitFor();
      return Long.parseLong(out.strip());
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }

  /** The last {@code lines} lines of the job's log. */
  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
