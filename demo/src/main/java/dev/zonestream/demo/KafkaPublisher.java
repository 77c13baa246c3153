package dev.zonestream.demo;

import dev.zonestream.ingest.KafkaClientProperties;
import java.util.ArrayList;
import java.util.HashMap;
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
 * Publishes messages to Kafka topics, as an IoT fleet would, and waits until all are acknowledged.
 */
public final class KafkaPublisher {
  private KafkaPublisher() {}

  /**
   * Sends every message of every topic (null key: the producer spreads them over partitions) with
   * {@code acks=all}; returns once the broker has acknowledged each one.
   *
   * @throws IllegalStateException when a message cannot be sent
   */
  public static void publish(String bootstrapServers, Map<String, List<byte[]>> messagesByTopic) {
    publish(bootstrapServers, KafkaClientProperties.none(), messagesByTopic);
  }

  /**
   * As {@link #publish(String, Map)}, with client settings (TLS, SASL) added to the producer's.
   *
   * @throws IllegalStateException when a message cannot be sent
   */
  public static void publish(
      String bootstrapServers,
      KafkaClientProperties clientProperties,
      Map<String, List<byte[]>> messagesByTopic) {
    Map<String, Object> config = new HashMap<>(clientProperties.all());
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1024 * 1024);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      messagesByTopic.forEach(
          (topic, messages) -> {
            for (byte[] message : messages) {
              sent.add(producer.send(new ProducerRecord<>(topic, message)));
            }
          });
      producer.flush();
      for (Future<RecordMetadata> ack : sent) {
        ack.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "could not publish to Kafka: " + clientProperties.redact(String.valueOf(e.getCause())),
          e.getCause());
    }
  }
}
