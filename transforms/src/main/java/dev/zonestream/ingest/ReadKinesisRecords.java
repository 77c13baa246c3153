package dev.zonestream.ingest;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.SourceKind;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.io.aws2.common.ClientConfiguration;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisIO;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisRecord;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;
import software.amazon.kinesis.common.InitialPositionInStream;

/**
 * Reads records from Kinesis data streams as {@link Envelope}s, each routed to its dataset by
 * stream name, through Beam's {@link KinesisIO}.
 *
 * <p><b>Boundedness.</b> Unbounded, unless {@link #withMaxNumRecords} or {@link #withMaxReadTime}
 * is set: then bounded, ending after that many records of a stream or at one deadline, {@code
 * maxReadTime} after the graph is built, shared by every stream and shard ({@link DeadlineSource}:
 * Beam's own {@code withMaxReadTime} gives each shard's reader that long from when it starts, and
 * the readers run a few at a time).
 *
 * <p><b>Timestamps and watermark.</b> Each record carries its approximate arrival time. The
 * watermark is KinesisIO's arrival-time policy with an idle threshold of the max delay: a shard's
 * watermark is its newest arrival time and, once the shard has had nothing for that long, the clock
 * minus that delay, so a shard that never receives a record does not hold windows open.
 *
 * <p><b>Start.</b> Each stream starts at {@link #withStartPosition} ({@code TRIM_HORIZON} or {@code
 * LATEST}) or {@link #withStartTimestamp}, unless {@link #withStreamStartTimestamps} names an
 * instant of its own for it.
 *
 * <p><b>Delivery.</b> KinesisIO keeps shard positions in the runner's checkpoints (no DynamoDB
 * lease table): a runner restored from a checkpoint resumes there and may deliver a record again; a
 * new job starts at its start position, which the entry point takes from the landing zone so that
 * nothing read but not landed is lost (at least once). The trusted zone removes duplicates.
 *
 * <p><b>Failures.</b> Kinesis errors (throttling, expired iterators, transient faults) are retried
 * by KinesisIO and the AWS client.
 *
 * <p><b>Envelope.</b> source = stream name, partition = shard id, offset = sequence number (with
 * {@code /sub-sequence} for a KPL-aggregated record), key = partition key.
 */
@AutoValue
public abstract class ReadKinesisRecords extends PTransform<PBegin, PCollection<Envelope>> {
  abstract Map<String, String> streams();

  abstract InitialPositionInStream startPosition();

  abstract @Nullable Instant startTimestamp();

  abstract Map<String, Instant> streamStarts();

  abstract @Nullable URI endpoint();

  abstract Duration maxDelay();

  abstract long maxNumRecords();

  abstract @Nullable Duration maxReadTime();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setStreams(Map<String, String> streams);

    abstract Builder setStartPosition(InitialPositionInStream startPosition);

    abstract Builder setStartTimestamp(@Nullable Instant startTimestamp);

    abstract Builder setStreamStarts(Map<String, Instant> streamStarts);

    abstract Builder setEndpoint(@Nullable URI endpoint);

    abstract Builder setMaxDelay(Duration maxDelay);

    abstract Builder setMaxNumRecords(long maxNumRecords);

    abstract Builder setMaxReadTime(@Nullable Duration maxReadTime);

