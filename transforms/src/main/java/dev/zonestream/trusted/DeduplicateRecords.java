package dev.zonestream.trusted;

import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.Parsed;
import dev.zonestream.model.SourceKind;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * Keeps one of each parsed record: a message delivered again (same source coordinates, hence the
 * same payload) or the identical payload sent twice yields the same record, and only the first is
 * kept. The key is the record's identity: by default its whole coded form, never part of it
 * (several phone readings share a user and a millisecond); a lake spec may name the fields.
 *
 * <p>Bounded input: exact, over the whole input (grouped into buckets by the record's hash).
 *
 * <p>Unbounded input: each record is remembered for {@code horizon} of <em>processing time</em>
 * after it was first seen (and at most two hours more), as a 16-byte digest in one of {@value
 * #BUCKETS} keyed states ({@link SeenRecords}); a repeat that arrives later than that is kept
 * again. One processing-time timer per bucket, an hour apart and without an output timestamp (it
 * holds no watermark), ends a generation of digests and forgets those the horizon has passed.
 * Memory and checkpoints: 16 bytes per distinct record of the horizon, not the record (Beam's
 * {@code Deduplicate}, used before, kept a key, the coded record and a timer per record).
 */
public final class DeduplicateRecords<T>
    extends PTransform<PCollection<Parsed<T>>, PCollection<Parsed<T>>> {
  private static final int BUCKETS = 256;

  /** The message a known record travels with; never output. */
  static final Envelope KNOWN =
      new Envelope("_known", SourceKind.FILES, "_known", null, "0", 0L, 0L, new byte[0]);

  private final SerializableFunction<T, byte[]> identity;
  private final Duration horizon;
  private final @Nullable PCollection<T> known;

  private DeduplicateRecords(
      SerializableFunction<T, byte[]> identity, Duration horizon, @Nullable PCollection<T> known) {
    this.identity = identity;
    this.horizon = horizon;
    this.known = known;
  }

  /**
   * Records identified by their coded form under {@code recordCoder} (deterministic), remembered
   * for 24 hours by default.
   */
  public static <T> DeduplicateRecords<T> of(Coder<T> recordCoder) {
    return by(new CodedFormFn<>(recordCoder));
  }

  /**
   * Records identified by the bytes {@code identity} gives them (equal records, equal bytes; for
   * example a spec's identity fields in a canonical encoding), remembered for 24 hours by default.
   */
  public static <T> DeduplicateRecords<T> by(SerializableFunction<T, byte[]> identity) {
    return new DeduplicateRecords<>(identity, Duration.standardHours(24), null);
  }

  /** How long (processing time) a stream remembers a record it has seen. */
  public DeduplicateRecords<T> withHorizon(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("de-duplication horizon must be positive, got " + value);
    }
    return new DeduplicateRecords<>(identity, value, known);
  }

  /**
   * A stream's records that earlier jobs kept (for example {@link ReadKnownRecords}): each counts
   * as seen when this job starts, so its repeats are dropped, and none is output. Ignored for
   * bounded input.
   */
  public DeduplicateRecords<T> withKnown(@Nullable PCollection<T> records) {
    return new DeduplicateRecords<>(identity, horizon, records);
  }

  @Override
  public PCollection<Parsed<T>> expand(PCollection<Parsed<T>> input) {
    if (input.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      PCollection<Parsed<T>> all = input;
      if (known != null) {
        // Known records reach the step long before live ones (those wait for a landing window).
        all =
            PCollectionList.of(input)
                .and(
                    known
                        .apply("AsKnown", MapElements.via(new AsKnownFn<T>()))
                        .setCoder(input.getCoder()))
                .apply("LiveAndKnown", Flatten.pCollections());
      }
      // Keyed by bucket, not by record: a stateful step per record costs a key, its state and a
      // timer per record on every runner (and the Direct runner a bundle per key); a bucket keeps
      // its records' digests, 16 bytes each.
      // The record is coded and digested once, here; its bucket is taken from the digest.
      PCollection<Parsed<T>> firsts =
          all.apply("DigestByBucket", ParDo.of(new DigestFn<T>(identity)))
              .setCoder(
                  KvCoder.of(VarIntCoder.of(), KvCoder.of(ByteArrayCoder.of(), input.getCoder())))
              .apply(
                  "FirstWithinHorizon", ParDo.of(new FirstWithinHorizonFn<T>(horizon.getMillis())))
              .setCoder(input.getCoder());
      return firsts;
    }
    // Grouped into a fixed number of buckets by the record's hash, not one group per record: the
    // Direct runner pays a fixed cost per group (110,909 STEDI messages took over 15 minutes with
    // a group per record), and a bucket's records fit in memory at any size this job meets.
    return input
        .apply("ByBucket", ParDo.of(new BucketFn<T>(identity)))
        .setCoder(KvCoder.of(VarIntCoder.of(), KvCoder.of(ByteArrayCoder.of(), input.getCoder())))
        .apply("GroupBuckets", GroupByKey.create())
        .apply("OneOfEach", ParDo.of(new OneOfEachFn<T>()))
        .setCoder(input.getCoder());
  }

  /**
   * A stream's first of each record within the horizon: each bucket keeps the digests of the
   * records it has seen ({@link SeenRecords}), and forgets an hour's digests once the horizon has
   * passed over them. Known records are remembered, never output.
   */
  static final class FirstWithinHorizonFn<T>
      extends DoFn<KV<Integer, KV<byte[], Parsed<T>>>, Parsed<T>> {
    private final long horizonMillis;

    @StateId("seen")
    private final StateSpec<ValueState<SeenRecords>> seenSpec =
        StateSpecs.value(SeenRecords.SeenRecordsCoder.of());

    @StateId("armed")
    private final StateSpec<ValueState<Boolean>> armedSpec = StateSpecs.value(BooleanCoder.of());

    @TimerId("rotate")
    private final TimerSpec rotateSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    FirstWithinHorizonFn(long horizonMillis) {
      this.horizonMillis = horizonMillis;
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, KV<byte[], Parsed<T>>> element,
        @StateId("seen") ValueState<SeenRecords> state,
        @StateId("armed") ValueState<Boolean> armed,
        @TimerId("rotate") Timer rotate,
        OutputReceiver<Parsed<T>> out) {
      SeenRecords seen = state.read();
      if (seen == null) {
        seen = new SeenRecords();
      }
      Parsed<T> parsed = element.getValue().getValue();
      if (!seen.add(element.getValue().getKey())) {
        if (!isKnown(parsed)) {
          Metrics.counter(MetricNames.DUPLICATE, parsed.message().dataset()).inc();
        }
        return;
      }
      state.write(seen);
      if (armed.read() == null) {
        // No output timestamp: the timer holds no watermark back (as Beam's Deduplicate).
        rotate
            .offset(Duration.millis(SeenRecords.GENERATION_MILLIS))
            .withNoOutputTimestamp()
            .setRelative();
        armed.write(true);
      }
      if (!isKnown(parsed)) {
        out.output(parsed);
      }
    }

    /**
     * Ends a generation every {@link SeenRecords#GENERATION_MILLIS}, at the time it was due, and
     * forgets what the horizon has passed; set again for the next, from the time it was due (a job
     * that was down catches up one generation per firing), until nothing is left to forget.
     */
    @OnTimer("rotate")
    public void onRotate(
        OnTimerContext context,
        @StateId("seen") ValueState<SeenRecords> state,
        @StateId("armed") ValueState<Boolean> armed,
        @TimerId("rotate") Timer rotate) {
      SeenRecords seen = state.read();
      long due = context.fireTimestamp().getMillis();
      if (seen != null) {
        seen.rotate(due, horizonMillis);
      }
      if (seen == null || seen.isEmpty()) {
        state.clear();
        armed.clear();
        return;
      }
      state.write(seen);
      rotate
          .withNoOutputTimestamp()
          .set(new org.joda.time.Instant(due + SeenRecords.GENERATION_MILLIS));
    }
  }

  /** Each record keyed by its bucket, with the digest of its identity ({@link SeenRecords}). */
  static final class DigestFn<T> extends DoFn<Parsed<T>, KV<Integer, KV<byte[], Parsed<T>>>> {
    private final SerializableFunction<T, byte[]> identity;

    DigestFn(SerializableFunction<T, byte[]> identity) {
      this.identity = identity;
    }

    @ProcessElement
    public void processElement(
        @Element Parsed<T> parsed, OutputReceiver<KV<Integer, KV<byte[], Parsed<T>>>> out) {
      byte[] digest = SeenRecords.digest(identity.apply(parsed.record()));
      int bucket = Math.floorMod(((digest[0] & 0xff) << 8) | (digest[1] & 0xff), BUCKETS);
      out.output(KV.of(bucket, KV.of(digest, parsed)));
    }
  }

  static boolean isKnown(Parsed<?> parsed) {
    return KNOWN.equals(parsed.message());
  }

  /** Wraps a known record with the {@link #KNOWN} message. */
  static final class AsKnownFn<T> extends SimpleFunction<T, Parsed<T>> {
    @Override
    public Parsed<T> apply(T record) {
      return new Parsed<>(record, KNOWN);
    }
  }

  /** Each record keyed by its bucket (its identity's hash), with its identity. */
  static final class BucketFn<T> extends DoFn<Parsed<T>, KV<Integer, KV<byte[], Parsed<T>>>> {
    private final SerializableFunction<T, byte[]> identity;

    BucketFn(SerializableFunction<T, byte[]> identity) {
      this.identity = identity;
    }

    @ProcessElement
    public void processElement(
        @Element Parsed<T> parsed, OutputReceiver<KV<Integer, KV<byte[], Parsed<T>>>> out) {
      byte[] id = identity.apply(parsed.record());
      out.output(KV.of(Math.floorMod(Arrays.hashCode(id), BUCKETS), KV.of(id, parsed)));
    }
  }

  /** Emits the first of each identity in a bucket. */
  static final class OneOfEachFn<T>
      extends DoFn<KV<Integer, Iterable<KV<byte[], Parsed<T>>>>, Parsed<T>> {
    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<KV<byte[], Parsed<T>>>> bucket,
        OutputReceiver<Parsed<T>> out) {
      Set<ByteBuffer> seen = new HashSet<>();
      for (KV<byte[], Parsed<T>> element : bucket.getValue()) {
        if (seen.add(ByteBuffer.wrap(element.getKey()))) {
          out.output(element.getValue());
        } else {
          Metrics.counter(MetricNames.DUPLICATE, element.getValue().message().dataset()).inc();
        }
      }
    }
  }

  /** A record's identity as its coded form: equal records, equal bytes. */
  static final class CodedFormFn<T> implements SerializableFunction<T, byte[]> {
    private final Coder<T> recordCoder;

    CodedFormFn(Coder<T> recordCoder) {
      this.recordCoder = recordCoder;
    }

    @Override
    public byte[] apply(T record) {
      try {
        return CoderUtils.encodeToByteArray(recordCoder, record);
      } catch (CoderException e) {
        throw new IllegalStateException("cannot encode " + record, e);
      }
    }
  }
}
