package dev.zonestream.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zonestream.landing.LandWindowedFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * What a run did, per zone and dataset, read from the pipeline's metrics: printed at the end of a
 * run and written to {@code <lake>/_summary.json}.
 */
public record RunSummary(
    String source,
    String runner,
    Map<String, Long> published,
    Map<String, Long> landed,
    Map<String, Long> invalidPayloads,
    double elapsedSeconds) {

  /** The counters of a running or finished pipeline. */
  public record Counts(Map<String, Long> landed, Map<String, Long> invalidPayloads) {
    public long totalLanded() {
      return landed.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Reads the landing counters; committed values where the runner has them. */
  public static Counts counts(PipelineResult result) {
    MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
    Map<String, Long> landed = new TreeMap<>();
    Map<String, Long> invalid = new TreeMap<>();
    for (MetricResult<Long> counter : metrics.getCounters()) {
      String namespace = counter.getName().getNamespace();
      String name = counter.getName().getName();
      long value = valueOf(counter);
      if (LandWindowedFiles.LANDED_NAMESPACE.equals(namespace)) {
        landed.merge(name, value, Long::sum);
      } else if (LandWindowedFiles.INVALID_NAMESPACE.equals(namespace)) {
        invalid.merge(name, value, Long::sum);
      }
    }
    return new Counts(landed, invalid);
  }

  private static long valueOf(MetricResult<Long> counter) {
    try {
      Long committed = counter.getCommitted();
      return committed == null ? counter.getAttempted() : committed;
    } catch (UnsupportedOperationException e) {
      return counter.getAttempted();
    }
  }

  public long totalLanded() {
    return landed.values().stream().mapToLong(Long::longValue).sum();
  }

  public long totalPublished() {
    return published.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Messages landed per second of the whole run. */
  public double messagesPerSecond() {
    return elapsedSeconds > 0 ? totalLanded() / elapsedSeconds : 0;
  }

  /** The human-readable table. */
  public String format() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("zonestream run summary (source=%s, runner=%s)%n", source, runner));
    out.append(String.format("  %-8s %-14s %12s%n", "zone", "dataset", "messages"));
    if (!published.isEmpty()) {
      published.forEach(
          (dataset, n) -> out.append(String.format("  %-8s %-14s %12d%n", "broker", dataset, n)));
    }
    landed.forEach(
        (dataset, n) -> out.append(String.format("  %-8s %-14s %12d%n", "landing", dataset, n)));
    invalidPayloads.forEach(
        (dataset, n) ->
            out.append(String.format("  %-8s %-14s %12d  (kept as base64)%n", "invalid", dataset, n)));
    out.append(
        String.format(
            Locale.ROOT,
            "  landed %d messages in %.1f s: %.0f messages/s%n",
            totalLanded(),
            elapsedSeconds,
            messagesPerSecond()));
    return out.toString();
  }

  /** Writes the summary as JSON to {@code <lake>/_summary.json}. */
  public void writeTo(String lake) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("source", source);
    root.put("runner", runner);
    root.put("elapsedSeconds", Math.round(elapsedSeconds * 1000) / 1000.0);
    root.put("messagesPerSecond", Math.round(messagesPerSecond()));
    ObjectNode zones = root.putObject("zones");
    if (!published.isEmpty()) {
      zones.set("broker", mapper.valueToTree(published));
    }
    zones.set("landing", mapper.valueToTree(landed));
    root.set("invalidPayloads", mapper.valueToTree(invalidPayloads));
    try (OutputStream out =
        Channels.newOutputStream(
            FileSystems.create(
                FileSystems.matchNewResource(lake + "/_summary.json", false), MimeTypes.TEXT))) {
      mapper.writeValue(out, root);
    }
  }
}
