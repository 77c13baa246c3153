package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.EmbeddedKafka;
import dev.zonestream.demo.HostileCorpus;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.model.LandingLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No message stops the job. The hostile corpus ({@link HostileCorpus}, its multi-megabyte tier
 * included) goes through the files source (a job of its own with a modest heap) and through a real
 * Kafka broker (a stream), and each lake is backfilled ({@code --source=landing}). Every message
 * lands as it was sent; every bad one is rejected with a reason its kind's pattern matches; the
 * good ones reach trusted and nothing of a customer without consent does; the four runs give the
 * same tables, and each backfill the rejects of the run it rebuilds. Expectations come from the
 * corpus's manifest, written by the generator.
 */
class HostileInputIT {
  private static final String JOB_HEAP = "-Xmx1g";
  private static final long JOB_MINUTES = 5;
  private static final String TOPIC_PREFIX = "ht.";
  private static final List<String> TABLES = ZonesIT.TABLES;
  private static final List<String> LANDING_FOLDERS =
      List.of("_unrouted", "accelerometer", "customer", "step_trainer");

  @TempDir static Path work;
  private static List<Expected> kinds;
  private static Map<String, Expected> byKey;
  private static final Map<String, Snapshot> runs = new LinkedHashMap<>();

  /** One kind of the manifest, with its messages read from its file. */
  record Expected(
      String folder,
      String kind,
      String expect,
      @Nullable Pattern reason,
      List<byte[]> messages,
      long fileMessages,
      long brokerMessages) {
    String key() {
      return folder + "/" + kind;
    }

    String dataset() {
      return folder.equals(HostileCorpus.UNKNOWN_FOLDER) ? "_unrouted" : folder;
    }

    /** Non-blank messages: what the files source reads of this kind. */
    List<byte[]> fileLines() {
      return messages.stream().filter(m -> !HostileCorpus.isBlank(m)).toList();
    }
  }

  /** What one run left in its lake. */
  record Snapshot(
      String name,
      boolean broker,
      Map<String, List<Envelope>> landedByKind,
      Map<String, List<String>> tables,
      Map<String, List<String>> rejectReasonsByKind,
      List<String> rejects,
      JsonNode summary) {}

  @BeforeAll
  static void runFilesKafkaAndBackfills() throws Exception {
    Path input = work.resolve("input");
    HostileCorpus.writeTo(
        new HostileCorpus(HostileCorpus.DEFAULT_SEED, true).generate(),
        HostileCorpus.DEFAULT_SEED,
        true,
        input);
    kinds = readManifest(input);
    byKey = kinds.stream().collect(Collectors.toMap(Expected::key, k -> k));

    // The bounded jobs run beside the stream (which mostly waits on windows and the broker).
    Path filesLake = work.resolve("files-lake");
    Path kafkaLake = work.resolve("kafka-lake");
    Job files = Job.start("files", "--input=" + input, "--lake=" + filesLake);
    try {
      stream(kafkaLake);
    } finally {
      files.assertEndedWell();
    }
    runs.put("files", snapshot("files", filesLake, false));
    runs.put("kafka", snapshot("kafka", kafkaLake, true));

    Job filesBackfill = Job.start("files-backfill", "--source=landing", "--lake=" + filesLake);
    Job kafkaBackfill = Job.start("kafka-backfill", "--source=landing", "--lake=" + kafkaLake);
    filesBackfill.assertEndedWell();
    kafkaBackfill.assertEndedWell();
    runs.put("files backfill", snapshot("files backfill", filesLake, false));
    runs.put("kafka backfill", snapshot("kafka backfill", kafkaLake, true));
    writeCounts();
  }

