package dev.zonestream.model;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One message as received from a broker or a file, before anything is interpreted: the same type
 * for every source, so nothing downstream knows which broker a message came from.
 *
 * @param dataset the dataset folder the source routed it to, or {@link Dataset#UNROUTED_FOLDER}
 * @param sourceKind the kind of source
 * @param source topic, stream, queue or file path
 * @param partition partition or shard; {@code null} where the source has none (files, SQS)
 * @param offset offset, sequence number, message id or line number
 * @param brokerTimestamp the broker's timestamp of the message, epoch ms (files: see the files
 *     source)
 * @param ingestTime when zonestream read the message, epoch ms
 * @param payload the message value, byte for byte as received
 * @param key the message key as received (Kafka record key, Kinesis partition key), or {@code null}
 *     where the message has none
 */
@DefaultCoder(EnvelopeCoder.class)
public record Envelope(
    String dataset,
    SourceKind sourceKind,
    String source,
    @Nullable String partition,
    String offset,
    long brokerTimestamp,
    long ingestTime,
    byte[] payload,
    byte @Nullable [] key) {

  /** A message without a key. */
  public Envelope(
      String dataset,
      SourceKind sourceKind,
      String source,
      @Nullable String partition,
      String offset,
      long brokerTimestamp,
      long ingestTime,
      byte[] payload) {
    this(
        dataset, sourceKind, source, partition, offset, brokerTimestamp, ingestTime, payload, null);
  }

  public Envelope {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(sourceKind, "sourceKind");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(offset, "offset");
    Objects.requireNonNull(payload, "payload");
  }

  /** Whether the source could tell this message's dataset. */
  public boolean isRouted() {
    return !Dataset.UNROUTED_FOLDER.equals(dataset);
  }

  // A record compares arrays by reference; messages are values, so compare the bytes.
  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Envelope other)) {
      return false;
    }
    return brokerTimestamp == other.brokerTimestamp
        && ingestTime == other.ingestTime
        && dataset.equals(other.dataset)
        && sourceKind == other.sourceKind
        && source.equals(other.source)
        && Objects.equals(partition, other.partition)
        && offset.equals(other.offset)
        && Arrays.equals(payload, other.payload)
        && Arrays.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dataset, sourceKind, source, partition, offset, brokerTimestamp, ingestTime)
            * 31
        + Arrays.hashCode(payload) * 17
        + Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return "Envelope{"
        + dataset
        + " "
        + sourceKind.label()
        + ":"
        + source
        + "/"
        + partition
        + "@"
        + offset
        + " t="
        + brokerTimestamp
        + (key == null ? "" : " key(base64)=" + Base64.getEncoder().encodeToString(key))
        + " payload(base64)="
        + Base64.getEncoder().encodeToString(payload)
        + "}";
  }
}
