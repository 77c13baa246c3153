package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.lake.LakePaths;
import dev.zonestream.model.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's data (shuffled, duplicated, late and broken messages) sent through a real SQS
 * server (ElasticMQ) and a real Kinesis server (kinesis-mock), read as a stream and as a bounded
 * read, gives the same trusted and curated tables and rejects as the bounded files run that {@link
 * ZonesIT} shows equal to the stream through Kafka.
 */
class AwsSourcesIT {
  private static final Path DATA = Path.of("..", "testdata", "generated", "seed-7-customers-20");
  private static final String CREDENTIALS =
      "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\","
          + "\"accessKeyId\":\"x\",\"secretAccessKey\":\"x\"}";
  private static final List<String> STREAM_ARGS =
      List.of(
          "--windowSeconds=2",
          "--maxBrokerDelaySeconds=1",
          "--consentWaitSeconds=10",
          "--runTimeoutSeconds=240");

  @TempDir static Path work;

  private static Map<String, List<byte[]>> byFolder;
  private static Map<String, List<String>> referenceTables;
  private static List<String> referenceRejects;
  private static Map<String, List<String>> sqsReferenceTables;
  private static List<String> sqsReferenceRejects;
  private static ElasticMq sqs;
  private static KinesisMock kinesis;
  private static S3Mock s3;

  @BeforeAll
  static void startServersAndRunTheReference() throws Exception {
    byFolder = EmbeddedDemo.readFolders(DATA);
    MainTest.Run files = MainTest.run("--input=" + DATA, "--lake=" + work.resolve("reference"));
    assertThat(files.err(), files.code(), equalTo(0));
    referenceTables = ZonesIT.tables(work.resolve("reference"));
    referenceRejects = ZonesIT.rejects(work.resolve("reference"));

    // An SQS body is text of the characters XML allows: a binary payload cannot be sent as is (a
    // producer would encode it), so the SQS reference is the files run over the rest.
    Path sqsInput = work.resolve("sqs-input");
    for (Map.Entry<String, List<byte[]>> folder : byFolder.entrySet()) {
      Files.createDirectories(sqsInput.resolve(folder.getKey()));
      StringBuilder lines = new StringBuilder();
      for (byte[] message : folder.getValue()) {
        String body = sqsBody(message);
        if (body != null && !body.contains("\n")) {
          lines.append(body).append('\n');
        }
      }
      Files.writeString(sqsInput.resolve(folder.getKey()).resolve("messages.jsonl"), lines);
    }
    MainTest.Run sqsFiles =
        MainTest.run("--input=" + sqsInput, "--lake=" + work.resolve("sqs-reference"));
    assertThat(sqsFiles.err(), sqsFiles.code(), equalTo(0));
    sqsReferenceTables = ZonesIT.tables(work.resolve("sqs-reference"));
    sqsReferenceRejects = ZonesIT.rejects(work.resolve("sqs-reference"));

    sqs = ElasticMq.start();
    kinesis = KinesisMock.start();
    s3 = S3Mock.start("lake");
  }

