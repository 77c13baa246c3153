package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.KafkaPublisher;
import dev.zonestream.ingest.KafkaClientProperties;
import dev.zonestream.model.Dataset;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.common.config.provider.FileConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The job against a broker that asks for credentials, given them through {@code
 * --kafkaPropertiesFile}: SASL PLAIN over a plain connection and SCRAM-SHA-256 over TLS (a
 * certificate the test made). A stream over SCRAM and TLS runs as its own JVM with every library
 * logging at INFO (Kafka prints its whole client configuration there): every published message
 * lands, the tables match a batch run's over the same messages, and neither the password nor the
 * trust store's appears in anything the job printed or wrote to the lake. Over PLAIN, the right
 * password gets the job past the broker check and a wrong one ends it before it reads, with exit 2
 * and one line of its own.
 */
class KafkaSecurityIT {
  private static final Path DATA = Path.of("..", "testdata", "generated", "seed-7-customers-20");
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final long RUN_MINUTES = 5;

  /** The tables a stream fills exactly as a batch does when customers come first. */
  /** Every table: the waits end by the data's progress, however busy the machine. */
  private static final List<String> EXACT_TABLES = ZonesIT.TABLES;

  @TempDir static Path scratch;

  private static SecuredKafka kafka;
  private static Map<String, List<String>> batchTables;

  @BeforeAll
  static void startBroker() throws Exception {
    long begin = System.nanoTime();
    kafka = SecuredKafka.start();
    timing("secured broker start (keys, certificate, SCRAM user)", begin);
  }

  /**
   * The tables of a batch run over the same messages, made once, by the first test needing them.
   */
  private static synchronized Map<String, List<String>> batchTables() throws IOException {
    if (batchTables == null) {
      long begin = System.nanoTime();
      MainTest.Run batch = MainTest.run("--input=" + DATA, "--lake=" + scratch.resolve("batch"));
      assertThat(batch.err(), batch.code(), equalTo(0));
      Map<String, List<String>> tables = ClusterRunChecks.tables(scratch.resolve("batch"));
      for (String table : ZonesIT.TABLES) {
        assertThat(table, tables.get(table), not(empty()));
      }
      batchTables = tables;
      timing("batch reference run", begin);
    }
    return batchTables;
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  // The whole stream over SCRAM and TLS; PLAIN's right password is checked below (the stream
  // over it was the same run with another mechanism and cost a minute of the suite).
  @CsvSource({"SASL_SSL, SCRAM-SHA-256"})
  void aStreamFromASecuredListenerMatchesTheBatchAndShowsNoSecret(String listener, String mechanism)
      throws Exception {
    long begin = System.nanoTime();
    Path run = Files.createDirectories(scratch.resolve(listener));
    Path lake = run.resolve("lake");
    Map<String, String> client = kafka.clientProperties(listener, mechanism, kafka.password());
    Path propertiesFile = writeProperties(run.resolve("client.properties"), client);
    String servers = kafka.bootstrapServers(listener);

    String prefix = listener.toLowerCase(java.util.Locale.ROOT) + ".";
    Map<String, List<byte[]>> byTopic = new LinkedHashMap<>();
    Map<String, Long> published = new TreeMap<>();
    List<String> payloads = new ArrayList<>();
    EmbeddedDemo.readFolders(DATA)
        .forEach(
            (folder, messages) ->
                Dataset.fromFolder(folder)
                    .ifPresent(
                        d -> {
                          byTopic.put(prefix + d.folder(), messages);
                          published.put(d.folder(), (long) messages.size());
                          messages.forEach(m -> payloads.add(LakeFiles.canonical(m)));
                        }));
    kafka.createTopics(byTopic.keySet(), 2);
    String topics =
        Stream.of(Dataset.values())
            .map(d -> d.folder() + "=" + prefix + d.folder())
            .collect(Collectors.joining(","));
    // As in real life: customers first, their devices' readings once the customers have landed;
    // both through the secured listener, with the user's own settings.
    KafkaClientProperties producer = KafkaClientProperties.of(client);
    String customerTopic = prefix + Dataset.CUSTOMER.folder();
    List<byte[]> customers = byTopic.remove(customerTopic);
    KafkaPublisher.publish(servers, producer, Map.of(customerTopic, customers));

    Path out = run.resolve("out.txt");
    Path err = run.resolve("err.txt");
    List<String> command = new ArrayList<>(jvm(true));
    command.add(SettledStream.class.getName());
    command.add(
        published.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(",")));
    command.addAll(
        List.of(
            "--source=kafka",
            "--bootstrapServers=" + servers,
            "--kafkaPropertiesFile=" + propertiesFile,
            "--topics=" + topics,
            "--consumerGroup=security-it-" + listener.toLowerCase(java.util.Locale.ROOT),
            "--lake=" + lake,
            "--windowSeconds=2",
            "--maxBrokerDelaySeconds=1",
            "--consentWaitSeconds=10",
            "--runTimeoutSeconds=240"));
    Process job = ClusterRunChecks.launch(command, out, err);
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(RUN_MINUTES);
      while (LakeProgress.linesPerFolder(lake.resolve("landing").toString())
                  .getOrDefault(Dataset.CUSTOMER.folder(), 0L)
              < customers.size()
          && job.isAlive()
          && System.nanoTime() < deadline) {
        job.waitFor(1, TimeUnit.SECONDS);
      }
      assertThat(ClusterRunChecks.tail(err), job.isAlive(), equalTo(true));
      KafkaPublisher.publish(servers, producer, byTopic);
      if (!job.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new AssertionError(
            "the job did not settle in "
                + RUN_MINUTES
                + " minutes:\n"
                + ClusterRunChecks.tail(err));
      }
    } finally {
      if (job.isAlive()) {
        job.destroyForcibly().waitFor();
      }
    }
    timing(listener + " " + mechanism + " stream", begin);

