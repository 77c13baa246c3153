package dev.zonestream.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zonestream.demo.StediGenerator;
import dev.zonestream.model.Dataset;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * A stream fed steadily for an hour, as a fleet of devices would feed it: a producer sends {@code
 * --rate} messages a second stamped with the broker's clock; customers join over time (the seeded
 * generator's fleet, {@value #CHUNK_CUSTOMERS} customers at a time); the step trainers of each part
 * upload their readings {@code --deviceGapSeconds} after the part's phones finished uploading;
 * {@code --redeliveryPercent} of the messages are sent again minutes later. The job is {@code
 * bin/zonestream --runner=R --source=kafka} in a process of its own, against a broker this
 * benchmark starts.
 *
 * <p>Every {@code --sampleSeconds} it records the job's heap after a full GC ({@code jcmd GC.run},
 * then {@code GC.heap_info}), the RSS of its process tree, the size of its checkpoint folder, the
 * consumer group's lag and the rows the job has counted per table, and prints them as a table row.
 * At the end it waits for the job to settle, stops it, and compares each table with a batch run of
 * the same runner over every message it sent (redeliveries included), as counts and order-free
 * digests ({@link LakeAudit#digests}). The samples go to {@code soak.csv} and {@code soak.png} in
 * the work folder.
 */
public final class SoakBenchmark {
  private static final String GROUP = "zonestream-soak";
  private static final String TOPIC_PREFIX = "soak.";
  private static final int PARTITIONS = 3;
  static final int CHUNK_CUSTOMERS = 100;
  private static final long BUILD_TIMEOUT_MINUTES = 20;
  private static final long BATCH_TIMEOUT_MINUTES = 90;
  private static final long MAX_BROKER_DELAY_SECONDS = 5;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

  /** The benchmark's options. */
  public interface SoakOptions extends PipelineOptions {
    @Description("The runner of the job: DirectRunner, FlinkRunner or SparkRunner.")
    @Default.String("FlinkRunner")
    String getJobRunner();

    void setJobRunner(String value);

    @Description("Minutes of feeding.")
    @Default.Integer(60)
    Integer getMinutes();

    void setMinutes(Integer value);

    @Description("Messages a second the producer sends.")
    @Default.Integer(500)
    Integer getRate();

    void setRate(Integer value);

    @Description("Seconds between a customer's first phone upload and its step trainer's.")
    @Default.Integer(180)
    Integer getDeviceGapSeconds();

    void setDeviceGapSeconds(Integer value);

    @Description("Percent of the messages sent once more, 1 to --redeliveryDelaySeconds later.")
    @Default.Double(1.0)
    Double getRedeliveryPercent();

    void setRedeliveryPercent(Double value);

    @Description("The longest delay of a redelivery, in seconds (drawn from 60 s up to it).")
    @Default.Integer(600)
    Integer getRedeliveryDelaySeconds();

    void setRedeliveryDelaySeconds(Integer value);

    @Description("Seed of the generator and the redeliveries.")
    @Default.Long(42)
    Long getSeed();

    void setSeed(Long value);

    @Description("Seconds between two samples.")
    @Default.Integer(60)
    Integer getSampleSeconds();

    void setSampleSeconds(Integer value);

    @Description("The job's --windowSeconds.")
    @Default.Integer(60)
    Integer getWindowSeconds();

    void setWindowSeconds(Integer value);

    @Description("The job's --consentWaitSeconds.")
    @Default.Integer(60)
    Integer getConsentWaitSeconds();

    void setConsentWaitSeconds(Integer value);

    @Description("More options for the stream and the batch run, separated by spaces.")
    @Default.String("")
    String getJobArgs();

    void setJobArgs(String value);

    @Description("Give up waiting for the job to settle after the feed after this many seconds.")
    @Default.Integer(1800)
    Integer getSettleTimeoutSeconds();

    void setSettleTimeoutSeconds(Integer value);

    @Description("Folder for the broker's data, the lakes and the logs (emptied per run).")
    @Default.String("target/soak")
    String getWorkDir();

    void setWorkDir(String value);
  }

  /** One sample: when, and what the job held at that moment. */
  record Sample(
      double minutes,
      long sent,
      long lag,
      double heapMb,
      double rssMb,
      double checkpointMb,
      double cpuPercent,
      long trusted,
      long machineLearning) {
    /** The fields in order, for the printed row and the CSV line. */
    Object[] values() {
      return new Object[] {
        minutes, sent, lag, heapMb, rssMb, checkpointMb, cpuPercent, trusted, machineLearning
      };
    }
  }

  private final SoakOptions options;
  private final Path repository;
  private final PrintStream out;
  private final PrintStream err;
  private final long startNanos = System.nanoTime();
  private final long ticksPerSecond = JobProcess.ticksPerSecond();

  private SoakBenchmark(SoakOptions options, Path repository, PrintStream out, PrintStream err) {
    this.options = options;
    this.repository = repository;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    int code;
    try {
      PipelineOptionsFactory.register(SoakOptions.class);
      SoakOptions options =
          PipelineOptionsFactory.fromArgs(args).withValidation().as(SoakOptions.class);
      if (options.getMinutes() < 1
          || options.getRate() < 1
          || options.getDeviceGapSeconds() < 0
          || options.getRedeliveryPercent() < 0
          || options.getRedeliveryPercent() > 100
          || options.getRedeliveryDelaySeconds() < 60
          || options.getSampleSeconds() < 5) {
        throw new IllegalArgumentException(
            "--minutes and --rate must be at least 1, --deviceGapSeconds not negative,"
                + " --redeliveryPercent from 0 to 100, --redeliveryDelaySeconds at least 60 and"
                + " --sampleSeconds at least 5");
      }
      code =
          new SoakBenchmark(options, ChaosBenchmark.findRepository(), System.out, System.err).run();
    } catch (IllegalArgumentException e) {
      System.err.println("SoakBenchmark: " + e.getMessage());
      code = 2;
    } catch (Exception e) {
      e.printStackTrace();
      code = 3;
    }
    System.out.flush();
    System.err.flush();
    System.exit(code);
  }

  private void log(String message) {
    err.printf(Locale.ROOT, "[soak %7.1f s] %s%n", (System.nanoTime() - startNanos) / 1e9, message);
  }

  private int run() throws Exception {
    String runner = options.getJobRunner();
    Path dir = Path.of(options.getWorkDir()).toAbsolutePath().resolve(runner);
    ChaosBenchmark.deleteRecursively(dir);
    Files.createDirectories(dir);
    log(runner + ": work folder " + dir);
    ChaosBenchmark.ensureBuilt(repository, runner, dir);
    Path lake = dir.resolve("lake");
    Path input = dir.resolve("input");

    BrokerProcess broker = BrokerProcess.start(dir.resolve("kafka"), dir.resolve("broker.log"));
    log("started " + broker);
    Map<String, String> topicOf = new LinkedHashMap<>();
    for (Dataset dataset : Dataset.values()) {
      topicOf.put(dataset.folder(), TOPIC_PREFIX + dataset.folder());
    }
    JobProcess[] running = new JobProcess[1];
    // Interrupted (Ctrl-C, a kill of this JVM): leave no job or broker behind.
    Thread cleanup =
        new Thread(
            () -> {
              if (running[0] != null) {
                running[0].killNow();
              }
              broker.killNow();
            },
            "soak-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    JobProcess job = null;
    List<Sample> samples = new ArrayList<>();
    int code;
    try {
      broker.createTopics(topicOf.values(), PARTITIONS);
      List<String> args = new ArrayList<>();
      args.add("--runner=" + runner);
      args.add("--source=kafka");
      args.add("--bootstrapServers=" + broker.bootstrapServers());
      args.add("--lake=" + lake);
      args.add("--consumerGroup=" + GROUP);
      args.add(
          "--topics="
              + String.join(
                  ",",
                  topicOf.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
      args.add("--windowSeconds=" + options.getWindowSeconds());
      args.add("--consentWaitSeconds=" + options.getConsentWaitSeconds());
      args.add("--maxBrokerDelaySeconds=" + MAX_BROKER_DELAY_SECONDS);
      args.addAll(jobArgs());
      job = JobProcess.start(repository, args, dir.resolve("job.log"));
      running[0] = job;
      log("job started (pid " + job.pid() + "): " + String.join(" ", args));

      Feed feed = new Feed(broker.bootstrapServers(), topicOf, input);
      Thread feeding = new Thread(feed, "soak-feed");
      feeding.start();
      printHeader();
      long feedEnd = startNanos + options.getMinutes() * 60_000_000_000L;
      long nextSample = System.nanoTime() + options.getSampleSeconds() * 1_000_000_000L;
      long lastTicks = JobProcess.cpuTicks(job.pid());
      long lastSampleNanos = System.nanoTime();
      while (System.nanoTime() < feedEnd) {
        if (!job.isAlive()) {
          throw new IllegalStateException("the job ended during the feed:\n" + job.tail(30));
        }
        Thread.sleep(Math.max(1, Math.min(1000, (nextSample - System.nanoTime()) / 1_000_000)));
        if (System.nanoTime() >= nextSample) {
          long ticks = JobProcess.cpuTicks(job.pid());
          long now = System.nanoTime();
          double cpu =
              100.0 * (ticks - lastTicks) / ticksPerSecond / ((now - lastSampleNanos) / 1e9);
          lastTicks = ticks;
          lastSampleNanos = now;
          Sample sample = sample(job, broker, lake, feed.sent.get(), cpu);
          samples.add(sample);
          printRow(sample);
          nextSample += options.getSampleSeconds() * 1_000_000_000L;
        }
      }
      feed.stop.set(true);
      feeding.join();
      feed.failure();
      log(
          String.format(
              Locale.ROOT,
              "fed %d messages (%d redelivered) from %d customers in %.0f s",
              feed.sent.get(),
              feed.redelivered.get(),
              feed.customers,
              (System.nanoTime() - startNanos) / 1e9));
      settle(job, broker, lake);
      job.stop();
      log("stopped the job");
      Map<String, LakeAudit.Digest> stream = new LakeAudit(lake).digests();
      Map<String, LakeAudit.Digest> batch = batch(runner, dir, input);
      code = compare(stream, batch, feed.sent.get()) ? 0 : 1;
      if (code != 0) {
        showDifferences(lake, dir.resolve("batch-lake"), stream);
      }
      writeCsv(samples, dir.resolve("soak.csv"));
      SoakPlot.draw(
          String.format(
              Locale.ROOT,
              "%s, %d messages/s for %d min, step trainer %d s after the phone, %.1f%% redelivered",
              runner,
              options.getRate(),
              options.getMinutes(),
              options.getDeviceGapSeconds(),
              options.getRedeliveryPercent()),
          samples,
          dir.resolve("soak.png"));
      log("wrote " + dir.resolve("soak.csv") + " and " + dir.resolve("soak.png"));
    } finally {
      if (job != null) {
        job.stop();
      }
      broker.stop();
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
    return code;
  }

  private List<String> jobArgs() {
    String extra = options.getJobArgs().strip();
    return extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
  }

  private Sample sample(JobProcess job, BrokerProcess broker, Path lake, long sent, double cpu)
      throws Exception {
    JsonNode zones = summary(lake).path("zones");
    long trusted = 0;
    for (JsonNode count : zones.path("trusted")) {
      trusted += count.asLong();
    }
    return new Sample(
        (System.nanoTime() - startNanos) / 6e10,
        sent,
        lag(broker),
        heapAfterGcMb(job.pid()),
        rssMb(job.pid()),
        folderMb(lake.resolve("_checkpoints")),
        cpu,
        trusted,
        zones.path("curated").path("machine_learning").asLong());
  }

  /** The job's heap after a full collection, from {@code jcmd}; -1 when it cannot be read. */
  static double heapAfterGcMb(long pid) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      run(jcmd.toString(), Long.toString(pid), "GC.run");
      String info = run(jcmd.toString(), Long.toString(pid), "GC.heap_info");
      Matcher used = HEAP_USED.matcher(info);
      return used.find() ? Long.parseLong(used.group(1)) / 1024.0 : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();
    return output;
  }

  /** The resident memory of {@code pid} and every process below it, in MB. */
  static double rssMb(long pid) {
    long kb = JobProcess.statusKb(pid, "VmRSS");
    try (Stream<ProcessHandle> children =
        ProcessHandle.of(pid).map(ProcessHandle::descendants).orElse(Stream.empty())) {
      kb += children.mapToLong(child -> JobProcess.statusKb(child.pid(), "VmRSS")).sum();
    }
    return kb / 1024.0;
  }

  static double folderMb(Path folder) {
    if (!Files.isDirectory(folder)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      return files
              .filter(Files::isRegularFile)
              .mapToLong(
                  p -> {
                    try {
                      return Files.size(p);
                    } catch (IOException e) {
                      return 0; // removed meanwhile (an old checkpoint)
                    }
                  })
              .sum()
          / 1e6;
    } catch (IOException | java.io.UncheckedIOException e) {
      return -1;
    }
  }

  private static JsonNode summary(Path lake) {
    try {
      return MAPPER.readTree(lake.resolve("_summary.json").toFile());
    } catch (IOException e) {
      return MAPPER.createObjectNode(); // not written yet, or being replaced
    }
  }

  private static long lag(BrokerProcess broker) throws InterruptedException {
    return broker.lag(
        GROUP, Stream.of(Dataset.values()).map(d -> TOPIC_PREFIX + d.folder()).toList());
  }

  /**
   * Waits until the group's lag is 0 and the job's counts have not changed for a window, a wait and
   * the broker delay and 30 s more (the last window to close and the last waits to end), or the
   * settle timeout.
   */
  private void settle(JobProcess job, BrokerProcess broker, Path lake) throws Exception {
    long quietNanos =
        (options.getWindowSeconds()
                + options.getConsentWaitSeconds()
                + MAX_BROKER_DELAY_SECONDS
                + 30)
            * 1_000_000_000L;
    long deadline = System.nanoTime() + options.getSettleTimeoutSeconds() * 1_000_000_000L;
    String last = "";
    long since = System.nanoTime();
    while (System.nanoTime() < deadline && job.isAlive()) {
      Thread.sleep(5_000);
      long lag = lag(broker);
      String counts = summary(lake).path("zones").toString();
      if (lag != 0 || !counts.equals(last)) {
        last = counts;
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= quietNanos) {
        log(
            String.format(
                Locale.ROOT,
                "settled: lag 0, counts unchanged over %.0f s",
                (System.nanoTime() - since) / 1e9));
        return;
      }
    }
    log("did not settle in " + options.getSettleTimeoutSeconds() + " s");
  }

  /** A batch run of the same runner over every message sent; its tables' digests. */
  private Map<String, LakeAudit.Digest> batch(String runner, Path dir, Path input)
      throws Exception {
    Path batchLake = dir.resolve("batch-lake");
    List<String> args = new ArrayList<>();
    args.add("--runner=" + runner);
    args.add("--input=" + input);
    args.add("--lake=" + batchLake);
    args.addAll(jobArgs());
    long start = System.nanoTime();
    JobProcess batch = JobProcess.start(repository, args, dir.resolve("batch.log"));
    if (!batch.awaitExit(BATCH_TIMEOUT_MINUTES * 60)) {
      batch.stop();
      throw new IllegalStateException(
          "the batch run did not end in " + BATCH_TIMEOUT_MINUTES + " min");
    }
    log(
        String.format(
            Locale.ROOT,
            "batch run ended with exit code %d in %.0f s",
            batch.exitCode(),
            (System.nanoTime() - start) / 1e9));
    if (batch.exitCode() != 0) {
      throw new IllegalStateException("the batch run failed:\n" + batch.tail(30));
    }
    return new LakeAudit(batchLake).digests();
  }

  private boolean compare(
      Map<String, LakeAudit.Digest> stream, Map<String, LakeAudit.Digest> batch, long sent) {
    out.println();
    out.printf(Locale.ROOT, "== soak: tables after %d messages ==%n", sent);
    out.println("| table | batch rows | stream rows | vs batch |");
    out.println("|---|---:|---:|---|");
    boolean equal = true;
    for (String table : LakeAudit.TABLES) {
      LakeAudit.Digest b = batch.get(table);
      LakeAudit.Digest s = stream.get(table);
      boolean same = b.equals(s);
      equal &= same;
      out.printf(
          Locale.ROOT,
          "| %s | %d | %d | %s |%n",
          table,
          b.rows(),
          s.rows(),
          same ? "equal" : (b.rows() == s.rows() ? "same count, other rows" : "differs"));
    }
    return equal;
  }

  /** A few rows each differing table misses or has in excess, when the tables fit in memory. */
  private void showDifferences(Path lake, Path batchLake, Map<String, LakeAudit.Digest> stream)
      throws IOException {
    if (stream.values().stream().mapToLong(LakeAudit.Digest::rows).sum() > 500_000) {
      return;
    }
    Map<String, List<String>> streamed = new LakeAudit(lake).tables();
    Map<String, List<String>> batched = new LakeAudit(batchLake).tables();
    for (String table : LakeAudit.TABLES) {
      List<String> missing = new ArrayList<>(batched.get(table));
      streamed.get(table).forEach(missing::remove);
      List<String> extra = new ArrayList<>(streamed.get(table));
      batched.get(table).forEach(extra::remove);
      if (!missing.isEmpty() || !extra.isEmpty()) {
        out.printf(
            Locale.ROOT,
            "%s: %d missing, e.g. %s; %d extra, e.g. %s%n",
            table,
            missing.size(),
            missing.subList(0, Math.min(3, missing.size())),
            extra.size(),
            extra.subList(0, Math.min(3, extra.size())));
      }
    }
  }

  private void printHeader() {
    out.println(
        "| minute | sent | lag | heap after GC (MB) | RSS (MB) | checkpoint (MB) | job CPU"
            + " | trusted rows | machine_learning rows |");
    out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  }

  private void printRow(Sample s) {
    out.printf(
        Locale.ROOT, "| %.1f | %d | %d | %.0f | %.0f | %.1f | %.0f%% | %d | %d |%n", s.values());
    out.flush();
  }

  private static void writeCsv(List<Sample> samples, Path csv) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("minutes,sent,lag,heap_mb,rss_mb,checkpoint_mb,cpu_percent,trusted,machine_learning");
    for (Sample s : samples) {
      lines.add(String.format(Locale.ROOT, "%.2f,%d,%d,%.1f,%.1f,%.2f,%.1f,%d,%d", s.values()));
    }
    Files.write(csv, lines, StandardCharsets.UTF_8);
  }

  /**
   * The producer: {@code --rate} messages a second, the fleet a part at a time; each part's
   * customer records and phone readings first, its step-trainer readings {@code --deviceGapSeconds}
   * after its last phone reading; a share of the messages again minutes later. Every message it
   * sends is also written to {@code input/<dataset>/<dataset>-0.jsonl} for the batch run.
   */
  private final class Feed implements Runnable {
    private final BatchPublisher publisher;
    private final Map<String, String> topicOf;
    private final Map<String, OutputStream> files = new LinkedHashMap<>();
    private final ArrayDeque<Message> now = new ArrayDeque<>();
    private final PriorityQueue<Message> later =
        new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos, b.dueNanos));
    private final Random random;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong redelivered = new AtomicLong();
    final AtomicBoolean stop = new AtomicBoolean();
    private volatile Exception failure;
    private int part;
    volatile int customers;

    Feed(String bootstrapServers, Map<String, String> topicOf, Path input) throws IOException {
      this.publisher = new BatchPublisher(bootstrapServers);
      this.topicOf = topicOf;
      this.random = new Random(options.getSeed());
      for (String folder : topicOf.keySet()) {
        Path file = input.resolve(folder).resolve(folder + "-0.jsonl");
        Files.createDirectories(file.getParent());
        files.put(folder, new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
      }
    }

    @Override
    public void run() {
      try {
        long start = System.nanoTime();
        while (!stop.get()) {
          long allowed = (long) ((System.nanoTime() - start) / 1e9 * options.getRate());
          while (sent.get() < allowed && !stop.get()) {
            send(next());
          }
          Thread.sleep(20);
        }
      } catch (Exception e) {
        failure = e;
      } finally {
        try {
          publisher.close();
          for (OutputStream file : files.values()) {
            file.close();
          }
        } catch (IOException e) {
          failure = e;
        }
      }
    }

    void failure() throws Exception {
      if (failure != null) {
        throw failure;
      }
    }

    /**
     * What is due first: a step reading or redelivery whose time has come, else the part's next.
     */
    private Message next() {
      Message due = later.peek();
      if (due != null && due.dueNanos <= System.nanoTime()) {
        return later.poll();
      }
      if (now.isEmpty()) {
        nextPart();
      }
      return now.poll();
    }

    /**
     * The next part of the fleet: its customer records and phone readings now, its step-trainer
     * readings {@code --deviceGapSeconds} after its last phone reading went out.
     */
    private void nextPart() {
      Map<String, List<byte[]>> messages =
          new StediGenerator(CHUNK_CUSTOMERS, options.getSeed() + part, false, customers)
              .generate();
      customers += CHUNK_CUSTOMERS;
      part++;
      List<Message> steps = new ArrayList<>();
      for (byte[] value : messages.get(Dataset.STEP_TRAINER.folder())) {
        steps.add(new Message(Dataset.STEP_TRAINER.folder(), value, 0, false, List.of()));
      }
      List<Message> first = new ArrayList<>();
      for (String folder : List.of(Dataset.CUSTOMER.folder(), Dataset.ACCELEROMETER.folder())) {
        for (byte[] value : messages.get(folder)) {
          first.add(new Message(folder, value, 0, false, List.of()));
        }
      }
      Message last = first.remove(first.size() - 1);
      now.addAll(first);
      now.add(new Message(last.folder, last.value, 0, false, steps));
    }

    private void send(Message message) throws IOException {
      publisher.sendNow(topicOf.get(message.folder), message.value);
      OutputStream file = files.get(message.folder);
      file.write(message.value);
      file.write('\n');
      sent.incrementAndGet();
      long stepsDue = System.nanoTime() + options.getDeviceGapSeconds() * 1_000_000_000L;
      for (Message step : message.then) {
        later.add(new Message(step.folder, step.value, stepsDue, false, List.of()));
      }
      if (message.redelivery) {
        redelivered.incrementAndGet();
      } else if (random.nextDouble() * 100 < options.getRedeliveryPercent()) {
        long delay =
            60_000_000_000L
                + (long) (random.nextDouble() * (options.getRedeliveryDelaySeconds() - 60) * 1e9);
        later.add(
            new Message(message.folder, message.value, System.nanoTime() + delay, true, List.of()));
      }
    }
  }

  /**
   * A message to send, when it is due, whether it is a redelivery, and the messages that fall due
   * {@code --deviceGapSeconds} after it was sent (a part's step readings, after its last phone
   * reading).
   */
  private record Message(
      String folder, byte[] value, long dueNanos, boolean redelivery, List<Message> then) {}
}
