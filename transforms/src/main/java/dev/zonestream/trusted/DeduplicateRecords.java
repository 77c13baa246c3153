package dev.zonestream.trusted;

import dev.zonestream.model.Parsed;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.Deduplicate;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Keeps one of each parsed record: a message delivered again (same source coordinates, hence the
 * same payload) or the identical payload sent twice yields the same record, and only the first is
 * kept. The whole record is the key, never part of it (several phone readings share a user and a
 * millisecond).
 *
 * <p>Bounded input: exact, over the whole input (grouped into buckets by the record's hash).
 *
 * <p>Unbounded input: Beam's {@link Deduplicate}, which remembers each record for {@code horizon}
 * of <em>processing time</em> after it first saw it (processing-time timers work on every runner
 * here; event-time timers do not on the Spark runner). A repeat that arrives later than that is
 * kept again. Memory: one entry per distinct record seen within the horizon, in the runner's keyed
 * state (on Flink, checkpointed with the job).
 */
public final class DeduplicateRecords<T extends Record>
    extends PTransform<PCollection<Parsed<T>>, PCollection<Parsed<T>>> {
  private static final int BUCKETS = 256;

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
    // Grouped into a fixed number of buckets by the record's hash, not one group per record: the
    // Direct runner pays a fixed cost per group (110,909 STEDI messages took over 15 minutes with
    // a group per record), and a bucket's records fit in memory at any size this job meets.
    return input
        .apply("ByBucket", WithKeys.of(new BucketFn<T>(recordCoder)))
        .setCoder(KvCoder.of(VarIntCoder.of(), input.getCoder()))
        .apply("GroupBuckets", GroupByKey.create())
        .apply("OneOfEach", ParDo.of(new OneOfEachFn<T>()))
        .setCoder(input.getCoder());
  }

  /** The record's bucket: its coded form's hash, modulo {@value #BUCKETS}. */
  static final class BucketFn<T extends Record>
      implements SerializableFunction<Parsed<T>, Integer> {
    private final CodedFormFn<T> codedForm;

    BucketFn(Coder<T> recordCoder) {
      this.codedForm = new CodedFormFn<>(recordCoder);
    }

    @Override
    public Integer apply(Parsed<T> parsed) {
      return Math.floorMod(codedForm.apply(parsed).hashCode(), BUCKETS);
    }
  }

  /** Emits the first of each record in a bucket. */
  static final class OneOfEachFn<T extends Record>
      extends DoFn<KV<Integer, Iterable<Parsed<T>>>, Parsed<T>> {
    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<Parsed<T>>> bucket, OutputReceiver<Parsed<T>> out) {
      Set<T> seen = new HashSet<>();
      for (Parsed<T> parsed : bucket.getValue()) {
        if (seen.add(parsed.record())) {
          out.output(parsed);
        }
      }
    }
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
}
