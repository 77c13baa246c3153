package dev.zonestream.trusted;

import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.KV;

/**
 * Tags a keyed value with its input's index, so that several inputs of different types can meet in
 * one stateful step (Beam's {@link RawUnionValue}, coded by {@code UnionCoder}).
 */
public final class TagUnionFn<V> extends DoFn<KV<String, V>, KV<String, RawUnionValue>> {
  private final int tag;

  public TagUnionFn(int tag) {
    this.tag = tag;
  }

  @ProcessElement
  public void processElement(
      @Element KV<String, V> element, OutputReceiver<KV<String, RawUnionValue>> out) {
    out.output(KV.of(element.getKey(), new RawUnionValue(tag, element.getValue())));
  }
}
