package dev.zonestream.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import org.junit.jupiter.api.Test;

class OffsetRangesTest {

  @Test
  void adjacentAndOverlappingOffsetsMergeIntoOneRange() {
    OffsetRanges set = new OffsetRanges();
    set.add(5);
    set.add(7);
    set.add(6);
    set.add(10, 12);
    set.add(11, 20);
    set.add(1, 4);

    assertThat(set.toList(), contains(1L, 7L, 10L, 20L));
    assertThat(set.first(), equalTo(1L));
    assertThat(set.last(), equalTo(20L));
  }

  @Test
  void removeSplitsARangeAndReturnsOnlyWhatWasThere() {
    OffsetRanges set = OffsetRanges.fromList(List.of(0L, 9L, 20L, 29L));

    OffsetRanges removed = set.remove(5, 24);

    assertThat(removed.toList(), contains(5L, 9L, 20L, 24L));
    assertThat(set.toList(), contains(0L, 4L, 25L, 29L));
  }

  @Test
  void removingAbsentOffsetsChangesNothing() {
    OffsetRanges set = OffsetRanges.fromList(List.of(10L, 19L));

    assertThat(set.remove(0, 9).toList(), empty());
    assertThat(set.remove(20, 30).toList(), empty());
    assertThat(set.toList(), contains(10L, 19L));
  }

  @Test
  void minusAndRemoveBelowKeepTheRest() {
    OffsetRanges read = OffsetRanges.fromList(List.of(0L, 99L));
    OffsetRanges landed = OffsetRanges.fromList(List.of(0L, 49L, 60L, 69L));

    OffsetRanges pending = read.minus(landed);
    assertThat(pending.toList(), contains(50L, 59L, 70L, 99L));
    assertThat(read.toList(), contains(0L, 99L)); // minus leaves both inputs alone

    pending.removeBelow(55);
    assertThat(pending.toList(), contains(55L, 59L, 70L, 99L));
    pending.removeBelow(1_000);
    assertThat(pending.isEmpty(), equalTo(true));
  }
}
