package dev.zonestream.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.Optional;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.io.kafka.TimestampPolicy;
import org.apache.beam.sdk.io.kafka.TimestampPolicy.PartitionContext;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.kafka.common.TopicPartition;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class BrokerTimestampPolicyTest {
  private static final Duration DELAY = Duration.standardSeconds(5);
  private static final TopicPartition PARTITION = new TopicPartition("stedi.customer", 0);

  /** The reader's view of a partition: how many messages wait and when that was checked. */
  private static PartitionContext context(long backlog, Instant checkedAt) {
    return new PartitionContext() {
      @Override
      public long getMessageBacklog() {
        return backlog;
      }

      @Override
      public Instant getBacklogCheckTime() {
        return checkedAt;
      }
    };
  }

  private static KafkaRecord<byte[], byte[]> record(long timestamp) {
    return new KafkaRecord<>(
        "stedi.customer",
        0,
        0,
        timestamp,
        KafkaTimestampType.LOG_APPEND_TIME,
        null,
        new byte[0],
        new byte[0]);
  }

  private static TimestampPolicy<byte[], byte[]> fresh() {
    return BrokerTimestampPolicy.factory(DELAY).createTimestampPolicy(PARTITION, Optional.empty());
  }

  @Test
  void partitionThatNeverReceivedARecordAdvancesOnceItsBacklogIsEmpty() {
    TimestampPolicy<byte[], byte[]> policy = fresh();
    Instant now = new Instant(1_700_000_000_000L);

    assertThat(policy.getWatermark(context(-1, now)), equalTo(BoundedWindow.TIMESTAMP_MIN_VALUE));
    assertThat(policy.getWatermark(context(0, now)), equalTo(now.minus(DELAY)));
  }

  @Test
  void busyPartitionTrailsItsNewestBrokerTimestampByTheDelay() {
    TimestampPolicy<byte[], byte[]> policy = fresh();
    Instant now = new Instant(1_700_000_100_000L);

    assertThat(
        policy.getTimestampForRecord(context(10, now), record(1_700_000_000_000L)),
        equalTo(new Instant(1_700_000_000_000L)));
    assertThat(
        policy.getWatermark(context(9, now)),
        equalTo(new Instant(1_700_000_000_000L).minus(DELAY)));
  }

  @Test
  void recordBehindTheReportedWatermarkIsStampedAtItSoLandingNeverDropsIt() {
    TimestampPolicy<byte[], byte[]> policy = fresh();
    Instant now = new Instant(1_700_000_100_000L);
    Instant watermark = policy.getWatermark(context(0, now));

    Instant stamped = policy.getTimestampForRecord(context(1, now), record(1_600_000_000_000L));

    assertThat(stamped, equalTo(watermark));
  }

  @Test
  void watermarkNeverGoesBackwards() {
    TimestampPolicy<byte[], byte[]> policy = fresh();
    Instant later = new Instant(1_700_000_100_000L);
    Instant first = policy.getWatermark(context(0, later));

    assertThat(
        policy.getWatermark(context(0, later.minus(Duration.standardMinutes(1)))), equalTo(first));
    assertThat(policy.getWatermark(context(3, later)), equalTo(first));
  }

  @Test
  void resumesFromACheckpointedWatermark() {
    Instant previous = new Instant(1_700_000_000_000L);
    TimestampPolicy<byte[], byte[]> policy =
        BrokerTimestampPolicy.factory(DELAY)
            .createTimestampPolicy(PARTITION, Optional.of(previous));

    assertThat(policy.getWatermark(context(-1, previous)), equalTo(previous));
    assertThat(
        policy.getTimestampForRecord(context(1, previous), record(1_000L)), equalTo(previous));
  }
}