  @Test
  void everyMessageLandsAsItWasSent() {
    for (Snapshot run : runs.values()) {
      for (Expected kind : kinds) {
        List<Envelope> landed = run.landedByKind().getOrDefault(kind.key(), List.of());
        long expected = run.broker() ? kind.brokerMessages() : kind.fileMessages();
        assertThat(run.name() + " " + kind.key(), (long) landed.size(), equalTo(expected));
        List<byte[]> sent = new ArrayList<>(run.broker() ? kind.messages() : kind.fileLines());
        while (run.broker() && sent.size() < kind.brokerMessages()) {
          sent.add(new byte[0]); // a record without a value lands as an empty payload
        }
        assertThat(
            run.name() + " " + kind.key() + ": landed payloads are the messages sent",
            landed.stream()
                .map(e -> Base64.getEncoder().encodeToString(e.payload()))
                .sorted()
                .toList(),
            equalTo(
                sent.stream()
                    .map(HostileInputIT::asLanded)
                    .map(b -> Base64.getEncoder().encodeToString(b))
                    .sorted()
                    .toList()));
      }
    }
  }

  @Test
  void everyBadMessageIsRejectedWithItsReasonAndNoOtherIs() {
    for (Snapshot run : runs.values()) {
      Set<String> unknownKinds = new TreeSet<>(run.rejectReasonsByKind().keySet());
      unknownKinds.removeAll(byKey.keySet());
      assertThat(run.name() + ": rejects of no kind", unknownKinds, empty());
      for (Expected kind : kinds) {
        List<String> reasons = run.rejectReasonsByKind().getOrDefault(kind.key(), List.of());
        long messages = run.broker() ? kind.brokerMessages() : kind.fileMessages();
        long expected = kind.expect().equals("rejected") ? messages : 0;
        assertThat(
            run.name() + " " + kind.key() + " " + reasons,
            (long) reasons.size(),
            equalTo(expected));
        for (String reason : reasons) {
          assertThat(run.name() + " " + kind.key(), reason.isBlank(), equalTo(false));
          assertThat(
              run.name() + " " + kind.key() + ": " + reason,
              kind.reason() == null || kind.reason().matcher(reason).find(),
              equalTo(true));
        }
      }
    }
  }

  @Test
  void goodMessagesReachTrustedOnceAndExcludedOnesDoNot() throws IOException {
    for (Snapshot run : runs.values()) {
      for (Expected kind : kinds) {
        if (kind.folder().equals(HostileCorpus.UNKNOWN_FOLDER)) {
          continue;
        }
        if (kind.expect().equals("rejected")) {
          assertThat(run.name() + " " + kind.key(), trusted(run, kind), equalTo(0L));
          continue;
        }
        List<String> rows = run.tables().get("trusted/" + kind.folder());
        for (byte[] message : kind.fileLines()) {
          String identity = identity(kind.folder(), parse(message));
          long found =
              rows.stream().filter(r -> identity.equals(rowIdentity(kind.folder(), r))).count();
          long expected = kind.expect().equals("excluded") ? 0 : 1;
          assertThat(run.name() + " " + kind.key() + " " + identity, found, equalTo(expected));
        }
      }
    }
  }

  @Test
  void nothingOfACustomerWithoutConsentReachesTheZones() throws IOException {
    Map<String, Long> consentByEmail = new HashMap<>();
    Map<String, Long> consentBySerial = new HashMap<>();
    for (Expected kind : kinds) {
      if (kind.folder().equals("customer") && kind.expect().equals("trusted")) {
        for (byte[] message : kind.fileLines()) {
          JsonNode customer = parse(message);
          long consent = customer.get("shareWithResearchAsOfDate").asLong();
          consentByEmail.put(customer.get("email").asText(), consent);
          consentBySerial.put(customer.get("serialNumber").asText(), consent);
        }
      }
    }
    assertThat(consentByEmail.size(), greaterThan(0));
    for (Snapshot run : runs.values()) {
      for (String table : List.of("trusted/customer", "curated/customer")) {
        for (String row : run.tables().get(table)) {
          assertThat(
              run.name() + " " + row,
              consentByEmail.containsKey(LakeFiles.MAPPER.readTree(row).get("email").asText()),
              equalTo(true));
        }
      }
      for (String row : run.tables().get("trusted/accelerometer")) {
        JsonNode node = LakeFiles.MAPPER.readTree(row);
        Long consent = consentByEmail.get(node.get("user").asText());
        assertThat(
            run.name() + " " + row,
            consent != null && node.get("timestamp").asLong() >= consent,
            equalTo(true));
      }
      for (String table : List.of("trusted/step_trainer", "curated/machine_learning")) {
        for (String row : run.tables().get(table)) {
          JsonNode node = LakeFiles.MAPPER.readTree(row);
          Long consent = consentBySerial.get(node.get("serialNumber").asText());
          assertThat(
              run.name() + " " + row,
              consent != null && node.get("sensorReadingTime").asLong() >= consent,
              equalTo(true));
          for (String personal : List.of("email", "user", "customerName", "phone", "birthDay")) {
            assertThat(run.name() + " " + row, node.has(personal), equalTo(false));
          }
        }
      }
    }
  }

