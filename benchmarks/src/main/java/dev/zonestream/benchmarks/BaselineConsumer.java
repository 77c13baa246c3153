package dev.zonestream.benchmarks;

import dev.zonestream.lake.LakePaths;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.LandingLine;
import dev.zonestream.model.SourceKind;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The throughput benchmark's baseline, in a JVM of its own: one thread, one {@link KafkaConsumer}
 * reading every partition of the topic from its start to the end it had when this began, writing
 * each message as zonestream's landing line ({@link LandingLine}, so the output is checked the same
 * way) into one gzip file per hour folder, {@code <lake>/landing/accelerometer/dt=../hr=..}. It
 * prints {@code baseline endMillis=.. peakRssKb=..} once every file is closed.
 *
 * <p>Arguments: {@code BOOTSTRAP_SERVERS TOPIC LAKE}.
 */
final class BaselineConsumer {
  private BaselineConsumer() {}

  public static void main(String[] args) throws IOException {
    String topic = args[1];
    Path folder = Path.of(args[2], "landing", ThroughputBenchmark.DATASET);
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    Map<String, OutputStream> hours = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          Envelope message =
              new Envelope(
                  ThroughputBenchmark.DATASET,
                  SourceKind.KAFKA,
                  record.topic(),
                  Integer.toString(record.partition()),
                  Long.toString(record.offset()),
                  record.timestamp(),
                  System.currentTimeMillis(),
                  record.value(),
                  record.key());
          String hour = LakePaths.partition(record.timestamp());
          OutputStream out = hours.get(hour);
          if (out == null) {
            Path dir = Files.createDirectories(folder.resolve(hour));
            out =
                new GZIPOutputStream(
                    new BufferedOutputStream(
                        Files.newOutputStream(dir.resolve("baseline-0.jsonl.gz")), 1 << 16),
                    1 << 16);
            hours.put(hour, out);
          }
          out.write(LandingLine.of(message).json().getBytes(StandardCharsets.UTF_8));
          out.write('\n');
        }
      }
    }
    for (OutputStream out : hours.values()) {
      out.close();
    }
    System.out.println(
        "baseline endMillis="
            + System.currentTimeMillis()
            + " peakRssKb="
            + ThroughputBenchmark.peakRssKb(ProcessHandle.current().pid()));
  }
}