  @AfterAll
  static void stopServers() throws Exception {
    if (sqs != null) {
      sqs.close();
    }
    if (kinesis != null) {
      kinesis.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void sqsStreamGivesTheSameZonesAndKeepsARedeliveredMessageOnce() throws Exception {
    Map<String, List<String>> bodies = sqsBodies();
    // A redelivery as the pipeline sees it: the same body again under a new message id (a
    // producer's retry, a message that came back after its visibility timeout and was re-sent).
    List<String> customers = bodies.get("customer");
    // Valid messages only: a broken one delivered twice is rejected twice, once per delivery.
    List<String> again =
        new ArrayList<>(customers.stream().filter(AwsSourcesIT::isValidCustomer).limit(5).toList());
    bodies.get("accelerometer").stream()
        .filter(b -> b.startsWith("{\"user\"") && !b.contains("soon") && !b.contains("late.reader"))
        .limit(5)
        .forEach(again::add);
    String queues = createQueues("stream", bodies.keySet());
    Map<String, Long> published = counts(bodies);
    published.merge("customer", 5L, Long::sum);
    published.merge("accelerometer", 5L, Long::sum);

    Path lake = work.resolve("sqs-stream");
    MainTest.Run run =
        streamCustomersFirst(
            published,
            sqsArgs(queues, lake, STREAM_ARGS),
            lake,
            customers.size(),
            () -> sqs.send(queueUrl("stream", "customer"), customers),
            () -> {
              bodies.forEach(
                  (folder, list) -> {
                    if (!folder.equals("customer")) {
                      sqs.send(queueUrl("stream", folder), list);
                    }
                  });
              sqs.send(queueUrl("stream", "customer"), again.subList(0, 5));
              sqs.send(queueUrl("stream", "accelerometer"), again.subList(5, 10));
            });
    assertThat(run.err(), run.code(), equalTo(0));
    assertSameZones(lake, sqsReferenceTables, sqsReferenceRejects);
    // Landing holds every delivery, the repeats included; trusted holds each record once.
    assertThat(
        LakeFiles.readAll(lake.resolve("landing/customer")).size(),
        equalTo(published.get("customer").intValue()));
    for (String queue : queuesOf("stream")) {
      assertThat(queue, sqs.depth(queue), equalTo(0L));
    }
  }

  /**
   * SQS in, a lake on S3 out: the two services have their own endpoints ({@code --sqsEndpoint},
   * Beam's {@code --endpoint} for S3), as they would in a private network.
   */
  @Test
  void sqsBoundedReadIntoAnS3LakeGivesTheSameZones() throws Exception {
    Map<String, List<String>> bodies = sqsBodies();
    String queues = sendToQueues("bounded", bodies);
    String lake = "s3://lake/sqs-bounded";
    List<String> extra = new ArrayList<>(List.of("--maxReadSeconds=20"));
    // The S3 server's endpoint and path style; region and credentials are the SQS run's.
    s3.options().stream()
        .filter(o -> o.startsWith("--endpoint=") || o.startsWith("--s3PathStyleAccess="))
        .forEach(extra::add);
    MainTest.Run run = MainTest.run(sqsArgs(queues, lake, extra));
    assertThat(run.err(), run.code(), equalTo(0));
    s3.registerFileSystems();
    Map<String, List<String>> actual = new HashMap<>();
    for (String table : ZonesIT.TABLES) {
      actual.put(
          table,
          LakeFiles.readAllByFile(lake + "/" + table).values().stream()
              .flatMap(List::stream)
              .map(JsonNode::toString)
              .sorted()
              .toList());
      assertThat(table, sqsReferenceTables.get(table), not(empty()));
      assertThat(table, actual.get(table), equalTo(sqsReferenceTables.get(table)));
    }
    List<String> rejects =
        LakeFiles.readAllByFile(lake + "/trusted/_rejected").values().stream()
            .flatMap(List::stream)
            .map(ZonesIT::reject)
            .sorted()
            .toList();
    assertThat(rejects, equalTo(sqsReferenceRejects));
    // Each message lands in the hour of its sent time (Beam's bounded wrapper had stamped them
    // all with the end of time: dt=294247-01-09).
    Map<String, List<JsonNode>> landing = LakeFiles.readAllByFile(lake + "/landing");
    Map<String, Long> landed = new TreeMap<>();
    landing.values().stream()
        .flatMap(List::stream)
        .forEach(line -> landed.merge(line.get("dataset").asText(), 1L, Long::sum));
    assertThat(landed, equalTo(counts(bodies)));
    landing.forEach(
        (file, lines) -> {
          for (JsonNode line : lines) {
            assertThat(
                file,
                containsString(
                    "/" + LakePaths.partition(line.get("brokerTimestamp").asLong()) + "/"));
          }
        });
  }

  /**
   * Issue 10: {@code --maxReadSeconds} bounds the whole read, not each queue's reader, even where
   * the reader never runs out of messages. Two queues hold a backlog larger than the job can read
   * in the read time; the read ends at its deadline (plus the start and the last window's landing)
   * with exit 0, leaving messages in the queues; every message sent is then either in landing or
   * still in its queue: none was deleted without being landed. (Beam's bounded read looks at each
   * reader's clock only when the reader has nothing to hand out: it read the whole backlog.)
   */
  @Test
  void sqsBoundedReadEndsAtItsDeadlineWhileTheQueuesStillHoldMessages() throws Exception {
    Map<String, List<String>> sent = new HashMap<>();
    StringBuilder queues = new StringBuilder();
    for (String dataset : List.of("accelerometer", "step_trainer")) {
      String queue = sqs.createQueue("deadline-" + dataset.replace('_', '-'), 30);
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < BACKLOG; i++) {
        bodies.add(
            String.format(
                "{\"user\":\"backlog@example.com\",\"sensorReadingTime\":%d,\"timestamp\":%d,"
                    + "\"serialNumber\":\"b-%d\",\"x\":1,\"y\":2,\"z\":3}",
                1_700_000_000_000L + i, 1_700_000_000_000L + i, i));
      }
      sent.put(queue, sqs.send(queue, bodies));
      queues.append(queues.length() == 0 ? "" : ",").append(dataset).append('=').append(queue);
    }
    Path lake = work.resolve("sqs-deadline");
    long begin = System.nanoTime();
    MainTest.Run run =
        MainTest.run(sqsArgs(queues.toString(), lake, List.of("--maxReadSeconds=" + READ_SECONDS)));
    double seconds = (System.nanoTime() - begin) / 1e9;
    assertThat(run.err(), run.code(), equalTo(0));
    Set<String> landed = new HashSet<>(landedMessageIds(lake));
    long left = 0;
    for (String queue : sent.keySet()) {
      left += sqs.depth(queue);
    }
    long all = sent.values().stream().mapToLong(List::size).sum();
    System.out.printf(
        "sqs bounded read of %d messages in 2 queues, --maxReadSeconds=%d: ended after %.1f s,"
            + " %d landed, %d left in the queues%n",
        all, READ_SECONDS, seconds, landed.size(), left);
    assertThat(run.err(), seconds < READ_SECONDS + 45, equalTo(true));
    assertThat("the read stopped with messages to read", left, greaterThan(0L));
    assertThat(landed.size(), greaterThan(0));
    Set<String> ids = new HashSet<>();
    sent.values().forEach(ids::addAll);
    assertThat(ids.containsAll(landed), equalTo(true));
    assertThat(landed.size() + left, equalTo(all));
  }

  private static final int BACKLOG = 15_000;
  private static final int READ_SECONDS = 3;

  /**
   * Issue 10: an SQS message is deleted only once it is in a final landing file, and stays hidden
   * from other consumers until then. While a stream with 20 s windows runs, the queues are sampled
   * every 200 ms: the messages deleted so far (sent minus those still in the queues, visible or
   * hidden) never outnumber the message ids in final landing files, read after that sample. The
   * visibility timeout (10 s) is shorter than a window, so the messages stay hidden only because
   * the job extends it: each lands exactly once.
   */
  @Test
  void sqsMessagesAreDeletedOnlyOnceLandedAndStayHiddenUntilThen() throws Exception {
    Map<String, List<String>> bodies = sqsBodies();
    String queues = createQueues("landfirst", bodies.keySet());
    Path lake = work.resolve("sqs-landfirst");
    String[] args =
        sqsArgs(
            queues,
            lake,
            List.of(
                "--windowSeconds=20",
                "--maxBrokerDelaySeconds=1",
                "--consentWaitSeconds=5",
                "--runTimeoutSeconds=150",
                "--sqsVisibilityTimeoutSeconds=10"));
    List<String> sent = new ArrayList<>();
    List<String> deletedBeforeLanded = new ArrayList<>();
    int samplesInFlight = 0;
    ExecutorService job = Executors.newSingleThreadExecutor();
    MainTest.Run run;
    try {
      Future<MainTest.Run> running = job.submit(() -> runUntilSettled(counts(bodies), args));
      bodies.forEach((folder, list) -> sent.addAll(sqs.send(queueUrl("landfirst", folder), list)));
      long start = System.nanoTime();
      while (!running.isDone()) {
        long kept = 0;
        long hidden = 0;
        for (String queue : queuesOf("landfirst")) {
          ElasticMq.Depth depth = sqs.depthOf(queue);
          kept += depth.visible() + depth.hidden();
          hidden += depth.hidden();
        }
        long deleted = sent.size() - kept;
        Set<String> landed = new HashSet<>(landedMessageIds(lake));
        if (deleted > landed.size()) {
          deletedBeforeLanded.add(
              String.format(
                  "at %.1f s: %d deleted, %d landed",
                  (System.nanoTime() - start) / 1e9, deleted, landed.size()));
        }
        if (hidden > 0 && landed.size() < sent.size()) {
          samplesInFlight++;
        }
        Thread.sleep(200); // the sampling period
      }
      run = running.get();
    } finally {
      job.shutdownNow();
    }
    assertThat(run.err(), run.code(), equalTo(0));
    assertThat(deletedBeforeLanded, empty());
    // The samples saw messages read and hidden but not yet landed (a window is 20 s).
    assertThat(samplesInFlight, greaterThan(10));
    List<String> landed = landedMessageIds(lake);
    assertThat(new TreeSet<>(landed), equalTo(new TreeSet<>(sent)));
    assertThat("no message came back and landed twice", landed.size(), equalTo(sent.size()));
    for (String queue : queuesOf("landfirst")) {
      assertThat(queue, sqs.depth(queue), equalTo(0L));
    }
  }

  /**
   * Issue 10: a stream killed mid-stream ({@code destroyForcibly}, a JVM of its own) and started
   * again with the same command lands every message sent, at least once: what the first job had
   * read but not landed was not deleted, and SQS delivers it again once its visibility (10 s) ends.
   */
  @Test
  void sqsStreamKilledAndStartedAgainLandsEveryMessage() throws Exception {
    String queue = sqs.createQueue("crash-accelerometer", 30);
    Path lake = work.resolve("sqs-crash");
    String[] args =
        sqsArgs(
            "accelerometer=" + queue,
            lake,
            List.of(
                "--windowSeconds=2",
                "--maxBrokerDelaySeconds=1",
                "--consentWaitSeconds=2",
                "--sqsVisibilityTimeoutSeconds=10"));
    Set<String> sent = ConcurrentHashMap.newKeySet();
    ExecutorService producer = Executors.newSingleThreadExecutor();
    ChildJob first = ChildJob.start("sqs-crash-first", args);
    ChildJob second = null;
    try {
      // A device sends 40 messages a second for 25 s.
      Future<?> sending =
          producer.submit(
              () -> {
                for (int batch = 0; batch < 100; batch++) {
                  List<String> bodies = new ArrayList<>();
                  for (int i = 0; i < 10; i++) {
                    bodies.add(
                        String.format(
                            "{\"user\":\"crash@example.com\",\"timestamp\":%d,"
                                + "\"x\":%d,\"y\":0.5,\"z\":-0.5}",
                            System.currentTimeMillis(), batch * 10 + i));
                  }
                  sent.addAll(sqs.send(queue, bodies));
                  Thread.sleep(250); // the device's pace
                }
                return null;
              });
      long deadline = System.nanoTime() + 90_000_000_000L;
      while (landedMessageIds(lake).size() < 100) {
        if (System.nanoTime() > deadline || !first.process().isAlive()) {
          throw new AssertionError("the first job landed too little:\n" + first.output());
        }
        Thread.sleep(200);
      }
      ElasticMq.Depth atKill = sqs.depthOf(queue);
      first.process().destroyForcibly().waitFor();
      int landedAtKill = landedMessageIds(lake).size();
      second = ChildJob.start("sqs-crash-second", args);
      sending.get(2, TimeUnit.MINUTES);

      deadline = System.nanoTime() + 120_000_000_000L;
      Set<String> missing = new TreeSet<>(sent);
      while (!missing.isEmpty() || sqs.depth(queue) > 0) {
        if (System.nanoTime() > deadline || !second.process().isAlive()) {
          throw new AssertionError(
              missing.size()
                  + " of "
                  + sent.size()
                  + " messages not in landing, "
                  + sqs.depth(queue)
                  + " not deleted; first job:\n"
                  + first.output()
                  + "\nsecond job:\n"
                  + second.output());
        }
        Thread.sleep(500);
        missing.removeAll(landedMessageIds(lake));
      }
      List<String> landed = landedMessageIds(lake);
      System.out.printf(
          "sqs crash: %d sent, %d landed when the first job was killed (%d messages hidden, read"
              + " and not deleted); %d landing lines in the end (%d of them repeats)%n",
          sent.size(), landedAtKill, atKill.hidden(), landed.size(), landed.size() - sent.size());
      // The kill came while the job held messages it had read but not landed.
      assertThat(atKill.hidden(), greaterThan(0L));
      assertThat(new HashSet<>(landed), equalTo(new HashSet<>(sent)));
    } finally {
      producer.shutdownNow();
      first.process().destroyForcibly().waitFor();
      if (second != null) {
        second.process().destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void kinesisStreamGivesTheSameZones() throws Exception {
    String streams = createStreams("stream");
    Path lake = work.resolve("kinesis-stream");
    MainTest.Run run =
        streamCustomersFirst(
            publishedAll(),
            kinesisArgs(streams, lake, STREAM_ARGS),
            lake,
            byFolder.get("customer").size(),
            () -> putFolders("stream", f -> f.equals("customer")),
            () -> putFolders("stream", f -> !f.equals("customer")));
    assertThat(run.err(), run.code(), equalTo(0));
    assertSameZones(lake, referenceTables, referenceRejects);
  }

  @Test
  void kinesisBoundedReadGivesTheSameZones() throws Exception {
    String streams = putToStreams("bounded");
    Path lake = work.resolve("kinesis-bounded");
    MainTest.Run run = MainTest.run(kinesisArgs(streams, lake, List.of("--maxReadSeconds=20")));
    assertThat(run.err(), run.code(), equalTo(0));
    assertSameZones(lake, referenceTables, referenceRejects);
  }

  private static void assertSameZones(
      Path lake, Map<String, List<String>> expected, List<String> expectedRejects)
      throws IOException {
    Map<String, List<String>> actual = ZonesIT.tables(lake);
    for (String table : ZonesIT.TABLES) {
      assertThat(table, expected.get(table), not(empty()));
      assertThat(table, actual.get(table), equalTo(expected.get(table)));
    }
    assertThat(ZonesIT.rejects(lake), equalTo(expectedRejects));
  }

  private static String[] sqsArgs(String queues, Object lake, List<String> extra) {
    List<String> args = new ArrayList<>();
    args.add("--source=sqs");
    args.add("--queues=" + queues);
    args.add("--sqsEndpoint=" + sqs.endpoint());
    args.add("--awsRegion=" + ElasticMq.REGION);
    args.add(CREDENTIALS);
    args.add("--lake=" + lake);
    args.addAll(extra);
    return args.toArray(String[]::new);
  }

  private static String[] kinesisArgs(String streams, Path lake, List<String> extra) {
    List<String> args = new ArrayList<>();
    args.add("--source=kinesis");
    args.add("--streams=" + streams);
    args.add("--kinesisEndpoint=" + kinesis.endpoint());
    args.add("--kinesisStartFrom=trim-horizon");
    args.add("--awsRegion=" + KinesisMock.REGION);
    args.add(CREDENTIALS);
    args.add("--lake=" + lake);
    args.addAll(extra);
    return args.toArray(String[]::new);
  }

  private static MainTest.Run runUntilSettled(Map<String, Long> published, String[] args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        JobRunner.runUntilSettled(
            args,
            published,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new TeeStream(err, System.err), true, StandardCharsets.UTF_8));
    return new MainTest.Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Progress lines go to the test's log as well, for a run that does not settle. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream first;
    private final java.io.OutputStream second;

    TeeStream(java.io.OutputStream first, java.io.OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }
  }

  private static boolean isValidCustomer(String body) {
    return body.length() < 10_000
        && body.contains("\"email\"")
        && body.contains("\"serialNumber\"")
        && body.endsWith("}");
  }

  /** The dataset a folder's messages are mapped to: its own, or _unrouted (thermostat). */
  private static String datasetOf(String folder) {
    return Dataset.fromFolder(folder).map(Dataset::folder).orElse(Dataset.UNROUTED_FOLDER);
  }

  private static Map<String, Long> publishedAll() {
    Map<String, Long> published = new TreeMap<>();
    byFolder.forEach(
        (folder, messages) ->
            published.merge(datasetOf(folder), (long) messages.size(), Long::sum));
    return published;
  }

  private static Map<String, Long> counts(Map<String, List<String>> bodies) {
    Map<String, Long> published = new TreeMap<>();
    bodies.forEach(
        (folder, list) -> published.merge(datasetOf(folder), (long) list.size(), Long::sum));
    return published;
  }

  private static Map<String, List<String>> sqsBodies() {
    Map<String, List<String>> bodies = new LinkedHashMap<>();
    byFolder.forEach(
        (folder, messages) ->
            bodies.put(
                folder,
                messages.stream()
                    .map(AwsSourcesIT::sqsBody)
                    .filter(b -> b != null && !b.contains("\n"))
                    .collect(Collectors.toCollection(ArrayList::new))));
    return bodies;
  }

  private static final Map<String, String> QUEUES = new HashMap<>();

  private static String queueUrl(String run, String folder) {
    return QUEUES.get(run + "-" + folder);
  }

  private static List<String> queuesOf(String run) {
    return QUEUES.entrySet().stream()
        .filter(e -> e.getKey().startsWith(run + "-"))
        .map(Map.Entry::getValue)
        .toList();
  }

  /** One queue per folder, the messages sent in the generator's (shuffled) order. */
  private static String sendToQueues(String run, Map<String, List<String>> bodies) {
    String mapping = createQueues(run, bodies.keySet());
    bodies.forEach((folder, list) -> sqs.send(queueUrl(run, folder), list));
    return mapping;
  }

  /** One two-shard stream per folder. */
  private static String putToStreams(String run) throws InterruptedException {
    String mapping = createStreams(run);
    putFolders(run, folder -> true);
    return mapping;
  }

  private static String createStreams(String run) throws InterruptedException {
    List<String> mapping = new ArrayList<>();
    for (String folder : byFolder.keySet()) {
      String stream = run + "." + folder;
      kinesis.createStream(stream, 2);
      mapping.add(datasetOf(folder) + "=" + stream);
    }
    return String.join(",", mapping);
  }

  private static void putFolders(String run, Predicate<String> which) {
    try {
      for (Map.Entry<String, List<byte[]>> folder : byFolder.entrySet()) {
        if (which.test(folder.getKey())) {
          kinesis.put(run + "." + folder.getKey(), folder.getValue());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String createQueues(String run, Collection<String> folders) {
    List<String> mapping = new ArrayList<>();
    for (String folder : folders) {
      String url = sqs.createQueue(run + "-" + folder, 30);
      QUEUES.put(run + "-" + folder, url);
      mapping.add(datasetOf(folder) + "=" + url);
    }
    return String.join(",", mapping);
  }

  /**
   * Streams while the test sends as in real life: the customers, then, once they have landed (the
   * job has seen them), everything else.
   */
  private static MainTest.Run streamCustomersFirst(
      Map<String, Long> published,
      String[] args,
      Path lake,
      long customers,
      Runnable sendCustomers,
      Runnable sendTheRest)
      throws Exception {
    ExecutorService job = Executors.newSingleThreadExecutor();
    try {
      Future<MainTest.Run> run = job.submit(() -> runUntilSettled(published, args));
      sendCustomers.run();
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (LakeProgress.linesPerFolder(lake.resolve("landing").toString())
              .getOrDefault("customer", 0L)
          < customers) {
        if (run.isDone() || System.nanoTime() > deadline) {
          throw new AssertionError("the customers did not land: " + run.get().err());
        }
        Thread.sleep(500);
      }
      sendTheRest.run();
      return run.get(6, TimeUnit.MINUTES);
    } finally {
      job.shutdown();
    }
  }

  /**
   * The message ids of the SQS messages in final landing files under {@code lake}, one per line (a
   * message landed twice is listed twice); read again when a running job moved a folder away.
   */
  private static List<String> landedMessageIds(Path lake) throws IOException {
    Path landing = lake.resolve("landing");
    for (int attempt = 1; ; attempt++) {
      if (!Files.exists(landing)) {
        return List.of();
      }
      try {
        return LakeFiles.readAll(landing).stream()
            .filter(line -> "sqs".equalsIgnoreCase(line.get("sourceKind").asText()))
            .map(line -> line.get("offset").asText())
            .toList();
      } catch (IOException | java.io.UncheckedIOException e) {
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }

  /** The job in a JVM of its own, as a user runs it, its output in a file. */
  private record ChildJob(Process process, Path log) {
    static ChildJob start(String name, String... args) throws IOException {
      Path log = work.resolve(name + ".log");
      return new ChildJob(ClusterRunChecks.startMain("-Xmx1g", log, args), log);
    }

    String output() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }
  }

  /** The message as an SQS body, or null when SQS cannot carry it (not UTF-8, bad characters). */
  private static String sqsBody(byte[] message) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(message))
              .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    boolean allowed =
        !text.isEmpty()
            && text.codePoints()
                .allMatch(
                    c ->
                        c == 0x9
                            || c == 0xA
                            || c == 0xD
                            || (c >= 0x20 && c <= 0xD7FF)
                            || (c >= 0xE000 && c <= 0xFFFD)
                            || c >= 0x10000);
    return allowed ? text : null;
  }
}