  @Test
  void everyRunGivesTheSameTablesAndEachBackfillTheRejectsOfItsRun() {
    Map<String, List<String>> files = runs.get("files").tables();
    for (String table : TABLES) {
      assertThat(table, files.get(table), not(empty()));
    }
    for (Snapshot run : runs.values()) {
      for (String table : TABLES) {
        assertThat(run.name() + " " + table, run.tables().get(table), equalTo(files.get(table)));
      }
    }
    assertThat(runs.get("files backfill").rejects(), equalTo(runs.get("files").rejects()));
    assertThat(runs.get("kafka backfill").rejects(), equalTo(runs.get("kafka").rejects()));
    // The same messages give the same rejects whichever source carried them.
    List<String> kafkaOfFileKinds =
        runs.get("kafka").rejects().stream()
            .filter(r -> isFileKind(r.substring(0, r.indexOf(' '))))
            .toList();
    assertThat(kafkaOfFileKinds, equalTo(runs.get("files").rejects()));
  }

  @Test
  void theSummaryAccountsForEveryMessageAndCountsTheRejects() {
    for (Snapshot run : runs.values()) {
      JsonNode accounting = run.summary().get("accounting");
      for (String dataset : LANDING_FOLDERS) {
        JsonNode o = accounting.get(dataset);
        long rejected =
            kinds.stream()
                .filter(k -> k.dataset().equals(dataset) && k.expect().equals("rejected"))
                .mapToLong(k -> run.broker() ? k.brokerMessages() : k.fileMessages())
                .sum();
        assertThat(run.name() + " " + dataset, o.get("rejected").asLong(), equalTo(rejected));
        assertThat(run.name() + " " + dataset, o.get("waiting").asLong(), equalTo(0L));
        assertThat(
            run.name() + " " + dataset + " " + o,
            o.get("rejected").asLong()
                + o.get("duplicate").asLong()
                + o.get("superseded").asLong()
                + o.get("excluded").asLong()
                + o.get("trusted").asLong(),
            equalTo(o.get("read").asLong()));
      }
    }
  }

  @Test
  void pathLikeValuesMakeNoPaths() throws IOException {
    for (String lake : List.of("files-lake", "kafka-lake")) {
      Path root = work.resolve(lake);
      assertThat(lake, folders(root.resolve("landing")), equalTo(new TreeSet<>(LANDING_FOLDERS)));
      assertThat(
          lake,
          folders(root.resolve("trusted")),
          equalTo(
              new TreeSet<>(List.of("_rejected", "accelerometer", "customer", "step_trainer"))));
      assertThat(
          lake,
          new TreeSet<>(LANDING_FOLDERS).containsAll(folders(root.resolve("trusted/_rejected"))),
          equalTo(true));
    }
    try (Stream<Path> all = Files.walk(work)) {
      List<String> escaped =
          all.map(p -> p.getFileName().toString())
              .filter(n -> n.equals("passwd") || n.equals("win.ini") || n.contains(".."))
              .toList();
      assertThat(escaped, empty());
    }
  }

  // ---- the runs ----

