package dev.zonestream.benchmarks;

import dev.zonestream.demo.StediGenerator;
import dev.zonestream.model.Tables;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.common.TopicPartition;

/**
 * A chaos benchmark of the whole job as a user runs it: a Kafka broker of its own (the project's
 * {@code EmbeddedKafka} in a JVM of its own), the seeded generator's messages published over time,
 * and {@code bin/zonestream --source=kafka ...} as a process that is killed with {@code kill -9}
 * (its whole process group) at seeded random moments and started again with the same command, while
 * the broker is frozen once (SIGSTOP/SIGCONT) and stopped and started once on the same ports and
 * data folder. Then the last run settles and the lake is audited: every message the broker holds
 * against the landing lines' envelopes (lost, landed twice), and the trusted and curated tables
 * against a bounded run over the same messages (and a backfill of the stream's own landing zone).
 * Also the job's CPU use while idle. One table per runner; exit code 1 when a message was lost.
 *
 * <pre>
 * mvn -o -q -pl benchmarks -am compile exec:exec@chaos -Dchaos.args="--runners=DirectRunner"
 * </pre>
 *
 * <p>See benchmarks/README.md for what each figure means.
 */
public final class ChaosBenchmark {
  private static final String GROUP = "zonestream-chaos";
  private static final String TOPIC_PREFIX = "chaos.";
  private static final int PARTITIONS = 2;
  private static final long MAX_BROKER_DELAY_SECONDS = 5;
  private static final long BUILD_TIMEOUT_MINUTES = 20;
  private static final long BATCH_TIMEOUT_MINUTES = 30;

  private final ChaosOptions options;
  private final Path repository;
  private final PrintStream err;
  private final long ticksPerSecond = JobProcess.ticksPerSecond();

  private ChaosBenchmark(ChaosOptions options, Path repository, PrintStream err) {
    this.options = options;
    this.repository = repository;
    this.err = err;
  }

  /** The benchmark's options. */
  public interface ChaosOptions extends PipelineOptions {
    @Description("Runners to try, one after the other: DirectRunner, FlinkRunner, SparkRunner.")
    @Default.String("DirectRunner,FlinkRunner")
    String getRunners();

    void setRunners(String value);

    @Description(
        "About this many messages (the generator's customers are sized to it; the exact count is"
            + " printed).")
    @Default.Integer(20_000)
    int getMessages();

    void setMessages(int value);

    @Description("Seed of the generator, the faults and the gaps between them.")
    @Default.Long(42)
    long getSeed();

    void setSeed(long value);

    @Description("kill -9 of the job's process group, each followed by a restart.")
    @Default.Integer(5)
    int getKills();

    void setKills(int value);

    @Description("Batches of readings published after the customers, one per interval.")
    @Default.Integer(8)
    int getBatches();

    void setBatches(int value);

    @Description("Seconds between two batches of readings.")
    @Default.Integer(15)
    int getBatchIntervalSeconds();

    void setBatchIntervalSeconds(int value);

    @Description("Hours of broker time the messages' timestamps span, ending at the start.")
    @Default.Integer(3)
    int getBrokerHours();

    void setBrokerHours(int value);

    @Description("Seconds the broker is frozen (SIGSTOP); -1: drawn from 30 to 60; 0: no stall.")
    @Default.Integer(-1)
    int getStallSeconds();

    void setStallSeconds(int value);

    @Description("Stop and start the broker once (same ports and data folder).")
    @Default.Boolean(true)
    boolean getRestartBroker();

    void setRestartBroker(boolean value);

    @Description(
        "FlinkRunner: start each new run from the newest complete checkpoint the killed run left"
            + " (--savepointPath=...), as a Flink operator would, instead of the same command.")
    @Default.Boolean(false)
    boolean getRestoreFromCheckpoint();

    void setRestoreFromCheckpoint(boolean value);

    @Description("The job's --windowSeconds.")
    @Default.Integer(30)
    int getWindowSeconds();

    void setWindowSeconds(int value);

