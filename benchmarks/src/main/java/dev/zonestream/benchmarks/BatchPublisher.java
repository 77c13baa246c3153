package dev.zonestream.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes the chaos plan's batches as a fleet of devices would, through a broker that may be
 * frozen or restarting meanwhile: an idempotent producer ({@code acks=all}) that retries for up to
 * ten minutes, so a send outlasts a fault instead of failing, and a retry never writes a message
 * twice.
 */
final class BatchPublisher implements AutoCloseable {
  private static final int TEN_MINUTES_MS = 600_000;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final KafkaProducer<byte[], byte[]> producer;

  BatchPublisher(String bootstrapServers) {
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                TEN_MINUTES_MS,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                TEN_MINUTES_MS,
                ProducerConfig.LINGER_MS_CONFIG,
                10,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                1024 * 1024),
            new ByteArraySerializer(),
            new ByteArraySerializer());
  }

  /**
   * Sends every message of {@code batch} with its broker timestamp (customer records keyed by
   * email, so one customer's records keep their order on one partition) and waits for the broker's
   * acknowledgements; returns how many it acknowledged.
   */
  long publish(ChaosPlan.Batch batch) throws InterruptedException {
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    batch
        .byTopic()
        .forEach(
            (topic, messages) -> {
              for (ChaosPlan.Message message : messages) {
                acks.add(
                    producer.send(
                        new ProducerRecord<>(
                            topic,
                            null,
                            message.timestamp(),
                            key(message.value()),
                            message.value())));
              }
            });
    producer.flush();
    long acknowledged = 0;
    for (Future<RecordMetadata> ack : acks) {
      try {
        ack.get();
        acknowledged++;
      } catch (ExecutionException e) {
        // Counted by the difference with the batch's size; the broker's log is the truth.
      }
    }
    return acknowledged;
  }

  /**
   * Sends one message stamped by the producer's clock (a device sending now), keyed as {@link
   * #publish} keys it; does not wait for the broker.
   */
  Future<RecordMetadata> sendNow(String topic, byte[] value) {
    return producer.send(new ProducerRecord<>(topic, null, null, key(value), value));
  }

  /** A customer record's email (a JSON object's {@code email} text), else no key. */
  private static byte[] key(byte[] value) {
    try {
      JsonNode node = MAPPER.readTree(value);
      return node != null && node.path("customerName").isTextual() && node.path("email").isTextual()
          ? node.get("email").asText().getBytes(StandardCharsets.UTF_8)
          : null;
    } catch (IOException e) {
      return null; // not JSON: the broken messages of the generator
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