    abstract ReadKinesisRecords build();
  }

  /**
   * Defaults: the STEDI streams ({@code stedi.customer}, {@code stedi.accelerometer}, {@code
   * stedi.step_trainer}), trim horizon, the region's AWS endpoint, 5 s max delay, unbounded.
   */
  public static ReadKinesisRecords create() {
    Map<String, String> stedi = new LinkedHashMap<>();
    for (Dataset dataset : Dataset.values()) {
      stedi.put("stedi." + dataset.folder(), dataset.folder());
    }
    return new AutoValue_ReadKinesisRecords.Builder()
        .setStreams(stedi)
        .setStartPosition(InitialPositionInStream.TRIM_HORIZON)
        .setStreamStarts(Map.of())
        .setMaxDelay(Duration.standardSeconds(5))
        .setMaxNumRecords(Long.MAX_VALUE)
        .build();
  }

  /**
   * Stream name to dataset folder ({@link Dataset#folder()} or {@link Dataset#UNROUTED_FOLDER});
   * replaces the defaults.
   */
  public ReadKinesisRecords withStreams(Map<String, String> streamToDataset) {
    if (streamToDataset == null || streamToDataset.isEmpty()) {
      throw new IllegalArgumentException("at least one stream is needed");
    }
    return toBuilder().setStreams(new LinkedHashMap<>(streamToDataset)).build();
  }

  /** Start at the oldest record kept ({@code TRIM_HORIZON}) or at the newest ({@code LATEST}). */
  public ReadKinesisRecords withStartPosition(InitialPositionInStream position) {
    checkArgumentNotNull(position, "start position");
    if (position == InitialPositionInStream.AT_TIMESTAMP) {
      throw new IllegalArgumentException("use withStartTimestamp for AT_TIMESTAMP");
    }
    return toBuilder().setStartPosition(position).setStartTimestamp(null).build();
  }

  /** Start at the first record that arrived at or after {@code timestamp} (in the past). */
  public ReadKinesisRecords withStartTimestamp(Instant timestamp) {
    checkArgumentNotNull(timestamp, "start timestamp");
    return toBuilder()
        .setStartPosition(InitialPositionInStream.AT_TIMESTAMP)
        .setStartTimestamp(timestamp)
        .build();
  }

  /**
   * Starts each stream named here at the first record that arrived at or after its instant (in the
   * past), whatever {@link #withStartPosition} or {@link #withStartTimestamp} say; streams not
   * named start there. How a job picks these instants from the landing zone, so that a new job
   * starts where landing ends, is the entry point's business ({@code KinesisStarts} in the pipeline
   * module).
   */
  public ReadKinesisRecords withStreamStartTimestamps(Map<String, Instant> starts) {
    checkArgumentNotNull(starts, "stream start timestamps");
    starts.forEach(
        (stream, at) -> {
          checkArgumentNotNull(stream, "stream name");
          checkArgumentNotNull(at, "start timestamp of " + stream);
        });
    return toBuilder().setStreamStarts(Map.copyOf(starts)).build();
  }

  /** A Kinesis endpoint other than AWS's for the region (kinesis-mock, a VPC endpoint). */
  public ReadKinesisRecords withEndpoint(URI uri) {
    checkArgumentNotNull(uri, "endpoint");
    return toBuilder().setEndpoint(uri).build();
  }

  /** How long a shard may be idle before its watermark follows the clock, minus that delay. */
  public ReadKinesisRecords withMaxDelay(Duration delay) {
    if (delay == null || delay.getMillis() < 0) {
      throw new IllegalArgumentException("max delay must not be negative, got " + delay);
    }
    return toBuilder().setMaxDelay(delay).build();
  }

  /** Bounded: stop after this many records per stream. */
  public ReadKinesisRecords withMaxNumRecords(long max) {
    if (max < 1) {
      throw new IllegalArgumentException("max records must be at least 1, got " + max);
    }
    return toBuilder().setMaxNumRecords(max).build();
  }

  /**
   * Bounded: stop reading this long after the graph is built, all streams and shards at the same
   * deadline (see {@link DeadlineSource}), however many shards there are.
   */
  public ReadKinesisRecords withMaxReadTime(Duration time) {
    if (time == null || time.getMillis() < 1) {
      throw new IllegalArgumentException("max read time must be positive, got " + time);
    }
    return toBuilder().setMaxReadTime(time).build();
  }

  @Override
  public PCollection<Envelope> expand(PBegin input) {
    for (String stream : streamStarts().keySet()) {
      if (!streams().containsKey(stream)) {
        throw new IllegalArgumentException(
            "a start timestamp is given for "
                + stream
                + ", which is not read: "
                + streams().keySet());
      }
    }
    // One deadline for the whole read, fixed once, shared by every stream and shard.
    Instant deadline = maxReadTime() == null ? null : Instant.now().plus(maxReadTime());
    ClientConfiguration.Builder client = ClientConfiguration.builder();
    if (endpoint() != null) {
      client.endpoint(endpoint());
    }
    PCollectionList<Envelope> all = PCollectionList.empty(input.getPipeline());
    int index = 0;
    for (Map.Entry<String, String> stream : streams().entrySet()) {
      KinesisIO.Read read =
          KinesisIO.read()
              .withStreamName(stream.getKey())
              .withClientConfiguration(client.build())
              .withArrivalTimeWatermarkPolicy(maxDelay());
      Instant at = streamStarts().getOrDefault(stream.getKey(), startTimestamp());
      read =
          at != null
              ? read.withInitialTimestampInStream(at)
              : read.withInitialPositionInStream(startPosition());
      PTransform<PBegin, PCollection<KinesisRecord>> transform = read;
      if (deadline != null) {
        transform =
            DeadlineSource.boundedRead(
                DeadlineSource.sourceOf(read, input.getPipeline().getOptions()),
                deadline,
                maxNumRecords());
      } else if (maxNumRecords() < Long.MAX_VALUE) {
        transform = read.withMaxNumRecords(maxNumRecords());
      }
      // Step names by position, never by stream name: they identify state across savepoints.
      all =
          all.and(
              input
                  .apply("ReadStream" + index, transform)
                  .apply("ToEnvelopes" + index, ParDo.of(new ToEnvelopeFn(stream.getValue()))));
      index++;
    }
    return all.apply("FlattenStreams", Flatten.pCollections());
  }

  /** Wraps a Kinesis record into an envelope of its stream's dataset. */
  static final class ToEnvelopeFn extends DoFn<KinesisRecord, Envelope> {
    private final String dataset;

    ToEnvelopeFn(String dataset) {
      this.dataset = dataset;
    }

    @ProcessElement
    public void processElement(@Element KinesisRecord record, OutputReceiver<Envelope> out) {
      Metrics.counter(MetricNames.READ, dataset).inc();
      String offset =
          record.getSubSequenceNumber() == 0
              ? record.getSequenceNumber()
              : record.getSequenceNumber() + "/" + record.getSubSequenceNumber();
      out.output(
          new Envelope(
              dataset,
              SourceKind.KINESIS,
              record.getStreamName(),
              record.getShardId(),
              offset,
              record.getApproximateArrivalTimestamp().getMillis(),
              Instant.now().getMillis(),
              record.getDataAsBytes(),
              record.getPartitionKey().getBytes(StandardCharsets.UTF_8)));
    }
  }
}
