package dev.zonestream.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A Kafka stream's consumer lag: the messages of its named topics not yet landed, that is between
 * the group's committed offset (zonestream commits an offset once its message is in a final landing
 * file) and each partition's end; a partition without a commit counts from its first offset.
 */
final class KafkaLag implements AutoCloseable {
  private static final long TIMEOUT_SECONDS = 5;

  private final Admin admin;
  private final List<String> topics;
  private final String group;

  private KafkaLag(Admin admin, List<String> topics, String group) {
    this.admin = admin;
    this.topics = topics;
    this.group = group;
  }

  /** For a Kafka stream with a consumer group, else null (no commits, no lag to tell). */
  static @Nullable KafkaLag of(JobConfig config) {
    JobConfig.Kafka kafka = config.kafka();
    if (kafka.consumerGroup() == null || kafka.bootstrapServers() == null) {
      return null;
    }
    return new KafkaLag(
        Admin.create(
            KafkaChecks.adminConfig(
                kafka.bootstrapServers(),
                kafka.properties(),
                "zonestream-progress",
                TIMEOUT_SECONDS)),
        new ArrayList<>(kafka.topics().keySet()),
        kafka.consumerGroup());
  }

  /** The lag now, or null when the broker did not answer in time. */
  @Nullable Long lag() {
    try {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
      for (TopicDescription topic :
          admin
              .describeTopics(topics)
              .allTopicNames()
              .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .values()) {
        for (TopicPartitionInfo partition : topic.partitions()) {
          TopicPartition tp = new TopicPartition(topic.name(), partition.partition());
          latest.put(tp, OffsetSpec.latest());
          earliest.put(tp, OffsetSpec.earliest());
        }
      }
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      var ends = admin.listOffsets(latest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      var starts = admin.listOffsets(earliest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      long lag = 0;
      for (var end : ends.entrySet()) {
        OffsetAndMetadata commit = committed.get(end.getKey());
        long from = commit != null ? commit.offset() : starts.get(end.getKey()).offset();
        lag += Math.max(0, end.getValue().offset() - from);
      }
      return lag;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(TIMEOUT_SECONDS));
  }
}