    String printed = Files.readString(out) + Files.readString(err);
    assertThat(ClusterRunChecks.tail(err), job.exitValue(), equalTo(0));
    // The job did log its Kafka clients' configurations (so a secret there would have shown) ...
    assertThat(printed, containsString("sasl.jaas.config = [hidden]"));
    assertThat(printed, containsString("security.protocol = " + listener));
    // ... and every published message landed and was decided as in the batch run.
    assertThat(
        LakeFiles.readAll(lake.resolve("landing")).stream()
            .map(LakeFiles::canonicalPayload)
            .toList(),
        containsInAnyOrder(payloads.toArray()));
    Map<String, List<String>> streamed = ClusterRunChecks.tables(lake);
    for (String table : EXACT_TABLES) {
      assertThat(table, streamed.get(table), equalTo(batchTables().get(table)));
    }
    JsonNode summary = LakeFiles.readJson(lake.resolve("_summary.json"));
    for (Map.Entry<String, Long> sent : published.entrySet()) {
      assertThat(
          summary.get("zones").get("landing").get(sent.getKey()).asLong(),
          equalTo(sent.getValue()));
    }

    int looked = assertNoSecretIn(printed, lake, kafka.password(), kafka.truststorePassword());
    assertThat("lake files looked at", looked > 0, equalTo(true));
  }

  @Test
  void aWrongPasswordEndsBeforeReadingWithExitTwoAndOneLine() throws Exception {
    Path run = Files.createDirectories(scratch.resolve("wrong-password"));
    Path lake = run.resolve("lake");
    String wrong = kafka.password() + "-wrong";
    Path propertiesFile =
        writeProperties(
            run.resolve("client.properties"),
            kafka.clientProperties(SecuredKafka.SASL_PLAINTEXT, SecuredKafka.PLAIN, wrong));
    String servers = kafka.bootstrapServers(SecuredKafka.SASL_PLAINTEXT);
    kafka.createTopics(List.of("wrong.customer"), 1);

    Path out = run.resolve("out.txt");
    Path err = run.resolve("err.txt");
    // The job's own logging, as a user runs it.
    List<String> command = new ArrayList<>(jvm(false));
    command.add(Main.class.getName());
    command.addAll(
        List.of(
            "--source=kafka",
            "--bootstrapServers=" + servers,
            "--kafkaPropertiesFile=" + propertiesFile,
            "--topics=customer=wrong.customer",
            "--lake=" + lake));
    Process job = ClusterRunChecks.launch(command, out, err);
    if (!job.waitFor(2, TimeUnit.MINUTES)) {
      job.destroyForcibly().waitFor();
      throw new AssertionError("the job did not end in 2 minutes:\n" + ClusterRunChecks.tail(err));
    }

    String stderr = Files.readString(err);
    assertThat(stderr, job.exitValue(), equalTo(2));
    assertThat(Files.readString(out), equalTo(""));
    assertThat(
        stderr.lines().filter(l -> l.startsWith("zonestream:")).toList(),
        equalTo(
            List.of(
                "zonestream: --kafkaPropertiesFile: "
                    + servers
                    + " refused the credentials: Authentication failed: Invalid username or"
                    + " password")));
    // Kafka's client says the same in its own words; no stack trace.
    assertThat(stderr, not(containsString("\tat ")));
    assertNoSecretIn(Files.readString(out) + stderr, lake, wrong, kafka.password());
  }

  @Test
  void theRightPlainPasswordLetsTheJobIn() throws Exception {
    Path run = Files.createDirectories(scratch.resolve("plain"));
    String servers = kafka.bootstrapServers(SecuredKafka.SASL_PLAINTEXT);
    Path propertiesFile =
        writeProperties(
            run.resolve("client.properties"),
            kafka.clientProperties(
                SecuredKafka.SASL_PLAINTEXT, SecuredKafka.PLAIN, kafka.password()));

    MainTest.Run result =
        MainTest.run(
            "--source=kafka",
            "--bootstrapServers=" + servers,
            "--kafkaPropertiesFile=" + propertiesFile,
            "--topics=customer=plain.customer",
            "--lake=" + run.resolve("lake"));

    // Let in: the check gets past the credentials, to the topic it was told to look for.
    assertThat(result.err(), result.code(), equalTo(2));
    assertThat(
        result.err(),
        startsWith(
            "zonestream: --topics: topic(s) plain.customer do not exist on "
                + servers
                + " or are hidden from these credentials (existing: "));
    assertNoSecretIn(result.out() + result.err(), run.resolve("lake"), kafka.password());
  }

  @Test
  void aJaasConfigurationFromAConfigProviderLetsTheJobIn() throws Exception {
    Path run = Files.createDirectories(scratch.resolve("config-provider"));
    String servers = kafka.bootstrapServers(SecuredKafka.SASL_SSL);
    Map<String, String> settings =
        new LinkedHashMap<>(
            kafka.clientProperties(
                SecuredKafka.SASL_SSL, SecuredKafka.SCRAM_SHA_256, kafka.password()));
    Path secrets =
        writeProperties(
            run.resolve("kafka-secrets.properties"),
            Map.of("sasl.jaas.config", settings.get("sasl.jaas.config")));
    settings.put("config.providers", "file");
    settings.put("config.providers.file.class", FileConfigProvider.class.getName());
    settings.put("sasl.jaas.config", "${file:" + secrets + ":sasl.jaas.config}");
    Path propertiesFile = writeProperties(run.resolve("client.properties"), settings);

    MainTest.Run result =
        MainTest.run(
            "--source=kafka",
            "--bootstrapServers=" + servers,
            "--kafkaPropertiesFile=" + propertiesFile,
            "--topics=customer=provider.customer",
            "--lake=" + run.resolve("lake"));

    // Let in: the check gets past the credentials, to the topic it was told to look for.
    assertThat(result.err(), result.code(), equalTo(2));
    assertThat(
        result.err(),
        startsWith(
            "zonestream: --topics: topic(s) provider.customer do not exist on "
                + servers
                + " or are hidden from these credentials (existing: "));
  }

  /**
   * No secret appears in what the job printed nor in any file under the lake (gzip files read
   * decompressed; a failure names the files); returns how many lake files were read.
   */
  private static int assertNoSecretIn(String printed, Path lake, String... secrets)
      throws IOException {
    for (String secret : secrets) {
      assertThat("a secret in the job's output", printed, not(containsString(secret)));
    }
    List<String> leaking = new ArrayList<>();
    List<Path> files = List.of();
    if (Files.exists(lake)) {
      try (Stream<Path> walk = Files.walk(lake)) {
        files = walk.filter(Files::isRegularFile).toList();
      }
    }
    for (Path file : files) {
      String text;
      try (InputStream raw = Files.newInputStream(file);
          InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
        text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      }
      for (String secret : secrets) {
        if (text.contains(secret)) {
          leaking.add(lake.relativize(file).toString());
        }
      }
    }
    assertThat("lake files holding a secret", leaking, empty());
    return files.size();
  }

  /**
   * The start of a job's command: this JDK's java with the module's own classes and runtime
   * classpath (what bin/zonestream runs), and with {@code verbose} every library at INFO.
   */
  private static List<String> jvm(boolean verbose) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ClusterRunChecks.java());
    command.add("-Xmx1g");
    if (verbose) {
      command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
      command.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka=info");
    }
    command.add("-cp");
    command.add(
        String.join(
            File.pathSeparator,
            TARGET.resolve("classes").toString(),
            TARGET.resolve("test-classes").toString(),
            ClusterRunChecks.classpath(TARGET.toFile(), "classpath.txt")));
    return command;
  }

  private static Path writeProperties(Path file, Map<String, String> settings) throws IOException {
    Properties properties = new Properties();
    properties.putAll(settings);
    try (OutputStream out = Files.newOutputStream(file)) {
      properties.store(out, null);
    }
    return file;
  }

  private static void timing(String what, long beginNanos) {
    System.out.printf(
        java.util.Locale.ROOT, "timing: %s %.1f s%n", what, (System.nanoTime() - beginNanos) / 1e9);
  }
}
