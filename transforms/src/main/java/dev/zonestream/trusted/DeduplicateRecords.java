package dev.zonestream.trusted;

import dev.zonestream.model.Parsed;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Deduplicate;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Keeps one of each parsed record: a message delivered again (same source coordinates, hence the
 * same payload) or the identical payload sent twice yields the same record, and only the first is
 * kept. The whole record is the key, never part of it (several phone readings share a user and a
 * millisecond).
 *
 * <p>Bounded input: exact, over the whole input ({@code Combine.perKey}: one of each).
 *
 * <p>Unbounded input: Beam's {@link Deduplicate}, which remembers each record for {@code horizon}
 * of <em>processing time</em> after it first saw it (processing-time timers work on every runner
 * here; event-time timers do not on the Spark runner). A repeat that arrives later than that is
 * kept again. Memory: one entry per distinct record seen within the horizon, in the runner's keyed
 * state (on Flink, checkpointed with the job).
 */
public final class DeduplicateRecords<T extends Record>
    extends PTransform<PCollection<Parsed<T>>, PCollection<Parsed<T>>> {
  private final Coder<T> recordCoder;
  private final Duration horizon;

  private DeduplicateRecords(Coder<T> recordCoder, Duration horizon) {
    this.recordCoder = recordCoder;
    this.horizon = horizon;
  }

  /** Records coded by {@code recordCoder} (deterministic), remembered for 24 hours by default. */
  public static <T extends Record> DeduplicateRecords<T> of(Coder<T> recordCoder) {
    return new DeduplicateRecords<>(recordCoder, Duration.standardHours(24));
  }

  /** How long (processing time) a stream remembers a record it has seen. */
  public DeduplicateRecords<T> withHorizon(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("de-duplication horizon must be positive, got " + value);
    }
    return new DeduplicateRecords<>(recordCoder, value);
  }

  @Override
  public PCollection<Parsed<T>> expand(PCollection<Parsed<T>> input) {
    if (input.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      // Keyed by the record's coded form as a string, not by the record: the Spark runner's
      // streaming state shuffles its keys with Java serialization, which records do not support.
      return input.apply(
          "WithinHorizon",
          Deduplicate.<Parsed<T>, String>withRepresentativeValueFn(new CodedFormFn<>(recordCoder))
              .withRepresentativeCoder(StringUtf8Coder.of())
              .withDuration(horizon));
    }
    return input
        .apply("ByRecord", WithKeys.<T, Parsed<T>>of(Parsed::record))
        .setCoder(KvCoder.of(recordCoder, input.getCoder()))
        .apply("OneOfEach", Combine.perKey(DeduplicateRecords::first))
        .apply("Records", Values.create());
  }

  /** A record's coded form, each byte one character: equal records, equal strings. */
  static final class CodedFormFn<T extends Record>
      implements SerializableFunction<Parsed<T>, String> {
    private final Coder<T> recordCoder;

    CodedFormFn(Coder<T> recordCoder) {
      this.recordCoder = recordCoder;
    }

    @Override
    public String apply(Parsed<T> parsed) {
      try {
        return new String(
            CoderUtils.encodeToByteArray(recordCoder, parsed.record()),
            StandardCharsets.ISO_8859_1);
      } catch (CoderException e) {
        throw new IllegalStateException("cannot encode " + parsed.record(), e);
      }
    }
  }

  private static <V> V first(Iterable<V> values) {
    return values.iterator().next();
  }
}
