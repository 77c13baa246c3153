package dev.zonestream.trusted;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableComparator;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.windowing.AfterEach;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;
import org.joda.time.Duration;

/**
 * Reference data (customers by email, device owners by serial number) as a side input of {@link
 * ReferenceSnapshot}s: for each key, the newest value of each identity seen since the start of the
 * job, however long ago. Readers take {@link ReferenceSnapshot#latest} of the view and look their
 * key up in it.
 *
 * <p>Bounded input: one snapshot of everything, complete before any reader reads it.
 *
 * <p>Unbounded input: a {@link Combine} in the global window with <em>accumulating</em> panes keeps
 * the newest value per key and identity, and publishes a whole snapshot on its first element, then
 * at most once per {@code refresh} (default one second) of processing time, and only when something
 * arrived. The view then holds only the latest pane (discarding), which is a whole snapshot;
 * readers pick the greatest version should a runner deliver two at once. Why not a multimap view of
 * every record seen: the Flink runner rebuilds a multimap side input from all its entries at every
 * lookup, and an accumulating view re-sends everything at every update, so a million customers let
 * no reading through (see the README's benchmark). A snapshot is looked up in constant time; what
 * it costs is one encoding of the whole snapshot per refresh, on the worker that combines and on
 * each reader.
 *
 * <p>A new key shows in the view up to {@code refresh} (plus the runner's own delay: a few seconds
 * on Spark) after it arrives; readers that find nothing hand the element to a stateful path that
 * waits for the key. The Direct and Flink runners hold a reader's elements until the view's first
 * pane; a placeholder under the key {@code ""}, which no email or serial number has, gives the view
 * that pane at once, so readings are never held back by a silent reference stream.
 *
 * <p>Memory: every key and identity stays in the snapshot for the life of the job, once in the
 * combining step and once in each reader.
 */
