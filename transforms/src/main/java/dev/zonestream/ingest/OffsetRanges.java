package dev.zonestream.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of Kafka offsets as disjoint, non-adjacent closed ranges, kept small because a partition's
 * offsets are read in runs. Not thread-safe; a value of a DoFn's state or bundle.
 */
final class OffsetRanges {
  private final TreeMap<Long, Long> ranges = new TreeMap<>(); // start -> end, inclusive

  /** From the flat form {@code [start0, end0, start1, end1, ...]} of {@link #toList}. */
  static OffsetRanges fromList(List<Long> flat) {
    OffsetRanges set = new OffsetRanges();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      set.add(flat.get(i), flat.get(i + 1));
    }
    return set;
  }

  /** The flat form {@code [start0, end0, start1, end1, ...]}, in ascending order. */
  List<Long> toList() {
    List<Long> flat = new ArrayList<>(ranges.size() * 2);
    ranges.forEach(
        (start, end) -> {
          flat.add(start);
          flat.add(end);
        });
    return flat;
  }

  boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** The smallest offset in the set; the set must not be empty. */
  long first() {
    return ranges.firstKey();
  }

  /** The largest offset in the set; the set must not be empty. */
  long last() {
    return ranges.lastEntry().getValue();
  }

  void add(long offset) {
    add(offset, offset);
  }

  /** Adds {@code [start, end]}, merging with overlapping or adjacent ranges. */
  void add(long start, long end) {
    long from = start;
    long to = end;
    Map.Entry<Long, Long> before = ranges.floorEntry(from);
    if (before != null && before.getValue() >= from - 1) {
      from = before.getKey();
      to = Math.max(to, before.getValue());
      ranges.remove(before.getKey());
    }
    Map.Entry<Long, Long> next = ranges.ceilingEntry(from);
    while (next != null && next.getKey() <= to + 1) {
      to = Math.max(to, next.getValue());
      ranges.remove(next.getKey());
      next = ranges.ceilingEntry(from);
    }
    ranges.put(from, to);
  }

  void addAll(OffsetRanges other) {
    other.ranges.forEach(this::add);
  }

  /** Removes {@code [start, end]}; returns the offsets that were in the set. */
  OffsetRanges remove(long start, long end) {
    OffsetRanges removed = new OffsetRanges();
    Long from = ranges.floorKey(start);
    for (Map.Entry<Long, Long> range :
        new ArrayList<>(ranges.subMap(from == null ? start : from, true, end, true).entrySet())) {
      long s = range.getKey();
      long e = range.getValue();
      if (e < start) {
        continue;
      }
      ranges.remove(s);
      removed.add(Math.max(s, start), Math.min(e, end));
      if (s < start) {
        ranges.put(s, start - 1);
      }
      if (e > end) {
        ranges.put(end + 1, e);
      }
    }
    return removed;
  }

  /** Removes every offset of {@code other}; returns those that were in this set. */
  OffsetRanges removeAll(OffsetRanges other) {
    OffsetRanges removed = new OffsetRanges();
    other.ranges.forEach((start, end) -> removed.addAll(remove(start, end)));
    return removed;
  }

  /** Removes every offset below {@code offset}. */
  void removeBelow(long offset) {
    if (!ranges.isEmpty() && ranges.firstKey() < offset) {
      remove(ranges.firstKey(), offset - 1);
    }
  }

  /** The offsets of this set that are not in {@code other}, as a new set. */
  OffsetRanges minus(OffsetRanges other) {
    OffsetRanges result = new OffsetRanges();
    result.addAll(this);
    result.removeAll(other);
    return result;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OffsetRanges other && ranges.equals(other.ranges);
  }

  @Override
  public int hashCode() {
    return ranges.hashCode();
  }

  @Override
  public String toString() {
    return ranges.toString();
  }
}
