package dev.zonestream.trusted;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One version of reference data as {@link ViewReferenceData} publishes it: for each key (an email,
 * a serial number), the newest value of each identity seen so far. {@code version} counts the
 * records that went into it, so a later version of the same stream is always greater.
 *
 * <p>Immutable once built; readers share it.
 */
public final class ReferenceSnapshot<V> {
  private static final ReferenceSnapshot<?> EMPTY = new ReferenceSnapshot<>(0, Map.of());

  private final long version;
  private final Map<String, List<V>> byKey;

  ReferenceSnapshot(long version, Map<String, List<V>> byKey) {
    this.version = version;
    this.byKey = Collections.unmodifiableMap(byKey);
  }

  /** The snapshot with the greatest version among {@code panes} (empty when there is none). */
  @SuppressWarnings("unchecked")
  public static <V> ReferenceSnapshot<V> latest(@Nullable Iterable<ReferenceSnapshot<V>> panes) {
    ReferenceSnapshot<V> latest = (ReferenceSnapshot<V>) EMPTY;
    if (panes != null) {
      for (ReferenceSnapshot<V> pane : panes) {
        if (pane.version > latest.version) {
          latest = pane;
        }
      }
    }
    return latest;
  }

  /** The newest value of each identity under {@code key}; empty when the key is unknown. */
  public List<V> get(String key) {
    return byKey.getOrDefault(key, List.of());
  }

  /** How many records went into this snapshot. */
  public long version() {
    return version;
  }

  /** How many keys it holds. */
  public int keys() {
    return byKey.size();
  }

  Map<String, List<V>> byKey() {
    return byKey;
  }

  /** Coder: the version, then the key -> values map. */
  public static final class SnapshotCoder<V> extends CustomCoder<ReferenceSnapshot<V>> {
    private final Coder<V> valueCoder;
    private final MapCoder<String, List<V>> mapCoder;

    private SnapshotCoder(Coder<V> valueCoder) {
      this.valueCoder = valueCoder;
      this.mapCoder = MapCoder.of(StringUtf8Coder.of(), ListCoder.of(valueCoder));
    }

    public static <V> SnapshotCoder<V> of(Coder<V> valueCoder) {
      return new SnapshotCoder<>(valueCoder);
    }

    @Override
    public void encode(ReferenceSnapshot<V> value, OutputStream out) throws IOException {
      VarLongCoder.of().encode(value.version, out);
      mapCoder.encode(value.byKey, out);
    }

    @Override
    public ReferenceSnapshot<V> decode(InputStream in) throws IOException {
      long version = VarLongCoder.of().decode(in);
      return new ReferenceSnapshot<>(version, mapCoder.decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(valueCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      throw new NonDeterministicException(this, "a snapshot holds a hash map");
    }
  }
}