public final class ViewReferenceData<V, W>
    extends PTransform<
        PCollection<KV<String, V>>, PCollectionView<Iterable<ReferenceSnapshot<W>>>> {
  /** The key of the placeholder entry. */
  public static final String PLACEHOLDER_KEY = "";

  /** How often, at most, a stream publishes a new snapshot by default. */
  public static final Duration DEFAULT_REFRESH = Duration.standardSeconds(1);

  private final V placeholder;
  private final SerializableFunction<V, String> identity;
  private final SerializableComparator<V> newest;
  private final SerializableFunction<V, W> publish;
  private final Coder<W> publishedCoder;
  private final Duration refresh;

  private ViewReferenceData(
      V placeholder,
      SerializableFunction<V, String> identity,
      SerializableComparator<V> newest,
      SerializableFunction<V, W> publish,
      Coder<W> publishedCoder,
      Duration refresh) {
    this.placeholder = placeholder;
    this.identity = identity;
    this.newest = newest;
    this.publish = publish;
    this.publishedCoder = publishedCoder;
    this.refresh = refresh;
  }

  /**
   * Keeps, under each key, the greatest value by {@code newest} of each {@code identity} (for
   * example each owner's email under a serial number) and publishes {@code publish} of it (what
   * readers need, so that each reader's copy stays small); {@code placeholder} is stored under
   * {@link #PLACEHOLDER_KEY}, which readers never look up.
   */
  public static <V, W> ViewReferenceData<V, W> newestPerIdentity(
      V placeholder,
      SerializableFunction<V, String> identity,
      SerializableComparator<V> newest,
      SerializableFunction<V, W> publish,
      Coder<W> publishedCoder) {
    if (placeholder == null
        || identity == null
        || newest == null
        || publish == null
        || publishedCoder == null) {
      throw new IllegalArgumentException(
          "placeholder, identity, newest, publish and publishedCoder must be given");
    }
    return new ViewReferenceData<>(
        placeholder, identity, newest, publish, publishedCoder, DEFAULT_REFRESH);
  }

  /** How often, at most, a stream publishes a new snapshot. */
  public ViewReferenceData<V, W> withRefresh(Duration refresh) {
    if (refresh == null || refresh.isShorterThan(Duration.millis(1))) {
      throw new IllegalArgumentException("refresh must be at least 1 ms, was " + refresh);
    }
    return new ViewReferenceData<>(placeholder, identity, newest, publish, publishedCoder, refresh);
  }

  @Override
  public PCollectionView<Iterable<ReferenceSnapshot<W>>> expand(PCollection<KV<String, V>> input) {
    @SuppressWarnings("unchecked")
    Coder<V> valueCoder = ((KvCoder<String, V>) input.getCoder()).getValueCoder();
    NewestPerIdentityFn<V, W> combineFn =
        new NewestPerIdentityFn<>(identity, newest, publish, valueCoder, publishedCoder);
    if (input.isBounded() == PCollection.IsBounded.BOUNDED) {
      return input
          .apply("Snapshot", Combine.globally(combineFn).withoutDefaults())
          .setCoder(ReferenceSnapshot.SnapshotCoder.of(publishedCoder))
          .apply("AsIterable", View.asIterable());
    }
    PCollection<KV<String, V>> placeholderEntry =
        input
            .getPipeline()
            .apply(
                "Placeholder",
                Create.of(KV.of(PLACEHOLDER_KEY, placeholder))
                    .withCoder(KvCoder.of(StringUtf8Coder.of(), valueCoder)));
    return PCollectionList.of(placeholderEntry)
        .and(input)
        .apply("WithPlaceholder", Flatten.pCollections())
        .apply(
            "EverythingSoFar",
            Window.<KV<String, V>>into(new GlobalWindows())
                .triggering(
                    AfterEach.inOrder(
                        AfterPane.elementCountAtLeast(1),
                        Repeatedly.forever(
                            AfterProcessingTime.pastFirstElementInPane().plusDelayOf(refresh))))
                .accumulatingFiredPanes()
                .withAllowedLateness(Duration.ZERO))
        .apply("Snapshot", Combine.globally(combineFn).withoutDefaults())
        .setCoder(ReferenceSnapshot.SnapshotCoder.of(publishedCoder))
        .apply(
            "LatestSnapshotOnly",
            Window.<ReferenceSnapshot<W>>configure()
                .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
                .discardingFiredPanes()
                .withAllowedLateness(Duration.ZERO))
        .apply("AsIterable", View.asIterable());
  }

  /** Where a value lives in an accumulator: its key and its identity. */
  private record Slot(String key, String identity) {}

  /** The newest value per key and identity, and how many records were added. */
  static final class Accumulator<V> {
    long added;
    final Map<Slot, V> newest = new HashMap<>();
  }

  /** Keeps the newest value per key and identity; outputs what readers need as a snapshot. */
  static final class NewestPerIdentityFn<V, W>
      extends Combine.CombineFn<KV<String, V>, Accumulator<V>, ReferenceSnapshot<W>> {
    private final SerializableFunction<V, String> identity;
    private final SerializableComparator<V> newest;
    private final SerializableFunction<V, W> publish;
    private final Coder<V> valueCoder;
    private final Coder<W> publishedCoder;

    NewestPerIdentityFn(
        SerializableFunction<V, String> identity,
        SerializableComparator<V> newest,
        SerializableFunction<V, W> publish,
        Coder<V> valueCoder,
        Coder<W> publishedCoder) {
      this.identity = identity;
      this.newest = newest;
      this.publish = publish;
      this.valueCoder = valueCoder;
      this.publishedCoder = publishedCoder;
    }

    @Override
    public Accumulator<V> createAccumulator() {
      return new Accumulator<>();
    }

    @Override
    public Accumulator<V> addInput(Accumulator<V> accumulator, KV<String, V> input) {
      accumulator.added++;
      put(accumulator, input.getKey(), input.getValue());
      return accumulator;
    }

    private void put(Accumulator<V> accumulator, String key, V value) {
      accumulator.newest.merge(
          new Slot(key, identity.apply(value)),
          value,
          (kept, offered) -> newest.compare(offered, kept) > 0 ? offered : kept);
    }

    @Override
    public Accumulator<V> mergeAccumulators(Iterable<Accumulator<V>> accumulators) {
      Accumulator<V> merged = null;
      for (Accumulator<V> accumulator : accumulators) {
        if (merged == null) {
          merged = accumulator;
          continue;
        }
        merged.added += accumulator.added;
        for (Map.Entry<Slot, V> entry : accumulator.newest.entrySet()) {
          put(merged, entry.getKey().key(), entry.getValue());
        }
      }
      return merged == null ? createAccumulator() : merged;
    }

    @Override
    public ReferenceSnapshot<W> extractOutput(Accumulator<V> accumulator) {
      Map<String, List<W>> byKey = new HashMap<>(accumulator.newest.size() * 4 / 3 + 1);
      for (Map.Entry<Slot, V> entry : accumulator.newest.entrySet()) {
        byKey
            .computeIfAbsent(entry.getKey().key(), k -> new ArrayList<>(1))
            .add(publish.apply(entry.getValue()));
      }
      return new ReferenceSnapshot<>(accumulator.added, byKey);
    }

    @Override
    public Coder<Accumulator<V>> getAccumulatorCoder(
        CoderRegistry registry, Coder<KV<String, V>> inputCoder) {
      return new AccumulatorCoder<>(identity, valueCoder);
    }

    @Override
    public Coder<ReferenceSnapshot<W>> getDefaultOutputCoder(
        CoderRegistry registry, Coder<KV<String, V>> inputCoder) {
      return ReferenceSnapshot.SnapshotCoder.of(publishedCoder);
    }
  }

  /** The count, then each (key, value); identities are derived again from the values. */
  static final class AccumulatorCoder<V> extends CustomCoder<Accumulator<V>> {
    private final SerializableFunction<V, String> identity;
    private final Coder<V> valueCoder;
    private final ListCoder<KV<String, V>> entriesCoder;

    AccumulatorCoder(SerializableFunction<V, String> identity, Coder<V> valueCoder) {
      this.identity = identity;
      this.valueCoder = valueCoder;
      this.entriesCoder = ListCoder.of(KvCoder.of(StringUtf8Coder.of(), valueCoder));
    }

    @Override
    public void encode(Accumulator<V> value, OutputStream out) throws IOException {
      VarLongCoder.of().encode(value.added, out);
      List<KV<String, V>> entries = new ArrayList<>(value.newest.size());
      value.newest.forEach((slot, v) -> entries.add(KV.of(slot.key(), v)));
      entriesCoder.encode(entries, out);
    }

    @Override
    public Accumulator<V> decode(InputStream in) throws IOException {
      Accumulator<V> accumulator = new Accumulator<>();
      accumulator.added = VarLongCoder.of().decode(in);
      for (KV<String, V> entry : entriesCoder.decode(in)) {
        accumulator.newest.put(
            new Slot(entry.getKey(), identity.apply(entry.getValue())), entry.getValue());
      }
      return accumulator;
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(valueCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      throw new NonDeterministicException(this, "an accumulator holds a hash map");
    }
  }
}