  /** The job in a JVM of its own with a modest heap: it must end, with exit code 0. */
  private record Job(String name, Process process, Path log, long startNanos) {
    static Job start(String name, String... args) throws IOException {
      Path log = work.resolve(name + ".log");
      Process process = ClusterRunChecks.startMain(JOB_HEAP, log, args);
      return new Job(name, process, log, System.nanoTime());
    }

    void assertEndedWell() throws Exception {
      boolean ended = process.waitFor(JOB_MINUTES, TimeUnit.MINUTES);
      if (!ended) {
        process.destroyForcibly().waitFor();
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      System.out.printf(
          "%s: %.1f s with %s%n%s%n",
          name, (System.nanoTime() - startNanos) / 1e9, JOB_HEAP, output);
      assertThat(name + " ended within " + JOB_MINUTES + " minutes", ended, equalTo(true));
      assertThat(name + ":\n" + output, process.exitValue(), equalTo(0));
      // The Direct runner logs a worker's OutOfMemoryError and may still end DONE.
      assertThat(name + ":\n" + output, output.contains("OutOfMemoryError"), equalTo(false));
    }
  }

  /**
   * Streams the corpus through a real broker as devices would send it: customers first, then phone
   * readings (and the unknown dataset), then step-trainer readings, each once the one before
   * landed; every line is a message (blank ones too), each kind's records keyed by the kind's name,
   * and each kind's records without a value sent as tombstones.
   */
  private static void stream(Path lake) throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      List<String> folders =
          List.of("customer", "accelerometer", "step_trainer", HostileCorpus.UNKNOWN_FOLDER);
      try (Admin admin = kafka.admin()) {
        List<NewTopic> topics = new ArrayList<>();
        for (String folder : folders) {
          topics.add(
              new NewTopic(TOPIC_PREFIX + folder, 2, (short) 1)
                  .configs(
                      Map.of(
                          "message.timestamp.type",
                          "LogAppendTime",
                          "max.message.bytes",
                          Integer.toString(8 << 20))));
        }
        admin.createTopics(topics).all().get();
      }
      Map<String, Long> published = new TreeMap<>();
      for (Expected kind : kinds) {
        published.merge(kind.dataset(), kind.brokerMessages(), Long::sum);
      }
      List<String> args =
          List.of(
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--topics=customer=ht.customer,accelerometer=ht.accelerometer,"
                  + "step_trainer=ht.step_trainer",
              "--topicPattern=ht\\..*",
              "--consumerGroup=hostile",
              "--lake=" + lake,
              "--windowSeconds=2",
              "--maxBrokerDelaySeconds=1",
              "--consentWaitSeconds=10",
              "--runTimeoutSeconds=240");
      ExecutorService job = Executors.newSingleThreadExecutor();
      Future<Integer> run =
          job.submit(
              () ->
                  JobRunner.runUntilSettled(
                      args.toArray(String[]::new), published, System.out, System.err));
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              Map.of(
                  "bootstrap.servers",
                  kafka.bootstrapServers(),
                  "acks",
                  "all",
                  "max.request.size",
                  8 << 20,
                  "buffer.memory",
                  64L << 20),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        send(producer, "customer");
        awaitLanded(lake, "customer", published.get("customer"), run);
        send(producer, "accelerometer");
        send(producer, HostileCorpus.UNKNOWN_FOLDER);
        // A step trainer's owner is known once the owner has a trusted phone reading; a step
        // reading that waits longer than the consent wait for that is excluded, by design (see
        // the README). So the phone readings go first, as the customers did.
        awaitLanded(lake, "accelerometer", published.get("accelerometer"), run);
        send(producer, "step_trainer");
      }
      int code = run.get(5, TimeUnit.MINUTES);
      job.shutdown();
      assertThat("the stream settled over everything published", code, equalTo(0));
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String folder) throws Exception {
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (Expected kind : kinds) {
      if (!kind.folder().equals(folder)) {
        continue;
      }
      byte[] key = kind.kind().getBytes(StandardCharsets.UTF_8);
      for (byte[] message : kind.messages()) {
        acks.add(producer.send(new ProducerRecord<>(TOPIC_PREFIX + folder, key, message)));
      }
      for (long i = kind.messages().size(); i < kind.brokerMessages(); i++) {
        acks.add(producer.send(new ProducerRecord<>(TOPIC_PREFIX + folder, key, null)));
      }
    }
    for (Future<RecordMetadata> ack : acks) {
      ack.get();
    }
  }

  private static void awaitLanded(Path lake, String folder, long count, Future<Integer> run)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline && !run.isDone()) {
      if (LakeProgress.linesPerFolder(lake.resolve("landing").toString()).getOrDefault(folder, 0L)
          >= count) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(folder + " did not land in time");
  }

  // ---- reading the corpus and the lakes ----

  private static List<Expected> readManifest(Path input) throws IOException {
    JsonNode manifest = LakeFiles.readJson(input.resolve(HostileCorpus.MANIFEST));
    List<Expected> expected = new ArrayList<>();
    for (JsonNode kind : manifest.get("kinds")) {
      List<byte[]> messages =
          kind.get("file").isNull()
              ? List.of()
              : messages(input.resolve(kind.get("file").asText()));
      assertThat(kind.toString(), (long) messages.size(), equalTo(kind.get("lines").asLong()));
      expected.add(
          new Expected(
              kind.get("folder").asText(),
              kind.get("kind").asText(),
              kind.get("expect").asText(),
              kind.get("reason").isNull() ? null : Pattern.compile(kind.get("reason").asText()),
              messages,
              kind.get("files").asLong(),
              kind.get("broker").asLong()));
    }
    return expected;
  }

  /** Every line of a file as the message it is (blank ones too), less a {@code \r} ending. */
  private static List<byte[]> messages(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
        lines.add(Arrays.copyOfRange(bytes, start, end));
        start = i + 1;
      }
    }
    return lines;
  }

  private static Snapshot snapshot(String name, Path lake, boolean broker) throws IOException {
    Map<String, List<Envelope>> landed = new TreeMap<>();
    for (byte[] line : rawLines(lake.resolve("landing"))) {
      Envelope envelope = LandingLine.parse(line);
      landed.computeIfAbsent(kindKey(envelope), k -> new ArrayList<>()).add(envelope);
    }
    Map<String, List<String>> reasons = new TreeMap<>();
    List<String> rejects = new ArrayList<>();
    for (byte[] line : rawLines(lake.resolve("trusted/_rejected"))) {
      Envelope envelope = LandingLine.parse(line);
      String reason = JsonPayload.LANDING_LINE_MAPPER.readTree(line).path("reason").asText();
      String key = kindKey(envelope);
      reasons.computeIfAbsent(key, k -> new ArrayList<>()).add(reason);
      rejects.add(
          key
              + " | "
              + envelope.dataset()
              + " | "
              + reason
              + " | "
              + Base64.getEncoder().encodeToString(envelope.payload()));
    }
    rejects.sort(null);
    return new Snapshot(
        name,
        broker,
        landed,
        ZonesIT.tables(lake),
        reasons,
        rejects,
        LakeFiles.readJson(lake.resolve("_summary.json")));
  }

  /** {@code folder/kind} of a landed message: from its file's path, or its Kafka topic and key. */
  private static String kindKey(Envelope envelope) {
    if (envelope.key() != null) {
      return envelope.source().substring(TOPIC_PREFIX.length())
          + "/"
          + new String(envelope.key(), StandardCharsets.UTF_8);
    }
    Path source = Path.of(envelope.source().replaceFirst("^file:", ""));
    String file = source.getFileName().toString();
    return source.getParent().getFileName() + "/" + file.substring(0, file.indexOf(".jsonl"));
  }

  private static boolean isFileKind(String key) {
    Expected kind = byKey.get(key);
    return kind != null && kind.fileMessages() == kind.brokerMessages();
  }

  /** Every line of every final file under {@code folder}, as bytes. */
  private static List<byte[]> rawLines(Path folder) throws IOException {
    List<byte[]> lines = new ArrayList<>();
    if (!Files.isDirectory(folder)) {
      return lines;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path file :
          files
              .filter(Files::isRegularFile)
              .filter(p -> p.toString().contains(".jsonl"))
              .filter(p -> !p.toString().contains("/."))
              .toList()) {
        try (InputStream raw = Files.newInputStream(file);
            InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
          for (byte[] line : messages(in.readAllBytes())) {
            lines.add(line);
          }
        }
      }
    }
    return lines;
  }

  private static List<byte[]> messages(byte[] bytes) {
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        lines.add(Arrays.copyOfRange(bytes, start, i));
        start = i + 1;
      }
    }
    return lines;
  }

  /**
   * A message as landing keeps it: a JSON payload without a byte-order mark or the whitespace
   * around it, anything else byte for byte.
   */
  private static byte[] asLanded(byte[] message) {
    if (JsonPayload.problem(message).isPresent()) {
      return message;
    }
    String text = new String(message, StandardCharsets.UTF_8);
    return (text.startsWith("\uFEFF") ? text.substring(1) : text)
        .strip()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static JsonNode parse(byte[] message) throws IOException {
    String text = new String(message, StandardCharsets.UTF_8);
    return LakeFiles.MAPPER.readTree(text.startsWith("\uFEFF") ? text.substring(1) : text);
  }

  /** Who and when a record is about: what one row of its trusted table stands for. */
  private static String identity(String folder, JsonNode record) {
    return switch (folder) {
      case "customer" -> record.get("email").asText();
      case "accelerometer" -> record.get("user").asText() + "@" + record.get("timestamp").asLong();
      default ->
          record.get("serialNumber").asText() + "@" + record.get("sensorReadingTime").asLong();
    };
  }

  private static String rowIdentity(String folder, String row) {
    try {
      return identity(folder, LakeFiles.MAPPER.readTree(row));
    } catch (IOException e) {
      throw new AssertionError(row, e);
    }
  }

  private static Set<String> folders(Path folder) throws IOException {
    try (Stream<Path> children = Files.list(folder)) {
      return children
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  /** The per-kind counts of every run, printed and kept beside the test reports. */
  private static void writeCounts() throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    out.printf(
        "%-14s %-26s %-9s | %5s %6s %8s %7s | %5s %6s %8s %7s%n",
        "folder",
        "kind",
        "expect",
        "files",
        "landed",
        "rejected",
        "trusted",
        "kafka",
        "landed",
        "rejected",
        "trusted");
    for (Expected kind : kinds) {
      out.printf(
          "%-14s %-26s %-9s | %5d %6d %8d %7d | %5d %6d %8d %7d%n",
          kind.folder(),
          kind.kind(),
          kind.expect(),
          kind.fileMessages(),
          landed(runs.get("files"), kind),
          rejected(runs.get("files"), kind),
          trusted(runs.get("files"), kind),
          kind.brokerMessages(),
          landed(runs.get("kafka"), kind),
          rejected(runs.get("kafka"), kind),
          trusted(runs.get("kafka"), kind));
    }
    String table = buffer.toString(StandardCharsets.UTF_8);
    System.out.print(table);
    Files.writeString(Path.of("target", "hostile-input-counts.txt"), table);
  }

  private static long landed(Snapshot run, Expected kind) {
    return run.landedByKind().getOrDefault(kind.key(), List.of()).size();
  }

  private static long rejected(Snapshot run, Expected kind) {
    return run.rejectReasonsByKind().getOrDefault(kind.key(), List.of()).size();
  }

  private static long trusted(Snapshot run, Expected kind) {
    if (kind.folder().equals(HostileCorpus.UNKNOWN_FOLDER)) {
      return 0;
    }
    List<String> rows = run.tables().get("trusted/" + kind.folder());
    long count = 0;
    for (byte[] message : kind.fileLines()) {
      try {
        String identity = identity(kind.folder(), parse(message));
        if (rows.stream().anyMatch(r -> identity.equals(rowIdentity(kind.folder(), r)))) {
          count++;
        }
      } catch (IOException | RuntimeException e) {
        // Not a record: it cannot be in trusted.
      }
    }
    return count;
  }
}
