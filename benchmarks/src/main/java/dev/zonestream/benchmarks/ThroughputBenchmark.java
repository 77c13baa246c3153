package dev.zonestream.benchmarks;

import dev.zonestream.lake.LakePaths;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.LandingLine;
import dev.zonestream.pipeline.LakeProgress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Throughput of zonestream beside a plain {@code KafkaConsumer} on one topic: the project's broker
 * in a JVM of its own, N accelerometer messages over 24 hours of broker time on a topic of several
 * partitions, then in turn the baseline ({@link BaselineConsumer}: one thread, the same landing
 * lines into the same gzip hour folders), and zonestream ({@code bin/zonestream}, each runner's
 * {@code runners-config/*-local.args}) landing only and with its whole graph. Each run is a process
 * of its own with the same heap; each output is checked (every message once, in its hour folder).
 * See README.md.
 */
public final class ThroughputBenchmark {
  static final String DATASET = "accelerometer";
  static final String CUSTOMER_TOPIC = "bench.customer";

  /**
   * The first message's broker time: the start of the hour 26 hours ago, so the 24 hours of
   * messages end an hour before the run. Not a fixed date: the broker deletes messages older than
   * its retention (seven days) half a minute after it starts.
   */
  static final long T0 = System.currentTimeMillis() / 3_600_000L * 3_600_000L - 26 * 3_600_000L;

  static final long SPAN_MILLIS = 24 * 3_600_000L;
  private static final long POLL_MILLIS = 1_000;

  private final Options options;
  private final Path repository;
  private final PrintStream out;
  private final long startNanos = System.nanoTime();

  private ThroughputBenchmark(Options options, Path repository, PrintStream out) {
    this.options = options;
    this.repository = repository;
    this.out = out;
  }

  /** What one run gives. */
  record Row(
      long messages,
      String tool,
      String graph,
      double seconds,
      double startupSeconds,
      double messagesPerSecond,
      double ratio,
      long peakRssKb,
      String check) {
    String label() {
      return graph.isEmpty() ? tool : tool + " " + graph;
    }
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("throughput: " + e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    int code = new ThroughputBenchmark(options, ChaosBenchmark.findRepository(), System.out).run();
    System.exit(code);
  }

  private int run() throws Exception {
    Files.createDirectories(options.work());
    List<Row> rows = new ArrayList<>();
    for (String runner : options.runners()) {
      // bin/zonestream builds a runner's classpath on first use: not in a measured start-up.
      JobProcess build =
          JobProcess.start(
              repository,
              List.of("--runnerConfig=runners-config/" + runner + ".args", "--help"),
              options.work().resolve("build-" + runner + ".log"));
      if (!build.awaitExit(1200) || build.exitCode() != 0) {
        log("cannot build " + runner + ": " + build.tail(5));
        return 1;
      }
    }
    BrokerProcess broker =
        BrokerProcess.start(options.work().resolve("broker"), options.work().resolve("broker.log"));
    Runtime.getRuntime().addShutdownHook(new Thread(broker::killNow, "broker-kill"));
    try {
      log("broker on " + broker.bootstrapServers());
      publishCustomers(broker.bootstrapServers());
      for (long n : options.sizes()) {
        String topic = "bench.accelerometer." + n;
        long loadStart = System.nanoTime();
        publishReadings(broker.bootstrapServers(), topic, n);
        log(
            String.format(
                Locale.ROOT,
                "published %,d messages to %s (%d partitions) in %.1f s",
                n,
                topic,
                options.partitions(),
                (System.nanoTime() - loadStart) / 1e9));
        Row baseline = runBaseline(broker.bootstrapServers(), topic, n);
        rows.add(baseline);
        printRow(baseline);
        for (String runner : options.runners()) {
          for (String graph : options.graphs()) {
            Row row = runZonestream(broker.bootstrapServers(), topic, n, runner, graph, baseline);
            rows.add(row);
            printRow(row);
          }
        }
      }
    } finally {
      broker.stop();
    }
    out.println();
    printTable(rows);
    Path plot = options.work().resolve("throughput.png");
    ThroughputPlot.draw(rows, plot);
    out.println("plot: " + plot);
    return rows.stream().allMatch(r -> r.check().equals("ok")) ? 0 : 1;
  }

  /** Customers who all consented a day before the first reading, for the whole graph's join. */
  private void publishCustomers(String bootstrap) throws Exception {
    createTopic(bootstrap, CUSTOMER_TOPIC, 1);
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      for (int c = 0; c < options.customers(); c++) {
        String email = email(c);
        String json =
            String.format(
                Locale.ROOT,
                "{\"customerName\":\"Bench Customer %d\",\"email\":\"%s\",\"phone\":\"8015551212\","
                    + "\"birthDay\":\"1980-01-01\",\"serialNumber\":\"%s\","
                    + "\"registrationDate\":%d,\"lastUpdateDate\":%d,"
                    + "\"shareWithResearchAsOfDate\":%d}",
                c,
                email,
                new UUID(0, c),
                T0 - 2 * 86_400_000L,
                T0 - 86_400_000L,
                T0 - 86_400_000L);
        producer.send(
            new ProducerRecord<>(
                CUSTOMER_TOPIC,
                null,
                T0 - 86_400_000L,
                email.getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
    }
  }

  static String email(int customer) {
    return "bench.customer." + customer + "@test.com";
  }

  /**
   * N readings, message i at broker time {@code T0 + i * 24 h / N} on partition {@code i mod P}
   * (each partition's times ascend, as a device fleet's do), about 100 bytes each, of customer
   * {@code i mod customers}.
   */
  private void publishReadings(String bootstrap, String topic, long n) throws Exception {
    createTopic(bootstrap, topic, options.partitions());
    List<Future<RecordMetadata>> last = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      for (long i = 0; i < n; i++) {
        long time = T0 + i * SPAN_MILLIS / n;
        String json =
            String.format(
                Locale.ROOT,
                "{\"user\":\"%s\",\"timestamp\":%d,\"x\":%.3f,\"y\":%.3f,\"z\":%.3f}",
                email((int) (i % options.customers())),
                time,
                ((i * 7919) % 2000 - 1000) / 1000.0,
                ((i * 104729) % 2000 - 1000) / 1000.0,
                ((i * 1299709) % 2000 - 1000) / 1000.0);
        Future<RecordMetadata> ack =
            producer.send(
                new ProducerRecord<>(
                    topic,
                    (int) (i % options.partitions()),
                    time,
                    null,
                    json.getBytes(StandardCharsets.UTF_8)));
        if (i >= n - options.partitions()) {
          last.add(ack);
        }
      }
      producer.flush();
      for (Future<RecordMetadata> ack : last) {
        ack.get();
      }
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.LINGER_MS_CONFIG,
            20,
            ProducerConfig.BATCH_SIZE_CONFIG,
            512 * 1024,
            ProducerConfig.BUFFER_MEMORY_CONFIG,
            128L * 1024 * 1024),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
  }

  /** The baseline in a JVM of its own with the jobs' heap, so its peak RSS compares. */
  private Row runBaseline(String bootstrap, String topic, long n) throws Exception {
    Path lake = options.work().resolve(n + "-baseline");
    Path log = options.work().resolve(n + "-baseline.log");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + options.heap(),
            "-cp",
            System.getProperty("java.class.path"),
            BaselineConsumer.class.getName(),
            bootstrap,
            topic,
            lake.toString());
    long launched = System.currentTimeMillis();
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    int code = process.waitFor();
    Map<String, String> result = new HashMap<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.startsWith("baseline ")) {
        for (String pair : line.substring("baseline ".length()).split(" ")) {
          String[] kv = pair.split("=", 2);
          result.put(kv[0], kv[1]);
        }
      }
    }
    if (code != 0 || !result.containsKey("endMillis")) {
      return failed(n, "baseline", "", "exit " + code + ", see " + log);
    }
    Check check = Check.landing(lake.resolve("landing").resolve(DATASET), n, options.partitions());
    long end = Long.parseLong(result.get("endMillis"));
    double seconds = (end - check.firstIngest()) / 1e3;
    return new Row(
        n,
        "baseline",
        "",
        (end - launched) / 1e3,
        (check.firstIngest() - launched) / 1e3,
        n / seconds,
        1.0,
        Long.parseLong(result.get("peakRssKb")),
        check.problem());
  }

  private Row runZonestream(
      String bootstrap, String topic, long n, String runner, String graph, Row baseline)
      throws Exception {
    String name = n + "-" + runner + "-" + graph;
    Path lake = options.work().resolve(name);
    String topics =
        DATASET + "=" + topic + (graph.equals("all") ? ",customer=" + CUSTOMER_TOPIC : "");
    List<String> args = new ArrayList<>();
    args.add("--runnerConfig=runners-config/" + runner + ".args");
    args.add("--source=kafka");
    args.add("--bootstrapServers=" + bootstrap);
    args.add("--topics=" + topics);
    args.add("--consumerGroup=bench-" + name);
    args.add("--lake=" + lake);
    args.add("--zones=" + graph);
    args.addAll(options.jobArgs());
    String tool = "zonestream " + runner.replace("-local", "");
    log("starting " + tool + " --zones=" + graph + " on " + n + " messages");
    long launched = System.currentTimeMillis();
    JobProcess job =
        JobProcess.start(
            repository,
            args,
            options.work().resolve(name + ".log"),
            Map.of("JAVA_OPTS", ("-Xmx" + options.heap() + " " + options.javaOpts()).strip()));
    Path landing = lake.resolve("landing").resolve(DATASET);
    Path trusted = lake.resolve("trusted").resolve(DATASET);
    // Rows of each final file, counted once (LakeProgress: lines, or a Parquet footer's count).
    Map<String, Long> counted = new HashMap<>();
    long peakRssKb = 0;
    String failure = null;
    long deadline = System.currentTimeMillis() + options.timeoutSeconds() * 1000;
    long lastReport = 0;
    while (true) {
      peakRssKb = Math.max(peakRssKb, peakRssKb(job.pid()));
      long l = rows(lake, "landing", counted);
      long t = graph.equals("all") ? rows(lake, "trusted", counted) : 0;
      if (l >= n && (graph.equals("landing") || t >= n)) {
        break;
      }
      if (!job.isAlive()) {
        failure = "job ended (exit " + job.exitCode() + ") with " + l + " landed: " + why(job);
        break;
      }
      if (System.currentTimeMillis() > deadline) {
        failure = "timed out with " + l + " landed, " + t + " trusted";
        break;
      }
      if (System.currentTimeMillis() - lastReport > 30_000) {
        lastReport = System.currentTimeMillis();
        log(String.format(Locale.ROOT, "  %,d landed, %,d trusted", l, t));
      }
      Thread.sleep(POLL_MILLIS);
    }
    job.stop();
    if (failure != null) {
      return failed(n, tool, graph, failure.replace('\n', ' '));
    }
    Check check = Check.landing(landing, n, options.partitions());
    String problem = check.problem();
    long end = check.lastWrite();
    if (graph.equals("all")) {
      long rows = rows(lake, "trusted", counted);
      if (problem.equals("ok") && rows != n) {
        problem = rows + " trusted rows, expected " + n;
      }
      end = lastModified(trusted);
    }
    double seconds = (end - check.firstIngest()) / 1e3;
    double rate = n / seconds;
    return new Row(
        n,
        tool,
        graph,
        (end - launched) / 1e3,
        (check.firstIngest() - launched) / 1e3,
        rate,
        rate / baseline.messagesPerSecond(),
        peakRssKb,
        problem);
  }

  /** The job log's out-of-memory error or last line of its own, else its last line. */
  private static String why(JobProcess job) {
    List<String> lines = List.of(job.tail(400).split("\n"));
    for (String line : lines) {
      if (line.contains("OutOfMemoryError")) {
        return line.substring(line.indexOf("java.lang.OutOfMemoryError")).strip();
      }
    }
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith("zonestream:")) {
        return lines.get(i);
      }
    }
    return lines.get(lines.size() - 1);
  }

  private static Row failed(long n, String tool, String graph, String why) {
    return new Row(n, tool, graph, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, why);
  }

  /** {@code VmHWM} (the resident set's peak so far) of process {@code pid}, in kB; 0 if gone. */
  static long peakRssKb(long pid) {
    return JobProcess.statusKb(pid, "VmHWM");
  }

  private void printRow(Row row) {
    log(
        String.format(
            Locale.ROOT,
            "%s: %.0f messages/s (%.3fx), start-up %.1f s, peak RSS %d MB, %s",
            row.label(),
            row.messagesPerSecond(),
            row.ratio(),
            row.startupSeconds(),
            row.peakRssKb() / 1024,
            row.check()));
  }

  private void printTable(List<Row> rows) {
    out.println(
        "| messages | tool | zones | wall s | start-up s | messages/s | vs baseline | peak RSS MB"
            + " | check |");
    out.println("|---:|---|---|---:|---:|---:|---:|---:|---|");
    for (Row row : rows) {
      out.printf(
          Locale.ROOT,
          "| %,d | %s | %s | %.1f | %.1f | %,.0f | %.3f | %d | %s |%n",
          row.messages(),
          row.tool(),
          row.graph().isEmpty() ? "-" : row.graph(),
          row.seconds(),
          row.startupSeconds(),
          row.messagesPerSecond(),
          row.ratio(),
          row.peakRssKb() / 1024,
          row.check());
    }
  }

  private void log(String message) {
    System.err.printf(
        Locale.ROOT, "[throughput %7.1f s] %s%n", (System.nanoTime() - startNanos) / 1e9, message);
  }

  /** Rows of the accelerometer dataset's final files in {@code zone} (landing or trusted). */
  private static long rows(Path lake, String zone, Map<String, Long> counted) {
    return LakeProgress.linesPerFolder(lake.resolve(zone).toString(), counted)
        .getOrDefault(DATASET, 0L);
  }

  static long lastModified(Path folder) throws IOException {
    long last = 0;
    for (Path file : finalFiles(folder)) {
      last = Math.max(last, Files.getLastModifiedTime(file).toMillis());
    }
    return last;
  }

  static List<Path> finalFiles(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(folder)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> LakePaths.isFinalLakeFile(folder.relativize(f).toString()))
          .sorted()
          .toList();
    }
  }

  static InputStream open(Path file) throws IOException {
    InputStream raw = Files.newInputStream(file);
    return file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
  }

  /**
   * The check of a landing folder: every message of the topic (partition and offset) exactly once,
   * each in the hour folder of its broker time; and when the first message was read (the earliest
   * ingest time) and the last file written.
   */
  record Check(String problem, long firstIngest, long lastWrite) {
    static Check landing(Path folder, long n, int partitions) throws IOException {
      BitSet[] seen = new BitSet[partitions];
      for (int p = 0; p < partitions; p++) {
        seen[p] = new BitSet();
      }
      long lines = 0;
      long twice = 0;
      long misplaced = 0;
      long firstIngest = Long.MAX_VALUE;
      long lastWrite = 0;
      String example = null;
      for (Path file : finalFiles(folder)) {
        lastWrite = Math.max(lastWrite, Files.getLastModifiedTime(file).toMillis());
        String hour = folder.relativize(file.getParent()).toString();
        try (BufferedReader reader =
            new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8))) {
          for (String line; (line = reader.readLine()) != null; ) {
            lines++;
            Envelope message = LandingLine.parse(line.getBytes(StandardCharsets.UTF_8));
            int partition = Integer.parseInt(String.valueOf(message.partition()));
            int offset = Integer.parseInt(message.offset());
            if (seen[partition].get(offset)) {
              twice++;
            }
            seen[partition].set(offset);
            if (!hour.equals(LakePaths.partition(message.brokerTimestamp()))) {
              misplaced++;
              example = file + " holds a message of " + message.brokerTimestamp();
            }
            firstIngest = Math.min(firstIngest, message.ingestTime());
          }
        }
      }
      long distinct = 0;
      for (BitSet s : seen) {
        distinct += s.cardinality();
      }
      List<String> problems = new ArrayList<>();
      if (distinct != n) {
        problems.add((n - distinct) + " of " + n + " missing");
      }
      if (twice > 0) {
        problems.add(twice + " landed twice");
      }
      if (misplaced > 0) {
        problems.add(misplaced + " in the wrong hour (" + example + ")");
      }
      if (lines != distinct + twice) {
        problems.add(lines + " lines");
      }
      return new Check(
          problems.isEmpty() ? "ok" : String.join("; ", problems), firstIngest, lastWrite);
    }
  }

  /** The benchmark's options. */
  record Options(
      List<Long> sizes,
      List<String> runners,
      List<String> graphs,
      int partitions,
      int customers,
      String heap,
      String javaOpts,
      long timeoutSeconds,
      Path work,
      List<String> jobArgs) {
    static final String USAGE =
        "usage: --messages=1000000[,4000000,...] --runners=direct,flink,spark"
            + " --zones=landing,all --partitions=3 --customers=1000 --heap=2g"
            + " --timeoutSeconds=1800 --work=DIR [--javaOpts='JVM flags of the jobs']"
            + " [--job=--option=value ...]";

    static Options parse(String[] args) {
      Map<String, String> given = new LinkedHashMap<>();
      List<String> jobArgs = new ArrayList<>();
      for (String arg : args) {
        if (arg.startsWith("--job=")) {
          jobArgs.add(arg.substring("--job=".length()));
          continue;
        }
        int eq = arg.indexOf('=');
        if (!arg.startsWith("--") || eq < 0) {
          throw new IllegalArgumentException("expected --name=value, got " + arg);
        }
        given.put(arg.substring(2, eq), arg.substring(eq + 1));
      }
      List<Long> sizes = new ArrayList<>();
      for (String size : given.getOrDefault("messages", "1000000").split(",")) {
        long n = Long.parseLong(size.trim());
        if (n < 1 || n > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("--messages: 1 to 2^31-1 each, got " + n);
        }
        sizes.add(n);
      }
      List<String> runners = new ArrayList<>();
      for (String runner : given.getOrDefault("runners", "direct,flink,spark").split(",")) {
        String config = runner.trim().equals("direct") ? "direct" : runner.trim() + "-local";
        if (!List.of("direct", "flink-local", "spark-local").contains(config)) {
          throw new IllegalArgumentException("--runners: direct, flink or spark, got " + runner);
        }
        runners.add(config);
      }
      List<String> graphs = List.of(given.getOrDefault("zones", "landing,all").split(","));
      for (String graph : graphs) {
        if (!graph.equals("landing") && !graph.equals("all")) {
          throw new IllegalArgumentException("--zones: landing or all, got " + graph);
        }
      }
      Options options =
          new Options(
              sizes,
              runners,
              graphs,
              Integer.parseInt(given.getOrDefault("partitions", "3")),
              Integer.parseInt(given.getOrDefault("customers", "1000")),
              given.getOrDefault("heap", "2g"),
              given.getOrDefault("javaOpts", ""),
              Long.parseLong(given.getOrDefault("timeoutSeconds", "1800")),
              Path.of(given.getOrDefault("work", "/tmp/zonestream-throughput")).toAbsolutePath(),
              jobArgs);
      given
          .keySet()
          .removeAll(
              List.of(
                  "messages",
                  "runners",
                  "zones",
                  "partitions",
                  "customers",
                  "heap",
                  "javaOpts",
                  "timeoutSeconds",
                  "work"));
      if (!given.isEmpty()) {
        throw new IllegalArgumentException("unknown options " + given.keySet());
      }
      if (options.partitions() < 1 || options.customers() < 1) {
        throw new IllegalArgumentException("--partitions and --customers: at least 1");
      }
      return options;
    }
  }
}
