package dev.zonestream.benchmarks;

import dev.zonestream.curated.AdmitStepTrainerReadings;
import dev.zonestream.curated.JoinStepTrainerWithAccelerometer;
import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.Customer;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.MachineLearningRow;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.OwnedStepReading;
import dev.zonestream.model.Rejected;
import dev.zonestream.model.SourceKind;
import dev.zonestream.model.StepTrainerReading;
import dev.zonestream.model.Tables;
import dev.zonestream.trusted.ApplyConsent;
import dev.zonestream.trusted.ParseRecords;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Throughput and memory of the trusted stage of zonestream's streaming graph ({@link ParseRecords}
 * then {@link ApplyConsent}, wired as the pipeline wires them) with {@code --customers} customers
 * in its side input and {@code --readings} accelerometer readings looking them up.
 *
 * <p>One unbounded source emits {@code customers + readings} messages: index {@code i < N} is the
 * customer record of customer {@code i} (consenting since {@link #T0}), index {@code i >= N} a
 * reading of customer {@code i mod N} taken at {@code T0 + i} (so no two readings are duplicates
 * and every reading is admitted). A reading that overtakes its customer takes the stage's waiting
 * path (counted in {@code zonestream.trusted.waited}). The program polls every 200 ms until every
 * reading is admitted (or {@code --timeoutSeconds}), cancels the job, prints one result block and
 * exits 0 when every reading was admitted, 1 otherwise (2 on bad arguments or a failure to start).
 *
 * <p>Run it through Maven (a forked JVM, see benchmarks/README.md):
 *
 * <pre>
 * mvn -q -pl benchmarks compile exec:exec -Dbench.args="--runner=FlinkRunner --customers=1000000"
 * </pre>
 */
public final class TrustedStageBenchmark {
  /** Every customer's registration, last update and consent time; readings are taken after it. */
  static final long T0 = 1_700_000_000_000L;

  private static final long POLL_MILLIS = 200;

  /** Without counters from the runner for this long while messages flow: use the counting DoFns. */
  private static final long NO_COUNTERS_GRACE_MILLIS = 2_000;

  private static final long MB = 1024L * 1024L;

  // Counted by the DoFns below: the runners of this benchmark run them in this JVM (the Flink
  // [local] mini cluster included), so the counts are read directly, while the job runs.
  static final AtomicLong MESSAGES = new AtomicLong();
  static final AtomicLong ADMITTED = new AtomicLong();
  static final AtomicLong JOINED = new AtomicLong();
  static final AtomicLong TRUSTED_CUSTOMERS = new AtomicLong();
  static final AtomicLong REJECTED = new AtomicLong();
  static final AtomicLong FIRST_ADMITTED_NANOS = new AtomicLong();
  static final AtomicLong LAST_ADMITTED_NANOS = new AtomicLong();

  private TrustedStageBenchmark() {}

  /** The benchmark's options; any other Beam or runner option may be given as well. */
  public interface BenchmarkOptions extends StreamingOptions {
    @Description("Customers in the side input (sent first, one record each).")
    @Default.Long(1000)
    long getCustomers();

    void setCustomers(long value);

    @Description("Accelerometer readings (each of a customer, every one admitted).")
    @Default.Long(1_000_000)
    long getReadings();

    void setReadings(long value);

    @Description("Readings per second the source emits at most; 0: as fast as the job takes them.")
    @Default.Long(0)
    long getReadingsPerSecond();

    void setReadingsPerSecond(long value);

    @Description(
        "Also run the machine-learning join over the trusted readings, with a step-trainer reading"
            + " of the same customer and millisecond for each: every moment is then held in the"
            + " join's state for its horizon (24 hours), so the heap kept at the end shows what"
            + " each held moment (a phone and a step reading) costs.")
    @Default.Boolean(false)
    boolean getJoin();

    void setJoin(boolean value);

    @Description("Give up (exit 1) when not every reading is admitted after this many seconds.")
    @Default.Long(600)
    long getTimeoutSeconds();

    void setTimeoutSeconds(long value);
  }

  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.out, System.err);
    } catch (IllegalArgumentException e) {
      System.err.println("TrustedStageBenchmark: " + e.getMessage());
      code = 2;
    } catch (RuntimeException e) {
      e.printStackTrace();
      code = 2;
    }
    System.out.flush();
    System.err.flush();
    // The runners' threads (the Direct runner's executor, the Flink mini cluster) may linger.
    System.exit(code);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    PipelineOptionsFactory.register(BenchmarkOptions.class);
    BenchmarkOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(BenchmarkOptions.class);
    long customers = options.getCustomers();
    long readings = options.getReadings();
    if (customers < 1 || readings < 1) {
      throw new IllegalArgumentException(
          "--customers and --readings must be at least 1, got " + customers + ", " + readings);
    }
    if (options.getReadingsPerSecond() < 0 || options.getTimeoutSeconds() < 1) {
      throw new IllegalArgumentException(
          "--readingsPerSecond must be 0 or more and --timeoutSeconds at least 1");
    }
    options.setStreaming(true);
    String runner = configureRunner(options);

    Pipeline pipeline = Pipeline.create(options);
    PCollection<Envelope> messages =
        pipeline
            .apply(
                "GenerateMessages",
                Read.from(
                    new SequenceSource(
                        0, 1, customers + readings, customers, options.getReadingsPerSecond())))
            .apply("ToEnvelopes", ParDo.of(new ToEnvelopeFn(customers)));
    if (messages.isBounded() != PCollection.IsBounded.UNBOUNDED) {
      throw new IllegalStateException("the source must be unbounded: the stage would run bounded");
    }
    PCollectionTuple parsed = messages.apply("ParseRecords", ParseRecords.create());
    PCollectionTuple consented =
        PCollectionTuple.of(ParseRecords.CUSTOMERS, parsed.get(ParseRecords.CUSTOMERS))
            .and(ParseRecords.ACCELEROMETER, parsed.get(ParseRecords.ACCELEROMETER))
            .apply("ApplyConsent", ApplyConsent.create().withWait(Duration.standardSeconds(30)));
    consented
        .get(ApplyConsent.ACCELEROMETER_TRUSTED)
        .apply("CountAdmittedReadings", ParDo.of(new CountAdmittedFn()));
    consented
        .get(ApplyConsent.CUSTOMER_TRUSTED)
        .apply("CountTrustedCustomers", ParDo.of(new CountCustomersFn()));
    if (options.getJoin()) {
      PCollection<AccelerometerReading> phones = consented.get(ApplyConsent.ACCELEROMETER_TRUSTED);
      PCollectionTuple.of(
              AdmitStepTrainerReadings.OWNED_READINGS,
              phones
                  .apply("StepAtEachReading", ParDo.of(new StepAtEachReadingFn()))
                  .setCoder(JsonRecordCoder.of(OwnedStepReading.class)))
          .and(ApplyConsent.ACCELEROMETER_TRUSTED, phones)
          .apply("JoinStepTrainerWithAccelerometer", JoinStepTrainerWithAccelerometer.create())
          .apply("CountJoinedRows", ParDo.of(new CountJoinedFn()));
    }
    parsed.get(ParseRecords.REJECTED).apply("CountParseRejects", ParDo.of(new CountRejectedFn()));
    consented
        .get(ApplyConsent.REJECTED)
        .apply("CountConsentRejects", ParDo.of(new CountRejectedFn()));

    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBeforeRun = memory.getHeapMemoryUsage().getUsed();

    err.println(
        "TrustedStageBenchmark: "
            + runner
            + ", "
            + customers
            + " customers, "
            + readings
            + " readings; polling every "
            + POLL_MILLIS
            + " ms");
    long startNanos = System.nanoTime();
    CompletableFuture<PipelineResult> started = new CompletableFuture<>();
    // Non-blocking on both runners (the Direct runner with blockOnRun=false, Flink detached), and
    // in a thread of its own in case a runner's run() blocks all the same.
    Thread running =
        new Thread(
            () -> {
              try {
                started.complete(pipeline.run());
              } catch (Throwable e) {
                started.completeExceptionally(e);
              }
            },
            "benchmark-pipeline-run");
    running.setDaemon(true);
    running.start();

    long peakHeap = 0;
    long heapAfterCustomers = -1;
    double customersLoadedSeconds = -1;
    long firstMessageMillis = 0;
    boolean useRunnerCounters = false;
    boolean fallBack = false;
    Map<String, Long> counters = new TreeMap<>();
    String failure = null;
    long deadline = startNanos + options.getTimeoutSeconds() * 1_000_000_000L;
    while (true) {
      long used = memory.getHeapMemoryUsage().getUsed();
      peakHeap = Math.max(peakHeap, used);
      if (started.isCompletedExceptionally()) {
        failure = "the pipeline failed to start: " + causeOf(started);
        break;
      }
      PipelineResult result = resultOf(started);
      Map<String, Long> polled = runnerCounters(result);
      if (!polled.isEmpty()) {
        counters = polled;
        if (!fallBack) {
          useRunnerCounters = true;
        }
      }
      long now = System.currentTimeMillis();
      if (firstMessageMillis == 0 && MESSAGES.get() > 0) {
        firstMessageMillis = now;
      }
      if (!useRunnerCounters
          && firstMessageMillis > 0
          && now - firstMessageMillis > NO_COUNTERS_GRACE_MILLIS) {
        fallBack = true; // the runner answers no counters while the job runs
      }
      if (heapAfterCustomers < 0 && TRUSTED_CUSTOMERS.get() >= customers) {
        customersLoadedSeconds = (System.nanoTime() - startNanos) / 1e9;
        System.gc();
        heapAfterCustomers = memory.getHeapMemoryUsage().getUsed();
      }
      // The counting DoFn is the graph's last step: once it has seen every reading, its times
      // cover them all (a runner's counter is incremented a step earlier).
      if (admitted(useRunnerCounters, counters) >= readings
          && ADMITTED.get() >= readings
          && (!options.getJoin() || JOINED.get() >= readings)) {
        break;
      }
      if (REJECTED.get() > 0) {
        failure = REJECTED.get() + " message(s) rejected (by the record rules or for no customer)";
        break;
      }
      if (result != null) {
        PipelineResult.State state = stateOf(result);
        if (state != null && state.isTerminal()) {
          failure = "the pipeline ended " + state + " before every reading was admitted";
          break;
        }
      }
      if (System.nanoTime() > deadline) {
        failure =
            "timeout: not every reading admitted after "
                + options.getTimeoutSeconds()
                + " s (--timeoutSeconds)";
        break;
      }
      sleep(POLL_MILLIS);
    }
    long endNanos = System.nanoTime();
    // After the measured span, before the cancel: what the job keeps once the readings are decided.
    System.gc();
    long heapAtEnd = memory.getHeapMemoryUsage().getUsed();
    PipelineResult result = resultOf(started);
    Map<String, Long> last = runnerCounters(result);
    if (!last.isEmpty()) {
      counters = last;
    }
    // Flink's [local] mini cluster answers its counters only for a moment while the job stops:
    // without counters so far, ask while the cancel takes effect.
    Map<String, Long> afterCancel = new TreeMap<>();
    String stopped = cancel(result, useRunnerCounters ? null : afterCancel);
    boolean countersAfterCancel = !afterCancel.isEmpty();
    if (countersAfterCancel) {
      counters = afterCancel;
    }
    long admitted = admitted(useRunnerCounters, counters);

    long first = FIRST_ADMITTED_NANOS.get();
    long lastAdmitted = LAST_ADMITTED_NANOS.get();
    double span = first == 0 ? Double.NaN : (lastAdmitted - first) / 1e9;
    double sinceStart = first == 0 ? Double.NaN : (lastAdmitted - startNanos) / 1e9;
    // A counter never incremented is absent from the runner's answer: 0. When the runner answered
    // nothing at all, the figure is unknown.
    boolean answered = useRunnerCounters || countersAfterCancel;
    String fallbackNote =
        useRunnerCounters
            ? ""
            : countersAfterCancel
                ? " (the runner's counters, read after the cancel)"
                : " (the runner reported no counters)";
    Long absent = answered ? 0L : null;
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("runner", runner);
    lines.put("customers (N)", Long.toString(customers));
    lines.put("readings (M)", Long.toString(readings));
    lines.put(
        "source rate",
        options.getReadingsPerSecond() == 0
            ? "unlimited (--readingsPerSecond=0)"
            : options.getReadingsPerSecond() + " readings/s");
    lines.put(
        "counts from",
        useRunnerCounters
            ? "the runner's Beam counters (result.metrics())"
            : "the counting DoFns' static AtomicLongs (the runner reported no counters while the"
                + " job ran)");
    lines.put(
        "admitted readings",
        admitted
            + " of "
            + readings
            + " (zonestream.tables/trusted/accelerometer "
            + orNa(
                counters.getOrDefault(
                    key(MetricNames.TABLE_ROWS, Tables.ACCELEROMETER_TRUSTED), absent))
            + ", counting DoFn "
            + ADMITTED.get()
            + ")");
    lines.put("first -> last admitted", seconds(span));
    lines.put("pipeline start -> last admitted", seconds(sinceStart) + " (includes runner start)");
    lines.put("readings/s, first -> last", rate(ADMITTED.get(), span));
    if (options.getJoin()) {
      lines.put("moments held in the join (a phone and a step reading each)", "" + JOINED.get());
    }
    lines.put("readings/s, start -> last", rate(ADMITTED.get(), sinceStart));
    lines.put("peak heap used", mb(peakHeap) + " (sampled every " + POLL_MILLIS + " ms)");
    lines.put("peak RSS (VmHWM)", peakRss());
    lines.put("heap after GC, before run", mb(heapBeforeRun));
    lines.put(
        "heap after GC, customers loaded",
        heapAfterCustomers < 0
            ? "n/a (not every customer reached the stage's state)"
            : mb(heapAfterCustomers)
                + " at "
                + seconds(customersLoadedSeconds)
                + " (+"
                + mb(heapAfterCustomers - heapBeforeRun)
                + " over before run: view, state and readings in flight)");
    lines.put(
        "heap after GC, at the end",
        mb(heapAtEnd)
            + " (+"
            + mb(heapAtEnd - heapBeforeRun)
            + " over before run: view, customer state, de-duplication state of the readings)");
    lines.put(
        "waited / released",
        orNa(counters.getOrDefault(key(MetricNames.WAITED, "accelerometer"), absent))
            + " / "
            + orNa(counters.getOrDefault(key(MetricNames.RELEASED, "accelerometer"), absent))
            + fallbackNote);
    lines.put(
        "unique / excluded readings",
        orNa(counters.getOrDefault(key(MetricNames.UNIQUE, "accelerometer"), absent))
            + " / "
            + orNa(counters.getOrDefault(key(MetricNames.EXCLUDED, "accelerometer"), absent))
            + fallbackNote);
    lines.put("rejected messages", REJECTED.get() + " (counting DoFns)");
    lines.put("stopped", stopped);
    boolean complete = failure == null && admitted >= readings;
    lines.put("result", complete ? "OK: every reading admitted" : "FAILED: " + failure);

    out.println("=== TrustedStageBenchmark ===");
    lines.forEach((name, value) -> out.printf(Locale.ROOT, "%-33s %s%n", name + ":", value));
    out.println(
        "=== end (" + String.format(Locale.ROOT, "%.1f", (endNanos - startNanos) / 1e9) + " s)");
    return complete ? 0 : 1;
  }

  /** Sets the runner's options; returns how it runs, for the result block. */
  private static String configureRunner(BenchmarkOptions options) {
    if (options.getRunner() == DirectRunner.class) {
      DirectOptions direct = options.as(DirectOptions.class);
      direct.setBlockOnRun(false);
      direct.setEnforceImmutability(false);
      direct.setEnforceEncodability(false);
      // The Direct runner's own unbounded-read evaluator reads 10 messages a bundle; Beam's SDF
      // wrapper of unbounded sources does not limit the source so (zonestream's Main does the
      // same).
      ExperimentalOptions.addExperiment(
          options.as(ExperimentalOptions.class), "use_unbounded_sdf_wrapper");
      return "DirectRunner (streaming, blockOnRun=false, enforceImmutability=false,"
          + " enforceEncodability=false, targetParallelism="
          + direct.getTargetParallelism()
          + ", experiment use_unbounded_sdf_wrapper)";
    }
    if (options.getRunner() == FlinkRunner.class) {
      FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
      if ("[auto]".equals(flink.getFlinkMaster())) {
        flink.setFlinkMaster("[local]");
      }
      if (flink.getParallelism() < 1) {
        flink.setParallelism(2);
      }
      // Detached: run() returns and the job is cancelled through its result.
      flink.setAttachedMode(false);
      Long interval = flink.getCheckpointingInterval();
      return "FlinkRunner (streaming, flinkMaster="
          + flink.getFlinkMaster()
          + ", parallelism="
          + flink.getParallelism()
          + ", detached, checkpointing "
          + (interval == null || interval <= 0 ? "off" : "every " + interval + " ms")
          + ")";
    }
    throw new IllegalArgumentException(
        "--runner must be DirectRunner or FlinkRunner, got " + options.getRunner().getSimpleName());
  }

  private static long admitted(boolean useRunnerCounters, Map<String, Long> counters) {
    if (!useRunnerCounters) {
      return ADMITTED.get();
    }
    Long value = counters.get(key(MetricNames.TABLE_ROWS, Tables.ACCELEROMETER_TRUSTED));
    return value == null ? 0 : value;
  }

  /** zonestream's counters as the runner reports them now, summed over steps; empty if none. */
  private static Map<String, Long> runnerCounters(@Nullable PipelineResult result) {
    Map<String, Long> sums = new TreeMap<>();
    if (result == null) {
      return sums;
    }
    try {
      MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
      for (MetricResult<Long> counter : metrics.getCounters()) {
        String namespace = counter.getName().getNamespace();
        if (!namespace.startsWith("zonestream.")) {
          continue;
        }
        Long value = counter.getAttempted();
        sums.merge(
            key(namespace, counter.getName().getName()), value == null ? 0 : value, Long::sum);
      }
    } catch (RuntimeException e) {
      // Not answered this time (a runner starting or stopping): the next poll asks again.
    }
    return sums;
  }

  private static String key(String namespace, String name) {
    return namespace + ":" + name;
  }

  private static PipelineResult.@Nullable State stateOf(PipelineResult result) {
    try {
      return result.getState();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Cancels the job and waits (5 s at most) until it has stopped; meanwhile puts the runner's
   * counters, whenever it answers some, into {@code countersSink} (unless null).
   */
  private static String cancel(
      @Nullable PipelineResult result, @Nullable Map<String, Long> countersSink) {
    if (result == null) {
      return "not cancelled: run() had not returned (System.exit ends it)";
    }
    PipelineResult.State before = stateOf(result);
    if (before != null && before.isTerminal()) {
      return "the job had ended " + before;
    }
    try {
      result.cancel();
    } catch (IOException | RuntimeException e) {
      return "cancel failed: " + e + " (System.exit ends it)";
    }
    // A cancel may return before the job has stopped (Flink: CANCELLING, reported as RUNNING).
    long deadline = System.nanoTime() + 5_000_000_000L;
    int unanswered = 0;
    while (true) {
      if (countersSink != null) {
        Map<String, Long> polled = runnerCounters(result);
        if (!polled.isEmpty()) {
          countersSink.clear();
          countersSink.putAll(polled);
        }
      }
      PipelineResult.State state = stateOf(result);
      if (state != null && state.isTerminal()) {
        return "cancelled (state " + state + ")";
      }
      unanswered = state == null ? unanswered + 1 : 0;
      if (unanswered >= 3) {
        // Flink's [local] mini cluster shuts down with the job and answers no more.
        return "cancelled (the runner no longer reports a state: it has shut down)";
      }
      if (System.nanoTime() > deadline) {
        return "cancel requested; the job still reported " + state + " after 5 s";
      }
      sleep(50);
    }
  }

  private static @Nullable PipelineResult resultOf(CompletableFuture<PipelineResult> started) {
    return started.isDone() && !started.isCompletedExceptionally() ? started.join() : null;
  }

  private static String causeOf(CompletableFuture<?> future) {
    try {
      future.join();
      return "none";
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return String.valueOf(cause);
    }
  }

  private static String peakRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return mb(kb * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: no figure.
    }
    return "n/a";
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / (double) MB);
  }

  private static String seconds(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.3f s", value);
  }

  private static String rate(long count, double seconds) {
    return Double.isNaN(seconds) || seconds <= 0
        ? "n/a"
        : String.format(Locale.ROOT, "%.0f", count / seconds);
  }

  private static String orNa(@Nullable Long value) {
    return value == null ? "n/a" : value.toString();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Message {@code i}: a customer record for {@code i < customers}, else a reading. */
  static final class ToEnvelopeFn extends DoFn<Long, Envelope> {
    private final long customers;

    ToEnvelopeFn(long customers) {
      this.customers = customers;
    }

    @ProcessElement
    public void processElement(@Element Long index, OutputReceiver<Envelope> out) {
      long i = index;
      boolean customer = i < customers;
      String payload = customer ? customerJson(i) : readingJson(i, i % customers);
      MESSAGES.incrementAndGet();
      out.output(
          new Envelope(
              customer ? "customer" : "accelerometer",
              SourceKind.KAFKA,
              "bench",
              "0",
              Long.toString(i),
              T0 + i,
              System.currentTimeMillis(),
              payload.getBytes(StandardCharsets.UTF_8)));
    }

    static String customerJson(long i) {
      return "{\"customerName\":\"C "
          + i
          + "\",\"email\":\""
          + email(i)
          + "\",\"phone\":\"8015551212\",\"birthDay\":\"1980-01-01\",\"serialNumber\":\""
          + new UUID(0x5a0e5eed00004000L, 0x8000000000000000L | i)
          + "\",\"registrationDate\":"
          + T0
          + ",\"lastUpdateDate\":"
          + T0
          + ",\"shareWithResearchAsOfDate\":"
          + T0
          + "}";
    }

    static String readingJson(long i, long customer) {
      return "{\"user\":\""
          + email(customer)
          + "\",\"timestamp\":"
          + (T0 + i)
          + ",\"x\":"
          + (i % 1000) / 100.0
          + ",\"y\":"
          + -((i % 777) / 100.0)
          + ",\"z\":9.81}";
    }

    private static String email(long customer) {
      return "c" + customer + "@bench.test";
    }
  }

  /** Counts the admitted readings and when the first and the latest were admitted. */
  static final class CountAdmittedFn extends DoFn<AccelerometerReading, Void> {
    @ProcessElement
    public void processElement() {
      long now = System.nanoTime();
      FIRST_ADMITTED_NANOS.compareAndSet(0, now);
      LAST_ADMITTED_NANOS.accumulateAndGet(now, Math::max);
      ADMITTED.incrementAndGet();
    }
  }

  /** A step-trainer reading of the phone's customer at the phone reading's millisecond. */
  static final class StepAtEachReadingFn extends DoFn<AccelerometerReading, OwnedStepReading> {
    private static final String SERIAL = "0f2d4c1e-6b7a-4f1e-9c3d-2a1b0c9d8e7f";

    @ProcessElement
    public void processElement(
        @Element AccelerometerReading phone, OutputReceiver<OwnedStepReading> out) {
      out.output(
          new OwnedStepReading(phone.user(), new StepTrainerReading(phone.timestamp(), SERIAL, 1)));
    }
  }

  /** Counts the machine-learning rows: one per held moment once both its readings are in. */
  static final class CountJoinedFn extends DoFn<MachineLearningRow, Void> {
    @ProcessElement
    public void processElement() {
      JOINED.incrementAndGet();
    }
  }

  /** Counts the customers that entered the trusted table (each once: their first record). */
  static final class CountCustomersFn extends DoFn<Customer, Void> {
    @ProcessElement
    public void processElement() {
      TRUSTED_CUSTOMERS.incrementAndGet();
    }
  }

  /** Counts rejected messages (none are expected). */
  static final class CountRejectedFn extends DoFn<Rejected, Void> {
    @ProcessElement
    public void processElement() {
      REJECTED.incrementAndGet();
    }
  }

  /**
   * The indices {@code first, first + stride, ...} below {@code end}, as an unbounded source that
   * goes idle (never finishes) after the last one: {@code GenerateSequence.to(...)} would make the
   * input bounded and the stage would run its bounded path. Indices at or above {@code
   * firstReading} are readings, emitted at most {@code readingsPerSecond} a second (0: no limit).
   * Each element's timestamp is the time it was emitted.
   */
  static final class SequenceSource extends UnboundedSource<Long, SequenceSource.Mark> {
    private final long first;
    private final long stride;
    private final long end;
    private final long firstReading;
    private final double readingsPerSecond;

    SequenceSource(long first, long stride, long end, long firstReading, double readingsPerSecond) {
      this.first = first;
      this.stride = stride;
      this.end = end;
      this.firstReading = firstReading;
      this.readingsPerSecond = readingsPerSecond;
    }

    /** Where a reader stands: the next index, and when this split emitted its first reading. */
    record Mark(long next, long readingsStartMillis)
        implements UnboundedSource.CheckpointMark, Serializable {
      @Override
      public void finalizeCheckpoint() {}
    }

    @Override
    public List<SequenceSource> split(int desiredNumSplits, PipelineOptions options) {
      if (stride != 1) {
        return List.of(this);
      }
      int splits = (int) Math.max(1, Math.min(desiredNumSplits, end - first));
      List<SequenceSource> sources = new ArrayList<>();
      for (int k = 0; k < splits; k++) {
        sources.add(
            new SequenceSource(first + k, splits, end, firstReading, readingsPerSecond / splits));
      }
      return sources;
    }

    @Override
    public UnboundedReader<Long> createReader(PipelineOptions options, @Nullable Mark mark) {
      return mark == null
          ? new Reader(this, first, 0)
          : new Reader(this, mark.next(), mark.readingsStartMillis());
    }

    @Override
    public Coder<Mark> getCheckpointMarkCoder() {
      return SerializableCoder.of(Mark.class);
    }

    @Override
    public Coder<Long> getOutputCoder() {
      return VarLongCoder.of();
    }

    /** Readings of this split before index {@code next} (an index of this split). */
    long readingsBefore(long next) {
      long firstOfSplit =
          firstReading <= first
              ? first
              : first + (firstReading - first + stride - 1) / stride * stride;
      return next > firstOfSplit ? (next - firstOfSplit) / stride : 0;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof SequenceSource other
          && first == other.first
          && stride == other.stride
          && end == other.end
          && firstReading == other.firstReading
          && readingsPerSecond == other.readingsPerSecond;
    }

    @Override
    public int hashCode() {
      return Objects.hash(first, stride, end, firstReading, readingsPerSecond);
    }

    static final class Reader extends UnboundedSource.UnboundedReader<Long> {
      private final SequenceSource source;
      private long next;
      private long readingsStartMillis;
      private long current = -1;
      private Instant timestamp = BoundedWindow.TIMESTAMP_MIN_VALUE;

      Reader(SequenceSource source, long next, long readingsStartMillis) {
        this.source = source;
        this.next = next;
        this.readingsStartMillis = readingsStartMillis;
      }

      @Override
      public boolean start() {
        return advance();
      }

      @Override
      public boolean advance() {
        if (next >= source.end) {
          return false;
        }
        if (next >= source.firstReading && source.readingsPerSecond > 0) {
          long now = System.currentTimeMillis();
          if (readingsStartMillis == 0) {
            readingsStartMillis = now;
          }
          double allowed = 1 + (now - readingsStartMillis) * source.readingsPerSecond / 1000.0;
          if (source.readingsBefore(next) >= allowed) {
            return false;
          }
        }
        current = next;
        next += source.stride;
        timestamp = Instant.now();
        return true;
      }

      @Override
      public Long getCurrent() {
        if (current < 0) {
          throw new NoSuchElementException();
        }
        return current;
      }

      @Override
      public Instant getCurrentTimestamp() {
        if (current < 0) {
          throw new NoSuchElementException();
        }
        return timestamp;
      }

      @Override
      public Instant getWatermark() {
        return timestamp;
      }

      @Override
      public Mark getCheckpointMark() {
        return new Mark(next, readingsStartMillis);
      }

      @Override
      public SequenceSource getCurrentSource() {
        return source;
      }

      @Override
      public void close() {}
    }
  }
}
