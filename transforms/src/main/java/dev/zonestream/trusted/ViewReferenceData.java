package dev.zonestream.trusted;

import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;
import org.joda.time.Duration;

/**
 * Reference data (customers by email, device owners by serial number) as a side input that holds
 * every version of every key seen so far: {@code key -> every value seen for it}. Readers pick the
 * version in force themselves (for example {@code Customer.newest}).
 *
 * <p>Bounded input: one global window; the view is complete before any reader reads it.
 *
 * <p>Unbounded input: one global window that fires after every element and <em>accumulates</em> its
 * panes, so each update of the view holds everything seen since the start, however long ago. (With
 * discarding panes a view holds only its latest pane: a customer seen an hour ago would vanish from
 * it; {@code View.asMap} refuses the repeated keys that accumulation brings.) The Direct and Flink
 * runners hold a reader's elements until the view's first pane; a placeholder under the key {@code
 * ""}, which no email or serial number has, gives the view that pane at once, so readings are never
 * held back by a reference stream that has not sent anything yet. The Spark runner does not hold
 * readers at all and shows updates a few seconds late: a reader that finds nothing hands the
 * element to a stateful path that waits for the key.
 *
 * <p>Memory: every distinct element of the input stays in the view for the life of the job; feed it
 * changes, not repeats.
 */
public final class ViewReferenceData<V>
    extends PTransform<PCollection<KV<String, V>>, PCollectionView<Map<String, Iterable<V>>>> {
  /** The key of the placeholder entry. */
  public static final String PLACEHOLDER_KEY = "";

  private final V placeholder;

  private ViewReferenceData(V placeholder) {
    this.placeholder = placeholder;
  }

  /** {@code placeholder} is stored under {@link #PLACEHOLDER_KEY}; readers never look it up. */
  public static <V> ViewReferenceData<V> withPlaceholder(V placeholder) {
    if (placeholder == null) {
      throw new IllegalArgumentException("placeholder must be given");
    }
    return new ViewReferenceData<>(placeholder);
  }

  @Override
  public PCollectionView<Map<String, Iterable<V>>> expand(PCollection<KV<String, V>> input) {
    if (input.isBounded() == PCollection.IsBounded.BOUNDED) {
      return input.apply("AsMultimap", View.asMultimap());
    }
    @SuppressWarnings("unchecked")
    Coder<V> valueCoder = ((KvCoder<String, V>) input.getCoder()).getValueCoder();
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
                .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
                .accumulatingFiredPanes()
                .withAllowedLateness(Duration.ZERO))
        .apply("AsMultimap", View.asMultimap());
  }
}
