package dev.zonestream.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zonestream.lake.LakeCatalog;
import dev.zonestream.model.MetricNames;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.util.MimeTypes;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a run did, per zone and dataset, read from the pipeline's counters: printed at the end of a
 * run and written to {@code <lake>/_summary.json}.
 *
 * @param source the source option's value
 * @param runner the runner's class name
 * @param published messages published to the broker per dataset (embedded runs), else empty
 * @param counts the pipeline's counters
 * @param elapsedSeconds from start (broker start, for embedded runs) to the end of the run
 * @param readSeconds from the pipeline's start until every published message had been read; null
 *     where not measured
 * @param landingOnly whether the job wrote the landing zone alone ({@code --zones=landing})
 * @param stream a stream's state when the summary was taken; null for a run to its end
 */
public record RunSummary(
    String source,
    String runner,
    Map<String, Long> published,
    Counts counts,
    double elapsedSeconds,
    @Nullable Double readSeconds,
    boolean landingOnly,
    @Nullable Stream stream) {

  /**
   * A stream's state when its summary was taken.
   *
   * @param running whether the stream was still running
   * @param countsFromLake whether the counts come from the lake's final files (a runner that
   *     reports no counters while a stream runs) instead of the job's counters; then messages read
   *     but not yet landed are not known
   * @param consumerLag a Kafka stream's messages not yet landed (see {@link KafkaLag}); null where
   *     the source does not tell it
   */
  public record Stream(boolean running, boolean countsFromLake, @Nullable Long consumerLag) {}

  /** The zonestream counters of a running or finished pipeline, by namespace and dataset. */
  public record Counts(Map<String, Map<String, Long>> byNamespace) {
    public Map<String, Long> get(String namespace) {
      return byNamespace.getOrDefault(namespace, Map.of());
    }

    public long total(String namespace) {
      return get(namespace).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Reads the counters; committed values where the runner has them, else attempted. */
  public static Counts counts(PipelineResult result) {
    MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
    Map<String, Map<String, Long>> byNamespace = new TreeMap<>();
    for (MetricResult<Long> counter : metrics.getCounters()) {
      String namespace = counter.getName().getNamespace();
      if (namespace.startsWith("zonestream.")) {
        byNamespace
            .computeIfAbsent(namespace, n -> new TreeMap<>())
            .merge(counter.getName().getName(), valueOf(counter), Long::sum);
      }
    }
    return new Counts(byNamespace);
  }

  private static long valueOf(MetricResult<Long> counter) {
    try {
      Long committed = counter.getCommitted();
      return committed == null ? counter.getAttempted() : committed;
    } catch (UnsupportedOperationException e) {
      return counter.getAttempted();
    }
  }

  /**
   * Where each message read went, per dataset: {@code read = rejected + duplicate + superseded +
   * excluded + trusted + waiting} once a run has settled (a stream's customer table gets a row per
   * change, so {@code trusted} counts those; {@code superseded} is customer records older than one
   * already seen; {@code waiting} is readings of a stream still waiting for their customer).
   */
  public Map<String, Map<String, Long>> accounting() {
    return accounting(counts);
  }

  /** As {@link #accounting()}, from counters alone. */
  public static Map<String, Map<String, Long>> accounting(Counts counts) {
    Map<String, Map<String, Long>> byDataset = new TreeMap<>();
    counts
        .get(MetricNames.READ)
        .forEach(
            (dataset, read) -> {
              Map<String, Long> outcomes = new LinkedHashMap<>();
              outcomes.put("read", read);
              outcomes.put("rejected", of(counts, MetricNames.REJECTED, dataset));
              // Counted where the de-duplication drops them: a record between parsing and the
              // consent rule is not yet a duplicate, nor accounted for.
              outcomes.put("duplicate", of(counts, MetricNames.DUPLICATE, dataset));
              outcomes.put("superseded", of(counts, MetricNames.SUPERSEDED, dataset));
              outcomes.put("excluded", of(counts, MetricNames.EXCLUDED, dataset));
              outcomes.put("trusted", of(counts, MetricNames.TABLE_ROWS, "trusted/" + dataset));
              outcomes.put(
                  "waiting",
                  of(counts, MetricNames.WAITED, dataset)
                      - of(counts, MetricNames.RELEASED, dataset));
              byDataset.put(dataset, outcomes);
            });
    return byDataset;
  }

  /** Whether every message read is accounted for and none waits. */
  public static boolean allAccounted(Map<String, Map<String, Long>> accounting) {
    return accounting.values().stream()
        .allMatch(
            o ->
                o.get("waiting") == 0
                    && o.get("rejected")
                            + o.get("duplicate")
                            + o.get("superseded")
                            + o.get("excluded")
                            + o.get("trusted")
                        >= o.get("read"));
  }

  private static long of(Counts counts, String namespace, String name) {
    return counts.get(namespace).getOrDefault(name, 0L);
  }

  /** Messages landed per second over the whole run. */
  public double messagesPerSecond() {
    return rate(counts.total(MetricNames.LANDED), elapsedSeconds);
  }

  private static double rate(long messages, double seconds) {
    return seconds > 0 ? messages / seconds : 0;
  }

  /** The zones in print order: label to counts per dataset. */
  private Map<String, Map<String, Long>> zones() {
    Map<String, Map<String, Long>> zones = new LinkedHashMap<>();
    if (!published.isEmpty()) {
      zones.put("broker", published);
    }
    if (stream == null || !stream.countsFromLake()) {
      zones.put("read", counts.get(MetricNames.READ));
    }
    zones.put("landing", counts.get(MetricNames.LANDED));
    if (!landingOnly) {
      zones.put("trusted", tablesOf("trusted/"));
      zones.put("curated", tablesOf("curated/"));
      zones.put("rejected", counts.get(MetricNames.REJECTED));
    }
    return zones;
  }

  /**
   * Rows per table of one zone, by table name, for example {@code customer} of {@code trusted/}.
   */
  private Map<String, Long> tablesOf(String zonePrefix) {
    Map<String, Long> tables = new TreeMap<>();
    counts
        .get(MetricNames.TABLE_ROWS)
        .forEach(
            (table, rows) -> {
              if (table.startsWith(zonePrefix)) {
                tables.put(table.substring(zonePrefix.length()), rows);
              }
            });
    return tables;
  }

  /** Where the lake and its catalog are and the one command that queries them. */
  public static String whereToLook(String lake) {
    String root = LakeCatalog.absolute(lake);
    return String.format(
        "  lake %s, catalog %s/%s/ (DuckDB, Spark SQL, Athena)%n  query it: duckdb -init %s/%s/%s%s%n",
        root,
        root,
        LakeCatalog.FOLDER,
        root,
        LakeCatalog.FOLDER,
        LakeCatalog.DUCKDB,
        root.startsWith("s3://") ? " (after INSTALL httpfs; LOAD httpfs; and S3 credentials)" : "");
  }

  /** The human-readable table. */
  public String format() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "zonestream %s summary (source=%s, runner=%s%s)%n",
            stream == null ? "run" : stream.running() ? "stream (running)" : "stream",
            source,
            runner,
            landingOnly ? ", zones=landing" : ""));
    if (stream != null && stream.countsFromLake()) {
      out.append(
          String.format(
              "  counts from the lake's final files (this runner reports no counters while a"
                  + " stream runs)%n"));
    }
    out.append(String.format("  %-8s %-16s %12s%n", "zone", "dataset", "messages"));
    zones()
        .forEach(
            (zone, perDataset) ->
                perDataset.forEach(
                    (dataset, n) ->
                        out.append(String.format("  %-8s %-16s %12d%n", zone, dataset, n))));
    counts
        .get(MetricNames.INVALID)
        .forEach(
            (dataset, n) ->
                out.append(
                    String.format(
                        "  %-8s %-16s %12d  (payload kept as base64)%n", "invalid", dataset, n)));
    if (stream != null && stream.consumerLag() != null) {
      out.append(
          String.format(
              Locale.ROOT, "  consumer lag: %d messages not yet landed%n", stream.consumerLag()));
    }
    if (!landingOnly) {
      appendAccounting(out);
    }
    long landed = counts.total(MetricNames.LANDED);
    if (readSeconds != null) {
      out.append(
          String.format(
              Locale.ROOT,
              "  read all %d published messages %.1f s after the pipeline started: %.0f messages/s%n",
              counts.total(MetricNames.READ),
              readSeconds,
              rate(counts.total(MetricNames.READ), readSeconds)));
    }
    if (stream == null && landed == 0 && counts.total(MetricNames.READ) > 0) {
      out.append(
          String.format(
              Locale.ROOT,
              "  rebuilt trusted and curated from %d landed messages in %.1f s: %.0f messages/s%n",
              counts.total(MetricNames.READ),
              elapsedSeconds,
              rate(counts.total(MetricNames.READ), elapsedSeconds)));
    } else {
      out.append(
          String.format(
              Locale.ROOT,
              "  landed %d messages in %.1f s in all: %.0f messages/s%s%n",
              landed,
              elapsedSeconds,
              messagesPerSecond(),
              published.isEmpty() ? "" : " (a stream's last window lands once it closes)"));
    }
    return out.toString();
  }

  private void appendAccounting(StringBuilder out) {
    out.append(
        String.format(
            "  %-16s %9s %9s %9s %10s %9s %9s %9s%n",
            "accounting",
            "read",
            "rejected",
            "duplicate",
            "superseded",
            "excluded",
            "trusted",
            "waiting"));
    accounting()
        .forEach(
            (dataset, o) ->
                out.append(
                    String.format(
                        "  %-16s %9d %9d %9d %10d %9d %9d %9d%n",
                        dataset,
                        o.get("read"),
                        o.get("rejected"),
                        o.get("duplicate"),
                        o.get("superseded"),
                        o.get("excluded"),
                        o.get("trusted"),
                        o.get("waiting"))));
  }

  /** Writes the summary as JSON to {@code <lake>/_summary.json}. */
  public void writeTo(String lake) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("source", source);
    root.put("runner", runner);
    root.put("zonesWritten", landingOnly ? "landing" : "all");
    root.put("updated", java.time.Instant.now().toString());
    if (stream != null) {
      ObjectNode state = root.putObject("stream");
      state.put("running", stream.running());
      state.put("countsFrom", stream.countsFromLake() ? "lake files" : "counters");
      if (stream.consumerLag() != null) {
        state.put("consumerLag", stream.consumerLag());
      }
    }
    root.put("elapsedSeconds", Math.round(elapsedSeconds * 1000) / 1000.0);
    root.put("messagesPerSecond", Math.round(messagesPerSecond()));
    if (readSeconds != null) {
      root.put("readSeconds", Math.round(readSeconds * 1000) / 1000.0);
    }
    ObjectNode zones = root.putObject("zones");
    zones().forEach((zone, perDataset) -> zones.set(zone, mapper.valueToTree(perDataset)));
    if (!landingOnly) {
      root.set("accounting", mapper.valueToTree(accounting()));
    }
    root.set("invalidPayloads", mapper.valueToTree(counts.get(MetricNames.INVALID)));
    root.set("skippedInputFiles", mapper.valueToTree(counts.get(MetricNames.SKIPPED)));
    // Written beside and renamed into place: a stream rewrites it every few seconds, and a reader
    // must never see half a file.
    ResourceId temporary = FileSystems.matchNewResource(lake + "/.summary.json.tmp", false);
    try (OutputStream out =
        Channels.newOutputStream(FileSystems.create(temporary, MimeTypes.TEXT))) {
      out.write(mapper.writeValueAsBytes(root));
    }
    FileSystems.rename(
        List.of(temporary), List.of(FileSystems.matchNewResource(lake + "/_summary.json", false)));
  }
}
