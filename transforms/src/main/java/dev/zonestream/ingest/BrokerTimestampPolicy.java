package dev.zonestream.ingest;

import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicyFactory;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Stamps each Kafka record with its broker timestamp (create time or log-append time, whichever the
 * topic keeps) and keeps the watermark moving on partitions that receive nothing.
 *
 * <p>Beam's {@code withCreateTime}/{@code withLogAppendTime} policies only let an idle partition's
 * watermark advance after it has delivered at least one record, so a topic with one empty partition
 * holds the whole source's watermark at the beginning of time and no window ever closes
 * (apache/beam issue 20908). Here a partition whose backlog is zero reports {@code backlog check
 * time - maxDelay}, record or not.
 *
 * <p>Landing must never drop a message as too late. A record whose broker timestamp is behind the
 * watermark this partition already reported (a producer's clock more than {@code maxDelay} behind,
 * or a broker clock behind this reader's) is stamped at that watermark instead: it lands in the
 * window that is still open, and its envelope keeps the original broker timestamp.
 */
public final class BrokerTimestampPolicy extends TimestampPolicy<byte[], byte[]> {
  private final Duration maxDelay;
  private Instant maxEventTime;
  private Instant lastWatermark;

  BrokerTimestampPolicy(Duration maxDelay, Optional<Instant> previousWatermark) {
    this.maxDelay = maxDelay;
    this.lastWatermark = previousWatermark.orElse(BoundedWindow.TIMESTAMP_MIN_VALUE);
    this.maxEventTime = lastWatermark;
  }

  /** A factory for one policy per partition, resuming from a checkpointed watermark. */
  public static TimestampPolicyFactory<byte[], byte[]> factory(Duration maxDelay) {
    if (maxDelay == null || maxDelay.getMillis() < 0) {
      throw new IllegalArgumentException("max broker delay must not be negative, got " + maxDelay);
    }
    return (TopicPartition partition, Optional<Instant> previousWatermark) ->
        new BrokerTimestampPolicy(maxDelay, previousWatermark);
  }

  @Override
  public Instant getTimestampForRecord(PartitionContext ctx, KafkaRecord<byte[], byte[]> record) {
    Instant timestamp = new Instant(record.getTimestamp());
    if (timestamp.isBefore(lastWatermark)) {
      timestamp = lastWatermark;
    }
    if (timestamp.isAfter(BoundedWindow.TIMESTAMP_MAX_VALUE)) {
      timestamp = BoundedWindow.TIMESTAMP_MAX_VALUE;
    }
    if (timestamp.isAfter(maxEventTime)) {
      maxEventTime = timestamp;
    }
    return timestamp;
  }

  @Override
  public Instant getWatermark(PartitionContext ctx) {
    Instant watermark = minusClamped(maxEventTime);
    if (ctx.getMessageBacklog() == 0) {
      Instant idle = minusClamped(ctx.getBacklogCheckTime());
      if (idle.isAfter(watermark)) {
        watermark = idle;
      }
    }
    if (watermark.isAfter(lastWatermark)) {
      lastWatermark = watermark;
    }
    return lastWatermark;
  }

  private Instant minusClamped(Instant time) {
    Instant result = time.minus(maxDelay);
    return result.isBefore(BoundedWindow.TIMESTAMP_MIN_VALUE)
        ? BoundedWindow.TIMESTAMP_MIN_VALUE
        : result;
  }
}
