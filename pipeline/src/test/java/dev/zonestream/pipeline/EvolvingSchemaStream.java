package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.EmbeddedKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A firmware update half way through a stream, through a broker the test feeds in two phases hours
 * of broker time apart: the old firmware's readings (no humidity), then once they have landed the
 * new firmware's (humidity, and a battery level the spec does not declare), one whose temperature
 * has become a string, and a redelivery of an old reading. The new field is kept (in {@code
 * _extra}), the type change is rejected with its reason while landing keeps the message as sent,
 * the absent optional field is null, the redelivery a repeat. On any runner ({@code runnerArgs}),
 * with its streaming defaults, until everything published has landed and the stream has settled.
 */
final class EvolvingSchemaStream {
  private static final long START = 1_764_586_800_000L;
  private static final long MINUTE = 60_000L;
  private static final byte[] TYPE_CHANGED =
      ("{\"deviceId\":\"th-0001\",\"readAt\":"
              + (START + 4 * RealLifeStream.HOUR)
              + ",\"temperatureC\":\"20.5\",\"setpointC\":21.0,\"heating\":false}")
          .getBytes(StandardCharsets.UTF_8);

  private EvolvingSchemaStream() {}

  /** Streams the two firmware phases into {@code lake} on the runner of {@code runnerArgs}. */
  static void stream(Path lake, List<String> runnerArgs, Path sparkCheckpoint, Path spec)
      throws Exception {
    List<byte[]> before = new ArrayList<>();
    List<byte[]> after = new ArrayList<>();
    for (int device = 1; device <= 3; device++) {
      for (int reading = 0; reading < 2; reading++) {
        before.add(
            String.format(
                    "{\"deviceId\":\"th-000%d\",\"readAt\":%d,\"temperatureC\":19.5,"
                        + "\"setpointC\":21.0,\"heating\":true}",
                    device, START + reading * MINUTE)
                .getBytes(StandardCharsets.UTF_8));
        after.add(
            String.format(
                    "{\"deviceId\":\"th-000%d\",\"readAt\":%d,\"temperatureC\":20.5,"
                        + "\"setpointC\":21.0,\"heating\":false,\"humidity\":40,"
                        + "\"battery\":%d}",
                    device, START + 3 * RealLifeStream.HOUR + reading * MINUTE, 90 - device)
                .getBytes(StandardCharsets.UTF_8));
      }
    }
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopics(List.of("home.thermostat"), 3);
      List<String> args = new ArrayList<>(runnerArgs);
      args.addAll(
          List.of(
              "--spec=" + spec,
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--consumerGroup=evolving",
              "--lake=" + lake,
              "--windowSeconds=2",
              "--maxBrokerDelaySeconds=1",
              "--runTimeoutSeconds=300",
              "--progressSeconds=0"));
      String runner =
          runnerArgs.stream()
              .filter(a -> a.startsWith("--runner="))
              .map(a -> a.substring("--runner=".length()))
              .findFirst()
              .orElse("DirectRunner");
      args.addAll(
          RunnerArgs.streamingDefaults(
              runner,
              args.toArray(String[]::new),
              sparkCheckpoint.toString(),
              RunnerDefaults.flinkCheckpointUri(lake.toString()),
              "kafka"));
      ExecutorService job = Executors.newSingleThreadExecutor();
      Future<Integer> run =
          job.submit(
              () ->
                  JobRunner.runUntilSettled(
                      args.toArray(String[]::new),
                      Map.of("thermostat", 14L),
                      System.out,
                      System.err));
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        send(producer, before, 0);
        awaitLanded(lake, 6, run);
        send(producer, after, 0);
        send(producer, List.of(TYPE_CHANGED), 0);
        send(producer, before.subList(0, 1), 5 * RealLifeStream.HOUR);
      }
      assertThat("the stream settled", run.get(6, TimeUnit.MINUTES), equalTo(0));
      job.shutdown();
    }
  }

  /** What the stream must leave, whatever the runner. */
  static void assertLake(Path lake) throws IOException {
    List<JsonNode> landed = LakeFiles.readAll(lake.resolve("landing/thermostat"));
    assertThat(landed.size(), equalTo(14));
    assertThat(
        "landing keeps the changed type as sent",
        landed.stream()
            .anyMatch(
                line -> LakeFiles.canonicalPayload(line).equals(LakeFiles.canonical(TYPE_CHANGED))),
        equalTo(true));
    List<JsonNode> trusted = LakeFiles.readAll(lake.resolve("trusted/thermostat"));
    assertThat(trusted.size(), equalTo(12));
    for (JsonNode row : trusted) {
      boolean updated = row.get("readAt").asLong() > START + RealLifeStream.HOUR;
      assertThat(row.toString(), row.has("humidity"), equalTo(updated));
      assertThat(row.toString(), row.has("_extra"), equalTo(updated));
      if (updated) {
        assertThat(row.toString(), row.get("_extra").size(), equalTo(1));
      }
    }
    List<JsonNode> rejected = LakeFiles.readAll(lake.resolve("trusted/_rejected/thermostat"));
    assertThat(rejected.size(), equalTo(1));
    assertThat(
        rejected.get(0).get("reason").asText(),
        equalTo("temperatureC: expected a finite number, got string"));
  }

  /** Sends each reading with its readAt, shifted, as its broker time. */
  private static void send(
      KafkaProducer<byte[], byte[]> producer, List<byte[]> readings, long shiftMillis)
      throws Exception {
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (byte[] reading : readings) {
      long time = LakeFiles.MAPPER.readTree(reading).get("readAt").asLong() + shiftMillis;
      acks.add(producer.send(new ProducerRecord<>("home.thermostat", null, time, null, reading)));
    }
    for (Future<RecordMetadata> ack : acks) {
      ack.get();
    }
  }

  /** Polls (bounded) until the thermostat's landing holds {@code count} lines. */
  private static void awaitLanded(Path lake, long count, Future<Integer> run) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline && !run.isDone()) {
      if (LakeProgress.linesPerFolder(lake.resolve("landing").toString())
              .getOrDefault("thermostat", 0L)
          >= count) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("did not land in time: " + count);
  }
}
