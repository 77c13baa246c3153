package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import dev.zonestream.model.MetricNames;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
  /** Counters as a run of the STEDI files would have them part way, at a large scale. */
  private static RunSummary.Counts counts(long scale) {
    Map<String, Map<String, Long>> counts = new TreeMap<>();
    counts.put(
        MetricNames.READ,
        Map.of("customer", 999 * scale, "accelerometer", 81_273 * scale, "step_trainer", 28_680L));
    counts.put(
        MetricNames.LANDED,
        Map.of("customer", 999 * scale, "accelerometer", 80_000 * scale, "_unrouted", 2L));
    counts.put(
        MetricNames.TABLE_ROWS,
        Map.of(
            "trusted/customer", 482 * scale,
            "trusted/accelerometer", 40_981 * scale,
            "trusted/_rejected", 77L,
            "curated/customer", 464 * scale,
            "curated/machine_learning", 32_025 * scale));
    counts.put(MetricNames.REJECTED, Map.of("customer", 5L, "accelerometer", 7L));
    counts.put(MetricNames.WAITED, Map.of("accelerometer", 900L, "step_trainer", 100L));
    counts.put(MetricNames.RELEASED, Map.of("accelerometer", 849L, "step_trainer", 100L));
    counts.put(MetricNames.DUPLICATE, Map.of("customer", 330L));
    return new RunSummary.Counts(counts);
  }

  @Test
  void aLineSaysTheTotalsAPersonWaitsFor() {
    String line =
        ProgressLine.render(new ProgressLine.Snapshot(42.4, counts(1), 111_000, false, false, 0L));
    assertThat(
        line,
        equalTo(
            "zonestream: +42s read 110,952 of 111,000 landed 81,001 trusted 41,463 curated 32,489"
                + " rejected 12 waiting 51 lag 0"));
  }

  @Test
  void aLineStaysShortAtAThousandTimesTheSTEDIFilesAfterADay() {
    String line =
        ProgressLine.render(
            new ProgressLine.Snapshot(
                90_061, counts(1000), 111_000_000_000L, false, false, 123_456_789L));
    assertThat(line, line.length(), lessThan(120));
    assertThat(
        line,
        equalTo(
            "zonestream: +25h01m read 82.3M of 111.0B landed 81.0M trusted 41.5M curated 32.5M"
                + " rejected 12 waiting 51 lag 123.5M"));
  }

  @Test
  void countsFromFinalFilesLeaveOutWhatTheyCannotKnow() {
    String line =
        ProgressLine.render(new ProgressLine.Snapshot(187, counts(1), -1, false, true, null));
    assertThat(
        line,
        equalTo(
            "zonestream: +3m07s landed 81,001 trusted 41,463 curated 32,489 rejected 12"
                + " (from final files)"));
  }

  @Test
  void aRunOverFilesSaysHowMuchOfItsInputItReadThrough() {
    Map<String, Map<String, Long>> counts = new TreeMap<>(counts(1).byNamespace());
    counts.put(MetricNames.INPUT_BYTES, Map.of("files", 3_000_000L));
    String line =
        ProgressLine.render(
            new ProgressLine.Snapshot(
                12, new RunSummary.Counts(counts), -1, false, false, null, null, 7_000_000L));
    assertThat(
        line.startsWith("zonestream: +12s read 110,952 (43% of the input) landed "), equalTo(true));
  }

  @Test
  void aLandingOnlyRunShowsNoTables() {
    String line = ProgressLine.render(new ProgressLine.Snapshot(5, counts(1), -1, true, false, 7L));
    assertThat(line, equalTo("zonestream: +5s read 110,952 landed 81,001 lag 7"));
  }
}