    @Description("The job's --consentWaitSeconds.")
    @Default.Integer(30)
    int getConsentWaitSeconds();

    void setConsentWaitSeconds(int value);

    @Description("More options for every run of the job, separated by spaces.")
    @Default.String("")
    String getJobArgs();

    void setJobArgs(String value);

    @Description("Seconds of idle over which the job's CPU use is measured, once all has landed.")
    @Default.Integer(30)
    int getIdleSeconds();

    void setIdleSeconds(int value);

    @Description(
        "Once the consumer group has no lag, seconds without a new landed message after which the"
            + " missing ones count as lost.")
    @Default.Integer(150)
    int getQuietSeconds();

    void setQuietSeconds(int value);

    @Description("Give up waiting for the last run to land and settle after this many seconds.")
    @Default.Integer(900)
    int getSettleTimeoutSeconds();

    void setSettleTimeoutSeconds(int value);

    @Description("Also backfill (--source=landing) a copy of the stream's landing zone.")
    @Default.Boolean(true)
    boolean getBackfill();

    void setBackfill(boolean value);

    @Description("Folder for the brokers' data, the lakes and the logs (emptied per runner).")
    @Default.String("target/chaos")
    String getWorkDir();

    void setWorkDir(String value);
  }

  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.out, System.err);
    } catch (IllegalArgumentException e) {
      System.err.println("ChaosBenchmark: " + e.getMessage());
      code = 2;
    } catch (Exception e) {
      e.printStackTrace();
      code = 3;
    }
    System.out.flush();
    System.err.flush();
    System.exit(code);
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    PipelineOptionsFactory.register(ChaosOptions.class);
    ChaosOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(ChaosOptions.class);
    if (options.getMessages() < 100
        || options.getKills() < 0
        || options.getBatches() < 1
        || options.getBatchIntervalSeconds() < 0
        || options.getBrokerHours() < 0
        || options.getWindowSeconds() < 1
        || options.getConsentWaitSeconds() < 1
        || options.getIdleSeconds() < 1
        || options.getQuietSeconds() < 1) {
      throw new IllegalArgumentException(
          "--messages must be at least 100, --batches, --windowSeconds, --consentWaitSeconds,"
              + " --idleSeconds and --quietSeconds at least 1, the others not negative");
    }
    ChaosBenchmark benchmark = new ChaosBenchmark(options, findRepository(), err);
    List<Result> results = new ArrayList<>();
    for (String runner : options.getRunners().split(",")) {
      Result result = benchmark.runOne(runner.strip());
      result.print(out);
      results.add(result);
    }
    Result.printSummary(results, out);
    return results.stream().anyMatch(r -> r.lost > 0) ? 1 : 0;
  }

  /** The repository root: the folder above the working directory that holds bin/zonestream. */
  static Path findRepository() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isExecutable(dir.resolve("bin").resolve("zonestream"))) {
        return dir;
      }
    }
    throw new IllegalArgumentException(
        "run it inside the zonestream repository (no bin/zonestream above "
            + Path.of("").toAbsolutePath()
            + ")");
  }

  private final long startNanos = System.nanoTime();

  private void log(String message) {
    err.printf(
        Locale.ROOT, "[chaos %7.1f s] %s%n", (System.nanoTime() - startNanos) / 1e9, message);
  }

  /** The state of one runner's chaos run. */
  private final class Run {
    final String runner;
    final Path dir;
    final Path lake;
    final BrokerProcess broker;
    final LakeAudit audit;
    final List<String> jobArgs;
    final Result result;
    JobProcess job;

    Run(String runner, Path dir, BrokerProcess broker, Result result) {
      this.runner = runner;
      this.dir = dir;
      this.lake = dir.resolve("lake");
      this.broker = broker;
      this.audit = new LakeAudit(lake);
      this.result = result;
      List<String> args = new ArrayList<>();
      args.add("--runner=" + runner);
      args.add("--source=kafka");
      args.add("--bootstrapServers=" + broker.bootstrapServers());
      args.add("--lake=" + lake);
      args.add("--consumerGroup=" + GROUP);
      args.add(
          "--topics=customer="
              + TOPIC_PREFIX
              + "customer,accelerometer="
              + TOPIC_PREFIX
              + "accelerometer,step_trainer="
              + TOPIC_PREFIX
              + "step_trainer");
      args.add("--topicPattern=" + TOPIC_PREFIX.replace(".", "\\.") + ".*");
      args.add("--windowSeconds=" + options.getWindowSeconds());
      args.add("--consentWaitSeconds=" + options.getConsentWaitSeconds());
      args.add("--maxBrokerDelaySeconds=" + MAX_BROKER_DELAY_SECONDS);
      args.addAll(extraJobArgs());
      this.jobArgs = List.copyOf(args);
    }

    void startJob() throws IOException {
      result.runs++;
      List<String> args = new ArrayList<>(jobArgs);
      String restored = "";
      if (options.getRestoreFromCheckpoint()) {
        Path checkpoint = latestFlinkCheckpoint(lake.resolve("_checkpoints").resolve("flink"));
        if (checkpoint != null) {
          // Beam 2.70 applies --savepointPath only when submitting to a remote cluster; a [local]
          // mini cluster takes the restore path from its Flink configuration.
          Path conf = dir.resolve("flink-conf-" + result.runs);
          Files.createDirectories(conf);
          Files.writeString(
              conf.resolve("config.yaml"),
              "execution.savepoint.path: " + checkpoint.toUri() + "\n",
              StandardCharsets.UTF_8);
          args.add("--savepointPath=" + checkpoint.toUri());
          args.add("--flinkConfDir=" + conf);
          restored = ", restored from " + lake.relativize(checkpoint);
          result.restores++;
        }
      }
      job = JobProcess.start(repository, args, dir.resolve("job-" + result.runs + ".log"));
      log("job run " + result.runs + " started (pid " + job.pid() + restored + ")");
    }

    /** Restarts the job if it ended by itself (while the broker is up), as a supervisor would. */
    void keepJobRunning() throws IOException {
      if (!job.isAlive() && !broker.isStopped()) {
        result.selfExits++;
        log(
            "job run "
                + result.runs
                + " ended by itself with exit code "
                + job.exitCode()
                + "; its log ends:\n"
                + job.tail(15));
        startJob();
      }
    }

    /** Sleeps {@code seconds}, restarting the job if it ends meanwhile. */
    void pause(double seconds) throws IOException, InterruptedException {
      long until = System.nanoTime() + (long) (seconds * 1e9);
      while (System.nanoTime() < until) {
        keepJobRunning();
        Thread.sleep(Math.min(1000, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
      }
    }
  }

  /**
   * The newest complete Flink checkpoint ({@code <job id>/chk-<n>} holding {@code _metadata}) under
   * {@code root}, else none. A kill -9 leaves every checkpoint in place; one it interrupted has no
   * {@code _metadata}.
   */
  private static Path latestFlinkCheckpoint(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return null;
    }
    try (Stream<Path> paths = Files.walk(root, 3)) {
      return paths
          .filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(Path::getParent)
          .filter(p -> p.getFileName().toString().startsWith("chk-"))
          .max(Comparator.comparingLong(ChaosBenchmark::modifiedMillis))
          .orElse(null);
    }
  }

  private static long modifiedMillis(Path path) {
    try {
      return Files.getLastModifiedTime(path.resolve("_metadata")).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private List<String> extraJobArgs() {
    String extra = options.getJobArgs().strip();
    return extra.isEmpty() ? List.of() : Arrays.asList(extra.split("\\s+"));
  }

  private Result runOne(String runner) throws Exception {
    Path dir = Path.of(options.getWorkDir()).toAbsolutePath().resolve(runner);
    deleteRecursively(dir);
    Files.createDirectories(dir);
    log(runner + ": work folder " + dir);
    ensureBuilt(runner, dir);

    Map<String, List<byte[]>> byFolder = generate();
    Map<String, String> topicOf = new LinkedHashMap<>();
    byFolder.keySet().forEach(folder -> topicOf.put(folder, TOPIC_PREFIX + folder));
    ChaosPlan plan =
        ChaosPlan.of(
            byFolder,
            topicOf,
            options.getSeed(),
            options.getBatches(),
            options.getKills(),
            options.getStallSeconds(),
            options.getRestartBroker(),
            options.getBrokerHours(),
            System.currentTimeMillis());
    Result result = new Result(runner, options.getSeed(), plan.messageCount());

    BrokerProcess broker = BrokerProcess.start(dir.resolve("kafka"), dir.resolve("broker.log"));
    log("started " + broker);
    ExecutorService publishing = Executors.newSingleThreadExecutor();
    Run run = new Run(runner, dir, broker, result);
    // Interrupted (Ctrl-C, a kill of this JVM): leave no job or broker behind.
    Thread cleanup =
        new Thread(
            () -> {
              if (run.job != null) {
                run.job.killNow();
              }
              broker.killNow();
            },
            "chaos-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      broker.createTopics(topicOf.values(), PARTITIONS);
      try (BatchPublisher publisher = new BatchPublisher(broker.bootstrapServers())) {
        long chaosStart = System.nanoTime();
        result.acked.addAndGet(publisher.publish(plan.batches.get(0)));
        log("published batch 0: " + plan.batches.get(0).size() + " customer records");
        run.startJob();
        awaitCustomersLanded(run, plan.batches.get(0).size());

        Future<?> readings =
            publishing.submit(
                () -> {
                  for (int b = 1; b < plan.batches.size(); b++) {
                    if (b > 1) {
                      sleep(options.getBatchIntervalSeconds() * 1000L);
                    }
                    result.acked.addAndGet(publisher.publish(plan.batches.get(b)));
                    log("published batch " + b + ": " + plan.batches.get(b).size() + " messages");
                  }
                  return null;
                });
        injectFaults(run, plan);
        while (!readings.isDone()) {
          run.pause(1);
        }
        readings.get();
        result.chaosSeconds = (System.nanoTime() - chaosStart) / 1e9;
      }
      settle(run);
      measureIdle(run);
      run.job.stop();
      log("stopped the last job run");
      audit(run, byFolder);
    } finally {
      publishing.shutdownNow();
      if (run.job != null) {
        run.job.stop();
      }
      if (broker.isStopped()) {
        broker.startAgain();
      }
      broker.stop();
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
    return result;
  }

  private void ensureBuilt(String runner, Path dir) throws IOException, InterruptedException {
    ensureBuilt(repository, runner, dir);
  }

  /**
   * Runs {@code <repository>/bin/zonestream --runner=R --help} once (its log in {@code dir}), which
   * builds the runner's classpath if needed.
   */
  static void ensureBuilt(Path repository, String runner, Path dir)
      throws IOException, InterruptedException {
    JobProcess help =
        JobProcess.start(
            repository, List.of("--runner=" + runner, "--help"), dir.resolve("build.log"));
    if (!help.awaitExit(BUILD_TIMEOUT_MINUTES * 60) || help.exitCode() != 0) {
      throw new IllegalStateException(
          "bin/zonestream --runner=" + runner + " --help failed:\n" + help.tail(30));
    }
  }

  private Map<String, List<byte[]>> generate() {
    int sample = 200;
    long sampled =
        new StediGenerator(sample, options.getSeed(), true)
            .generate().values().stream().mapToLong(List::size).sum();
    int customers =
        (int) Math.max(1, Math.round((double) options.getMessages() * sample / sampled));
    return new StediGenerator(customers, options.getSeed(), true).generate();
  }

  private void awaitCustomersLanded(Run run, long customers) throws Exception {
    long deadline = System.nanoTime() + options.getSettleTimeoutSeconds() * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      long landed =
          run.audit.landedCoordinates().keySet().stream()
              .filter(c -> c.startsWith(TOPIC_PREFIX + "customer/"))
              .count();
      if (landed >= customers) {
        log("all " + customers + " customer records landed; the faults begin");
        return;
      }
      run.pause(2);
    }
    throw new IllegalStateException(
        "the customer records did not land in time; the job's log ends:\n" + run.job.tail(30));
  }

  private void injectFaults(Run run, ChaosPlan plan) throws Exception {
    for (ChaosPlan.Fault fault : plan.faults) {
      run.pause(fault.gapSeconds());
      switch (fault.kind()) {
        case KILL_JOB -> {
          double age = run.job.secondsSinceStart();
          run.job.killHard();
          run.result.kills++;
          log(
              String.format(
                  Locale.ROOT,
                  "kill -9 of job run %d, %.1f s after its start",
                  run.result.runs,
                  age));
          run.startJob();
        }
        case STALL_BROKER -> {
          log("broker frozen (SIGSTOP) for " + fault.durationSeconds() + " s");
          run.broker.freeze();
          try {
            run.pause(fault.durationSeconds());
          } finally {
            run.broker.thaw();
          }
          run.result.stalls++;
          run.result.stallSeconds += fault.durationSeconds();
          log("broker thawed (SIGCONT)");
        }
        case RESTART_BROKER -> {
          long stopping = System.nanoTime();
          run.broker.stop();
          log(
              String.format(
                  Locale.ROOT,
                  "broker stopped (SIGTERM, %.1f s); starting it again in %d s",
                  (System.nanoTime() - stopping) / 1e9,
                  fault.durationSeconds()));
          sleep(fault.durationSeconds() * 1000L);
          run.broker.startAgain();
          run.result.brokerRestarts++;
          log("broker started again: " + run.broker);
        }
      }
    }
  }

  /**
   * Waits for the last run to land every message the broker holds, or for it to stop making
   * progress (landed count and consumer group lag unchanged for {@code --quietSeconds}, with no lag
   * left: the missing messages are lost; three times that with lag left: the job is stuck), then
   * for the tables to settle: three consent waits plus a window of wall time (the broker's
   * partitions are idle, so their watermark follows the clock), then table row counts unchanged
   * between two looks.
   */
  private void settle(Run run) throws Exception {
    long start = System.nanoTime();
    long deadline = start + options.getSettleTimeoutSeconds() * 1_000_000_000L;
    Set<String> sent = sentCoordinates(run.broker);
    long quietNanos = options.getQuietSeconds() * 1_000_000_000L;
    long lastChange = System.nanoTime();
    String lastProgress = "";
    long lastReport = 0;
    while (true) {
      run.keepJobRunning();
      long landed = run.audit.landedCoordinates().keySet().stream().filter(sent::contains).count();
      long lag = lag(run.broker);
      long now = System.nanoTime();
      String progress = landed + "/" + lag;
      if (!progress.equals(lastProgress)) {
        lastProgress = progress;
        lastChange = now;
      }
      if (now - lastReport > 10_000_000_000L) {
        lastReport = now;
        log("landed " + landed + " of " + sent.size() + ", consumer group lag " + lag);
      }
      if (landed == sent.size()) {
        log("every message the broker holds is in a final landing file");
        break;
      }
      if (now - lastChange > (lag == 0 ? quietNanos : 3 * quietNanos)) {
        log(
            "no progress for "
                + (now - lastChange) / 1_000_000_000L
                + " s with "
                + (sent.size() - landed)
                + " messages in no landing file and a consumer group lag of "
                + lag);
        break;
      }
      if (now > deadline) {
        run.result.settled = false;
        log("landing did not settle within --settleTimeoutSeconds");
        break;
      }
      Thread.sleep(2000);
    }
    run.result.landSeconds = (System.nanoTime() - start) / 1e9;

    long landedAt = System.nanoTime();
    long joinsNanos =
        (3L * options.getConsentWaitSeconds()
                + options.getWindowSeconds()
                + MAX_BROKER_DELAY_SECONDS)
            * 1_000_000_000L;
    long lookNanos = Math.max(10, options.getWindowSeconds()) * 1_000_000_000L;
    Map<String, Long> previous = null;
    while (System.nanoTime() < deadline) {
      run.pause(Math.max(1, (landedAt + joinsNanos - System.nanoTime()) / 1e9));
      Map<String, Long> rows = run.audit.tableLineCounts();
      if (rows.equals(previous)) {
        log("tables unchanged over " + lookNanos / 1_000_000_000L + " s: " + rows);
        run.result.settleSeconds = (System.nanoTime() - start) / 1e9;
        return;
      }
      previous = rows;
      run.pause(lookNanos / 1e9);
    }
    run.result.settled = false;
    run.result.settleSeconds = (System.nanoTime() - start) / 1e9;
    log("the tables did not settle within --settleTimeoutSeconds");
  }

  /** The job's (and the broker's) CPU use over {@code --idleSeconds} once all has settled. */
  private void measureIdle(Run run) throws Exception {
    int runs = run.result.runs;
    long jobBefore = JobProcess.cpuTicks(run.job.pid());
    long brokerBefore = JobProcess.cpuTicks(run.broker.pid());
    long start = System.nanoTime();
    run.pause(options.getIdleSeconds());
    double seconds = (System.nanoTime() - start) / 1e9;
    long jobTicks = JobProcess.cpuTicks(run.job.pid()) - jobBefore;
    long brokerTicks = JobProcess.cpuTicks(run.broker.pid()) - brokerBefore;
    if (run.result.runs != runs) {
      log("the job restarted while idle: no idle CPU figure");
      return;
    }
    run.result.idleJobCpu = 100.0 * jobTicks / ticksPerSecond / seconds;
    run.result.idleBrokerCpu = 100.0 * brokerTicks / ticksPerSecond / seconds;
    log(
        String.format(
            Locale.ROOT,
            "idle CPU over %.0f s: job (pid %d and children) %.1f%% of one core, broker %.1f%%",
            seconds,
            run.job.pid(),
            run.result.idleJobCpu,
            run.result.idleBrokerCpu));
  }

  private Set<String> sentCoordinates(BrokerProcess broker) throws Exception {
    Set<String> sent = new HashSet<>();
    for (Map.Entry<TopicPartition, Long> end : broker.endOffsets(topics(broker)).entrySet()) {
      for (long offset = 0; offset < end.getValue(); offset++) {
        sent.add(end.getKey().topic() + "/" + end.getKey().partition() + "/" + offset);
      }
    }
    return sent;
  }

  private static Set<String> topics(BrokerProcess broker) {
    Set<String> topics = new HashSet<>();
    for (String folder :
        List.of("customer", "accelerometer", "step_trainer", StediGenerator.UNKNOWN_FOLDER)) {
      topics.add(TOPIC_PREFIX + folder);
    }
    return topics;
  }

  private long lag(BrokerProcess broker) throws InterruptedException {
    return broker.lag(GROUP, topics(broker));
  }

  /** Counts the landing zone against the broker, and compares the tables with batch runs. */
  private void audit(Run run, Map<String, List<byte[]>> byFolder) throws Exception {
    Result result = run.result;
    Set<String> sent = sentCoordinates(run.broker);
    Map<String, Integer> landed = run.audit.landedCoordinates();
    result.sent = sent.size();
    for (Map.Entry<String, Integer> coordinate : landed.entrySet()) {
      if (sent.contains(coordinate.getKey())) {
        result.landed++;
        result.landingDuplicates += coordinate.getValue() - 1;
      } else {
        result.unexpected += coordinate.getValue();
      }
    }
    result.lost = result.sent - result.landed;
    for (String coordinate : sent) {
      if (!landed.containsKey(coordinate)) {
        result.lostByTopic.merge(coordinate.substring(0, coordinate.indexOf('/')), 1L, Long::sum);
      }
    }
    result.stream = run.audit.tables();

    Path input = run.dir.resolve("input");
    StediGenerator.writeTo(byFolder, input);
    Path batchLake = run.dir.resolve("batch-lake");
    result.batch =
        bounded(run, "batch", List.of("--input=" + input, "--lake=" + batchLake), batchLake);
    if (options.getBackfill()) {
      Path backfillLake = run.dir.resolve("backfill-lake");
      copyRecursively(run.lake.resolve("landing"), backfillLake.resolve("landing"));
      result.backfill =
          bounded(
              run, "backfill", List.of("--source=landing", "--lake=" + backfillLake), backfillLake);
    }
  }

  /** A bounded run on the same runner; its tables (empty when it failed). */
  private Map<String, List<String>> bounded(Run run, String name, List<String> args, Path lake)
      throws Exception {
    List<String> all = new ArrayList<>();
    all.add("--runner=" + run.runner);
    all.addAll(args);
    all.addAll(extraJobArgs());
    long start = System.nanoTime();
    JobProcess job = JobProcess.start(repository, all, run.dir.resolve(name + ".log"));
    if (!job.awaitExit(BATCH_TIMEOUT_MINUTES * 60)) {
      job.stop();
      log(name + " run did not end in " + BATCH_TIMEOUT_MINUTES + " minutes");
      return Map.of();
    }
    log(
        String.format(
            Locale.ROOT,
            "%s run ended with exit code %d in %.0f s",
            name,
            job.exitCode(),
            (System.nanoTime() - start) / 1e9));
    if (job.exitCode() != 0) {
      log(job.tail(20));
      return Map.of();
    }
    return new LakeAudit(lake).tables();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Deletes {@code dir} and everything in it; nothing when it does not exist. */
  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static void copyRecursively(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      paths.forEach(
          path -> {
            Path target = to.resolve(from.relativize(path).toString());
            try {
              if (Files.isDirectory(path)) {
                Files.createDirectories(target);
              } else if (!from.relativize(path).toString().contains("/.")
                  && !from.relativize(path).toString().startsWith(".")) {
                Files.createDirectories(target.getParent());
                Files.copy(path, target);
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }

  /** What one runner's chaos run measured. */
  static final class Result {
    final String runner;
    final long seed;
    final long planned;
    final AtomicLong acked = new AtomicLong();
    long sent;
    long landed;
    long lost;
    long landingDuplicates;
    long unexpected;
    final Map<String, Long> lostByTopic = new TreeMap<>();
    int runs;
    int kills;
    int selfExits;
    int stalls;
    int stallSeconds;
    int brokerRestarts;
    int restores;
    boolean settled = true;
    double chaosSeconds;
    double landSeconds;
    double settleSeconds;
    double idleJobCpu = Double.NaN;
    double idleBrokerCpu = Double.NaN;
    Map<String, List<String>> stream = Map.of();
    Map<String, List<String>> batch = Map.of();
    Map<String, List<String>> backfill;

    Result(String runner, long seed, long planned) {
      this.runner = runner;
      this.seed = seed;
      this.planned = planned;
    }

    /** Rows of the trusted and curated tables (not the rejects) that are there more than once. */
    long tableDuplicates() {
      return stream.entrySet().stream()
          .filter(e -> !e.getKey().equals(Tables.REJECTED))
          .mapToLong(e -> e.getValue().size() - new HashSet<>(e.getValue()).size())
          .sum();
    }

    long tablesEqual(Map<String, List<String>> reference) {
      return LakeAudit.TABLES.stream()
          .filter(t -> stream.getOrDefault(t, List.of()).equals(reference.get(t)))
          .count();
    }

    void print(PrintStream out) {
      out.println();
      out.printf(
          Locale.ROOT,
          "== chaos benchmark: %s, seed %d, %d messages, %d kill -9, %d broker stall (%d s), %d"
              + " broker restart ==%n",
          runner,
          seed,
          sent,
          kills,
          stalls,
          stallSeconds,
          brokerRestarts);
      out.println("| measure | value |");
      out.println("|---|---:|");
      row(out, "sent (messages in the broker's log)", sent + " (producer acks: " + acked + ")");
      row(out, "landed (unique topic/partition/offset)", landed);
      row(
          out,
          "lost (in the broker, in no landing file)",
          lost + (lost > 0 ? " " + lostByTopic : ""));
      row(out, "duplicated in landing (extra lines)", landingDuplicates);
      if (unexpected > 0) {
        row(out, "landing lines of no sent message", unexpected);
      }
      row(out, "duplicated in trusted/curated (extra rows)", tableDuplicates());
      row(
          out,
          "faults: kill -9 / broker stalls / broker restarts",
          kills + " / " + stalls + " (" + stallSeconds + " s) / " + brokerRestarts);
      row(
          out,
          "job runs / ended by themselves / restored from a checkpoint",
          runs + " / " + selfExits + " / " + restores);
      row(out, "idle CPU of the job's process tree", percent(idleJobCpu));
      row(out, "idle CPU of the broker", percent(idleBrokerCpu));
      row(
          out,
          "seconds: publishing and faults / until landed / until settled",
          String.format(
              Locale.ROOT,
              "%.0f / %.0f / %.0f%s",
              chaosSeconds,
              landSeconds,
              settleSeconds,
              settled ? "" : " (did not settle)"));
      out.println();
      boolean withBackfill = backfill != null;
      out.println(
          "| table | batch rows | stream rows | stream duplicates | missing | extra | vs batch |"
              + (withBackfill ? " backfill rows | vs backfill |" : ""));
      out.println("|---|---:|---:|---:|---:|---:|---|" + (withBackfill ? "---:|---|" : ""));
      for (String table : LakeAudit.TABLES) {
        List<String> streamRows = stream.getOrDefault(table, List.of());
        List<String> batchRows = batch.get(table);
        Set<String> distinct = new HashSet<>(streamRows);
        Set<String> batchDistinct = batchRows == null ? Set.of() : new HashSet<>(batchRows);
        long missing = batchDistinct.stream().filter(r -> !distinct.contains(r)).count();
        long extra = distinct.stream().filter(r -> !batchDistinct.contains(r)).count();
        String line =
            "| "
                + table
                + " | "
                + (batchRows == null ? "n/a" : batchRows.size())
                + " | "
                + streamRows.size()
                + " | "
                + (streamRows.size() - distinct.size())
                + " | "
                + missing
                + " | "
                + extra
                + " | "
                + verdict(streamRows, batchRows)
                + " |";
        if (withBackfill) {
          List<String> backfillRows = backfill.get(table);
          line +=
              " "
                  + (backfillRows == null ? "n/a" : backfillRows.size())
                  + " | "
                  + verdict(streamRows, backfillRows)
                  + " |";
        }
        out.println(line);
      }
      out.flush();
    }

    private static String verdict(List<String> stream, List<String> reference) {
      return reference == null ? "n/a" : stream.equals(reference) ? "equal" : "different";
    }

    private static void row(PrintStream out, String name, Object value) {
      out.println("| " + name + " | " + value + " |");
    }

    private static String percent(double value) {
      return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.1f%% of one core", value);
    }

    static void printSummary(List<Result> results, PrintStream out) {
      out.println();
      out.println("== chaos benchmark summary ==");
      out.println(
          "| runner | sent | landed | lost | dup. landing | dup. trusted/curated rows | kills /"
              + " stalls / broker restarts | tables equal to batch | idle CPU (job) |");
      out.println("|---|---:|---:|---:|---:|---:|---|---|---:|");
      for (Result r : results) {
        out.printf(
            Locale.ROOT,
            "| %s | %d | %d | %d | %d | %d | %d / %d / %d | %d of %d | %s |%n",
            r.runner,
            r.sent,
            r.landed,
            r.lost,
            r.landingDuplicates,
            r.tableDuplicates(),
            r.kills,
            r.stalls,
            r.brokerRestarts,
            r.tablesEqual(r.batch),
            LakeAudit.TABLES.size(),
            percent(r.idleJobCpu));
      }
      out.flush();
    }
  }
}
