package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MainTest {
  static final Path FIXTURE = Path.of("..", "testdata", "fixtures", "stedi-small");

  @TempDir Path lake;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The messages of the fixture's files, read independently of the job's own splitter. */
  static List<String> sourceMessages(Path input, String folder) throws IOException {
    List<String> messages = new ArrayList<>();
    try (Stream<Path> files = Files.walk(input.resolve(folder))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        if (file.getFileName().toString().startsWith(".")) {
          continue;
        }
        byte[] bytes;
        try (InputStream raw = Files.newInputStream(file);
            InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
          bytes = in.readAllBytes();
        }
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
          if (i == bytes.length || bytes[i] == '\n') {
            int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
            byte[] line = Arrays.copyOfRange(bytes, start, end);
            if (!new String(line, StandardCharsets.ISO_8859_1).isBlank()) {
              messages.add(LakeFiles.canonical(line));
            }
            start = i + 1;
          }
        }
      }
    }
    return messages;
  }

  @Test
  void boundedRunLandsEveryMessageOfTheFilesWithItsPayloadAndMetadata() throws Exception {
    Run run = run("--input=" + FIXTURE, "--lake=" + lake, "--landingGzip=false");

    assertThat(run.err(), run.code(), equalTo(0));
    assertThat(run.out(), containsString("landing  customer"));
    JsonNode summary = LakeFiles.readJson(lake.resolve("_summary.json"));
    JsonNode landing = summary.get("zones").get("landing");
    assertThat(landing.get("customer").asLong(), equalTo(4L));
    assertThat(landing.get("accelerometer").asLong(), equalTo(6L));
    assertThat(landing.get("step_trainer").asLong(), equalTo(3L));
    assertThat(landing.get("_unrouted").asLong(), equalTo(1L));
    assertThat(summary.get("invalidPayloads").get("customer").asLong(), equalTo(1L));
    assertThat(summary.get("invalidPayloads").get("accelerometer").asLong(), equalTo(1L));

    for (String dataset : List.of("customer", "accelerometer", "step_trainer")) {
      List<JsonNode> lines = LakeFiles.readAll(lake.resolve("landing").resolve(dataset));
      assertThat(
          dataset,
          lines.stream().map(LakeFiles::canonicalPayload).toList(),
          containsInAnyOrder(sourceMessages(FIXTURE, dataset).toArray()));
      for (JsonNode line : lines) {
        assertThat(line.get("dataset").asText(), equalTo(dataset));
        assertThat(line.get("sourceKind").asText(), equalTo("files"));
        assertThat(line.get("source").asText(), containsString("/" + dataset + "/"));
        assertThat(line.get("offset").asLong() > 0, equalTo(true));
      }
    }
    List<JsonNode> unrouted = LakeFiles.readAll(lake.resolve("landing").resolve("_unrouted"));
    assertThat(
        unrouted.stream().map(LakeFiles::canonicalPayload).toList(),
        containsInAnyOrder(sourceMessages(FIXTURE, "thermostat").toArray()));
  }

  @Test
  void landingPathsArePartitionedByDatasetAndEventTime() throws Exception {
    assertThat(run("--input=" + FIXTURE, "--lake=" + lake).code(), equalTo(0));

    // Ada's first reading, 1655564444000 = 2022-06-18T15:00:44Z, lands in window 15:00-15:01,
    // in a file named after its window and this run.
    Path hour = lake.resolve("landing/accelerometer/dt=2022-06-18/hr=15");
    try (Stream<Path> files = Files.list(hour)) {
      assertThat(
          files.map(f -> f.getFileName().toString()).toList(),
          hasItem(
              matchesPattern(
                  "accelerometer-20220618T150000Z-20220618T150100Z-0-00000-of-00001"
                      + "-r\\d{8}T\\d{6}Z-[0-9a-f]{4}\\.jsonl\\.gz")));
    }
  }

  @Test
  void landingOnlyLandsEveryMessageAndLeavesTheTablesOfEarlierRunsAlone() throws Exception {
    assertThat(run("--input=" + FIXTURE, "--lake=" + lake).code(), equalTo(0));
    List<JsonNode> trustedBefore = LakeFiles.readAll(lake.resolve("trusted"));
    assertThat(trustedBefore.isEmpty(), equalTo(false));
    Path second = lake.resolve("landing-only");
    Files.createDirectories(second);
    // The tables of the full run are copied beside the landing-only lake: it must not clear them.
    copyTree(lake.resolve("trusted"), second.resolve("trusted"));

    Run run = run("--input=" + FIXTURE, "--lake=" + second, "--zones=landing");

    assertThat(run.err(), run.code(), equalTo(0));
    for (String dataset : List.of("customer", "accelerometer", "step_trainer")) {
      List<String> landed =
          LakeFiles.readAll(second.resolve("landing").resolve(dataset)).stream()
              .map(LakeFiles::canonicalPayload)
              .toList();
      assertThat(
          dataset,
          landed,
          containsInAnyOrder(sourceMessages(FIXTURE, dataset).toArray(String[]::new)));
    }
    assertThat(LakeFiles.readAll(second.resolve("trusted")), equalTo(trustedBefore));
    assertThat(LakeFiles.readAll(second.resolve("curated")).isEmpty(), equalTo(true));
    assertThat(run.err(), not(containsString("replacing")));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        Files.copy(path, to.resolve(from.relativize(path).toString()));
      }
    }
  }

  static Stream<Arguments> badOptions() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    return Stream.of(
        Arguments.of(
            new String[] {"--input=/no/such/folder"}, "--input=/no/such/folder: no such folder"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--windowSeconds=-60"},
            "--windowSeconds=-60: must be at least 1"),
        Arguments.of(
            new String[] {
              "--bootstrapServers=127.0.0.1:" + closedPort, "--brokerCheckTimeoutSeconds=2"
            },
            "--bootstrapServers=127.0.0.1:" + closedPort + ": no Kafka broker answered within 2 s"),
        Arguments.of(
            new String[] {"--bootstrapServers=localhost"},
            "--bootstrapServers=localhost: expected host:port"),
        Arguments.of(
            new String[] {"--source=pulsar"},
            "--source=pulsar: must be one of files, kafka, embedded-kafka"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--topics=customer=a,thermostat=b"},
            "--topics=customer=a,thermostat=b: unknown dataset 'thermostat'"),
        Arguments.of(
            new String[] {"--startFrom=middle"}, "--startFrom=middle: must be earliest or latest"),
        Arguments.of(new String[] {"--source=files"}, "--source=files needs --input=FOLDER"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--catalogS3Location=/copied/lake"},
            "--catalogS3Location=/copied/lake: must be s3://bucket or s3://bucket/prefix"),
        Arguments.of(
            new String[] {"--landingShards=0", "--input=" + FIXTURE},
            "--landingShards=0: must be at least 1"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--consentScope=sometimes"},
            "--consentScope=sometimes: must be after-consent or all-readings"),
        Arguments.of(new String[] {"--source=landing"}, "no landing zone to rebuild from"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--consentWaitSeconds=0"},
            "--consentWaitSeconds=0: must be at least 1"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--waitClock=sundial"},
            "--waitClock=sundial: must be one of watermark, processing-time"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--joinHorizonHours=0"},
            "--joinHorizonHours=0: must be at least 1"),
        Arguments.of(new String[] {"--noSuchOption=1"}, "noSuchOption"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--zones=trusted"},
            "--zones=trusted: must be all or landing"),
        Arguments.of(
            new String[] {"--source=landing", "--zones=landing"},
            "--zones=landing: --source=landing builds trusted and curated from the landing zone"),
        Arguments.of(
            new String[] {"--source=kinesis", "--awsRegion=us-east-1", "--streams=weather=s1"},
            "--streams=weather=s1: unknown dataset 'weather'"),
        Arguments.of(
            new String[] {
              "--source=sqs", "--awsRegion=us-east-1", "--queues=customer=http://127.0.0.1/q,bogus"
            },
            "--queues=customer=http://127.0.0.1/q,bogus: expected dataset=QUEUE_URL pairs"),
        Arguments.of(
            new String[] {"--source=sqs", "--awsRegion=us-east-1"},
            "--source=sqs needs --queues=dataset=QUEUE_URL"),
        Arguments.of(
            new String[] {"--source=kinesis", "--awsRegion=us-east-1", "--kinesisStartFrom=oldest"},
            "--kinesisStartFrom=oldest: must be latest, trim-horizon or an ISO-8601 instant"),
        Arguments.of(
            new String[] {
              "--source=kinesis", "--awsRegion=us-east-1", "--kinesisStartFrom=2999-01-01T00:00:00Z"
            },
            "--kinesisStartFrom=2999-01-01T00:00:00Z: must not be in the future"),
        Arguments.of(
            new String[] {"--source=kinesis", "--awsRegion=us-east-1", "--maxReadSeconds=0"},
            "--maxReadSeconds=0: must be at least 1"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--kafkaPropertiesFile=/etc/client.properties"},
            "--kafkaPropertiesFile=/etc/client.properties: only --source=kafka reads it"
                + " (--source=files does not)"),
        Arguments.of(
            new String[] {"--kafkaPropertiesFile=/etc/client.properties"},
            "--kafkaPropertiesFile=/etc/client.properties: only --source=kafka reads it"
                + " (--source=embedded-kafka does not)"),
        Arguments.of(
            new String[] {"--input=" + FIXTURE, "--maxMessages=10"},
            "--maxMessages: bounds a --source=kinesis or --source=sqs read only"),
        Arguments.of(
            new String[] {
              "--source=kinesis", "--awsRegion=us-east-1", "--kinesisEndpoint=ftp://127.0.0.1:1"
            },
            "--kinesisEndpoint=ftp://127.0.0.1:1: expected http(s)://host[:port]"),
        Arguments.of(
            new String[] {
              "--source=sqs",
              "--awsRegion=us-east-1",
              "--queues=customer=http://127.0.0.1:" + closedPort + "/q",
              "--sqsEndpoint=http://127.0.0.1:" + closedPort,
              "--brokerCheckTimeoutSeconds=2"
            },
            "--sqsEndpoint=http://127.0.0.1:" + closedPort + ": nothing answers at 127.0.0.1:"));
  }

  @ParameterizedTest
  @MethodSource("badOptions")
  void badOptionEndsWithOneLineNamingIt(String[] args, String expected) {
    String[] withLake = Arrays.copyOf(args, args.length + 1);
    withLake[args.length] = "--lake=" + lake;

    Run run = run(withLake);

    assertThat(run.code(), equalTo(2));
    assertThat(run.err().lines().count(), equalTo(1L));
    assertThat(run.err(), startsWith("zonestream: "));
    assertThat(run.err(), containsString(expected));
  }

  static Stream<Arguments> badLakes() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String credentials =
        "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\","
            + "\"accessKeyId\":\"x\",\"secretAccessKey\":\"x\"}";
    return Stream.of(
        Arguments.of(
            new String[] {"--lake=s4://bucket/lake"},
            "--lake=s4://bucket/lake: no file system for scheme 's4'"),
        Arguments.of(new String[] {"--lake=s3:///lake"}, "--lake=s3:///lake: "),
        Arguments.of(
            new String[] {"--lake=s3://bucket/lake", "--endpoint=localhost:9000"},
            "--endpoint=localhost:9000: expected http://HOST[:PORT]"),
        Arguments.of(
            new String[] {
              "--lake=s3://bucket/lake",
              "--endpoint=http://127.0.0.1:" + closedPort,
              "--awsRegion=us-east-1",
              credentials
            },
            "--endpoint=http://127.0.0.1:" + closedPort + ": does not answer"),
        Arguments.of(
            new String[] {
              "--lake=s3://bucket/lake",
              "--s3PathStyleAccess=true",
              "--s3ClientFactoryClass=" + NamedS3ClientBuilderFactory.class.getName()
            },
            "--s3PathStyleAccess=true: sets its own --s3ClientFactoryClass"));
  }

  /** A user's own S3 client factory, which --s3PathStyleAccess would silently replace. */
  public static final class NamedS3ClientBuilderFactory
      extends org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory {}

  @ParameterizedTest
  @MethodSource("badLakes")
  void badLakeEndsWithOneLineNamingTheOption(String[] args, String expected) {
    String[] withInput = Arrays.copyOf(args, args.length + 1);
    withInput[args.length] = "--input=" + FIXTURE;

    Run run = run(withInput);

    assertThat(run.err(), run.code(), equalTo(2));
    assertThat(run.err().lines().count(), equalTo(1L));
    assertThat(run.err(), startsWith("zonestream: "));
    assertThat(run.err(), containsString(expected));
  }

  @Test
  void anInputFolderWithoutADatasetFolderEndsWithOneLineNamingTheExpectedOnes(@TempDir Path input)
      throws IOException {
    Run empty = run("--input=" + input, "--lake=" + lake.resolve("a"));

    assertThat(empty.code(), equalTo(2));
    assertThat(empty.err().lines().count(), equalTo(1L));
    assertThat(empty.err(), containsString("holds no dataset folder: expected at least one of"));
    assertThat(empty.err(), containsString("customer"));
    assertThat(empty.err(), containsString("it holds no folder at all"));

    // A broker's own state folder: topic-partition folders of binary logs.
    Files.createDirectories(input.resolve("stedi.customer-0"));
    Files.write(input.resolve("stedi.customer-0/00000000000000000000.log"), new byte[] {0, 1, 2});
    Run brokerState = run("--input=" + input, "--lake=" + lake.resolve("b"));

    assertThat(brokerState.code(), equalTo(2));
    assertThat(brokerState.err().lines().count(), equalTo(1L));
    assertThat(brokerState.err(), containsString("found stedi.customer-0"));
  }

  @Test
  void kafkaSettingsTheClientRefusesEndWithOneLineWithoutTheirSecret(@TempDir Path config)
      throws IOException {
    // A JAAS text with the password where Kafka's parser expects a key: Kafka's own message
    // quotes that "key".
    Path file =
        Files.writeString(
            config.resolve("client.properties"),
            "security.protocol=SASL_PLAINTEXT\n"
                + "sasl.mechanism=PLAIN\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule"
                + " required username=\"zs\" pw-5ecre7;\n");

    Run run =
        run("--bootstrapServers=127.0.0.1:9", "--kafkaPropertiesFile=" + file, "--lake=" + lake);

    assertThat(run.err(), run.code(), equalTo(2));
    assertThat(run.err().lines().count(), equalTo(1L));
    assertThat(
        run.err(),
        startsWith("zonestream: --kafkaPropertiesFile: the Kafka client refuses these settings: "));
    assertThat(run.err(), not(containsString("pw-5ecre7")));
  }

  @Test
  void aLakeThatCannotBeWrittenEndsWithOneLineBeforeAnythingIsRead() throws IOException {
    Path file = Files.writeString(lake.resolve("a-file"), "not a folder");

    for (String bad : List.of(file.toString(), file.resolve("lake").toString())) {
      Run run = run("--input=" + FIXTURE, "--lake=" + bad);

      assertThat(run.err(), run.code(), equalTo(2));
      assertThat(run.err().lines().count(), equalTo(1L));
      assertThat(run.err(), startsWith("zonestream: --lake=" + bad + ": cannot write to it: "));
    }
  }

  @Test
  void aRunSaysTheLakeIsWritableAndItsFreeSpace() {
    Run run = run("--input=" + FIXTURE, "--lake=" + lake);

    assertThat(run.err(), run.code(), equalTo(0));
    assertThat(run.err(), containsString("zonestream: lake " + lake + " is writable, "));
    assertThat(run.err(), containsString(" GB free"));
    try (var left = Files.list(lake)) {
      assertThat(
          "the probe is removed",
          left.noneMatch(p -> p.getFileName().toString().startsWith("_zonestream-probe")),
          equalTo(true));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void helpListsTheOptionsWithTheirDefaults() {
    Run run = run("--help");

    assertThat(run.code(), equalTo(0));
    assertThat(run.out(), containsString("--windowSeconds"));
    assertThat(run.out(), containsString("Default: 60"));
    assertThat(run.out(), containsString("--bootstrapServers"));
    assertThat(run.out(), containsString("--s3PathStyleAccess"));
    assertThat(run.out(), containsString("--SSEAlgorithm"));
  }
}
