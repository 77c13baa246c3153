package dev.zonestream.pipeline;

import dev.zonestream.lake.LakePaths;
import dev.zonestream.model.MetricNames;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * {@code --metricsPort}: the run's figures in Prometheus's text format at {@code
 * http://host:port/metrics}, served by Prometheus's own Java client (its HTTP server, on every
 * interface), for an operator's scraper while the run goes on:
 *
 * <ul>
 *   <li>{@code zonestream_read_messages_total}, {@code zonestream_landed_messages_total} and {@code
 *       zonestream_rejected_messages_total} per {@code dataset};
 *   <li>{@code zonestream_table_rows_total} per {@code zone} ({@code trusted}, {@code curated}) and
 *       {@code table};
 *   <li>{@code zonestream_waiting_records} per {@code dataset}: readings held for their customer or
 *       partner;
 *   <li>{@code zonestream_consumer_lag_messages}: a Kafka stream's messages not yet in final
 *       landing files;
 *   <li>{@code zonestream_landing_newest_file_age_seconds}: how long ago the newest final landing
 *       file was written (a stalled stream's grows), listed at most every 10 s.
 * </ul>
 *
 * <p>The figures are the job's counters, as the progress line reads them; where a runner reports
 * none while a stream runs (Flink's local mini cluster) they come from the lake's final files, and
 * read and waiting are absent.
 */
final class MetricsEndpoint implements AutoCloseable {
  /** What a scrape reports. */
  record Sample(RunSummary.Counts counts, boolean countsFromLake, @Nullable Long consumerLag) {}

  private static final long NEWEST_FILE_EVERY_MILLIS = 10_000;

  private final @Nullable HTTPServer server;
  private final String landingRoot;
  private volatile Supplier<@Nullable Sample> source = () -> null;
  private long newestFileListedAt;
  private @Nullable Long newestFileMillis;

  private MetricsEndpoint(@Nullable HTTPServer server, String landingRoot) {
    this.server = server;
    this.landingRoot = landingRoot;
  }

  /**
   * Serves the metrics on {@code --metricsPort} (0: a free port; the address is said on {@code
   * err}) until closed, with no zonestream figures until {@link #watch}; without the option,
   * nothing.
   *
   * @throws InvalidOptionException if the port cannot be bound
   */
  static MetricsEndpoint start(ZonestreamOptions options, JobConfig config, PrintStream err) {
    Integer port = options.getMetricsPort();
    if (port == null) {
      return new MetricsEndpoint(null, config.landingRoot());
    }
    if (port < 0 || port > 65535) {
      throw new InvalidOptionException("metricsPort", String.valueOf(port), "must be 0 to 65535");
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    MetricsEndpoint[] endpoint = new MetricsEndpoint[1];
    registry.register(
        (MultiCollector)
            () -> {
              Sample sample = endpoint[0] == null ? null : endpoint[0].source.get();
              return sample == null ? MetricSnapshots.of() : endpoint[0].snapshots(sample);
            });
    HTTPServer server;
    try {
      server = HTTPServer.builder().port(port).registry(registry).buildAndStart();
    } catch (IOException e) {
      throw new InvalidOptionException(
          "metricsPort", String.valueOf(port), "cannot serve metrics there: " + e.getMessage());
    }
    endpoint[0] = new MetricsEndpoint(server, config.landingRoot());
    err.println(
        "zonestream: Prometheus metrics at http://localhost:" + server.getPort() + "/metrics");
    return endpoint[0];
  }

  /** What the next scrapes report. */
  void watch(Supplier<@Nullable Sample> sample) {
    this.source = sample;
  }

  /** The bound port; -1 when not serving. */
  int port() {
    return server == null ? -1 : server.getPort();
  }

  private MetricSnapshots snapshots(Sample sample) {
    RunSummary.Counts counts = sample.counts();
    List<MetricSnapshot> metrics = new ArrayList<>();
    if (!sample.countsFromLake()) {
      metrics.add(
          counter(
              "zonestream_read_messages",
              "Messages read from the source",
              counts.get(MetricNames.READ)));
    }
    metrics.add(
        counter(
            "zonestream_landed_messages",
            "Messages in final landing files",
            counts.get(MetricNames.LANDED)));
    metrics.add(
        counter(
            "zonestream_rejected_messages",
            "Messages that failed validation, in the rejects",
            counts.get(MetricNames.REJECTED)));
    CounterSnapshot.Builder rows =
        CounterSnapshot.builder()
            .name("zonestream_table_rows")
            .help("Rows of the trusted and curated tables");
    counts
        .get(MetricNames.TABLE_ROWS)
        .forEach(
            (table, n) -> {
              int slash = table.indexOf('/');
              if (slash > 0 && !table.substring(slash + 1).startsWith("_")) {
                rows.dataPoint(
                    CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(
                            Labels.of(
                                "zone", table.substring(0, slash),
                                "table", table.substring(slash + 1)))
                        .value(n)
                        .build());
              }
            });
    metrics.add(rows.build());
    if (!sample.countsFromLake()) {
      GaugeSnapshot.Builder waiting =
          GaugeSnapshot.builder()
              .name("zonestream_waiting_records")
              .help("Readings held for their customer or their partner");
      Map<String, Long> released = counts.get(MetricNames.RELEASED);
      counts
          .get(MetricNames.WAITED)
          .forEach(
              (dataset, n) ->
                  waiting.dataPoint(
                      GaugeSnapshot.GaugeDataPointSnapshot.builder()
                          .labels(Labels.of("dataset", dataset))
                          .value(Math.max(0, n - released.getOrDefault(dataset, 0L)))
                          .build()));
      metrics.add(waiting.build());
    }
    if (sample.consumerLag() != null) {
      metrics.add(
          gauge(
              "zonestream_consumer_lag_messages",
              "Kafka messages not yet in final landing files",
              sample.consumerLag()));
    }
    Long newest = newestLandingFileMillis();
    if (newest != null) {
      metrics.add(
          gauge(
              "zonestream_landing_newest_file_age_seconds",
              "Seconds since the newest final landing file was written",
              Math.max(0, System.currentTimeMillis() - newest) / 1000.0));
    }
    return new MetricSnapshots(metrics);
  }

  private static CounterSnapshot counter(String name, String help, Map<String, Long> perDataset) {
    CounterSnapshot.Builder counter = CounterSnapshot.builder().name(name).help(help);
    perDataset.forEach(
        (dataset, n) ->
            counter.dataPoint(
                CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("dataset", dataset))
                    .value(n)
                    .build()));
    return counter.build();
  }

  private static GaugeSnapshot gauge(String name, String help, double value) {
    return GaugeSnapshot.builder()
        .name(name)
        .help(help)
        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build())
        .build();
  }

  /** The newest final landing file's time, listed at most every 10 s; null before the first. */
  private synchronized @Nullable Long newestLandingFileMillis() {
    long now = System.currentTimeMillis();
    if (now - newestFileListedAt < NEWEST_FILE_EVERY_MILLIS) {
      return newestFileMillis;
    }
    newestFileListedAt = now;
    try {
      MatchResult match = FileSystems.match(landingRoot + "/**", EmptyMatchTreatment.ALLOW);
      String prefix = FileSystems.matchNewResource(landingRoot, true).toString();
      for (MatchResult.Metadata file : match.metadata()) {
        String path = file.resourceId().toString();
        String relative = path.startsWith(prefix) ? path.substring(prefix.length()) : path;
        if (LakePaths.isFinalLakeFile(relative)
            && (newestFileMillis == null || file.lastModifiedMillis() > newestFileMillis)) {
          newestFileMillis = file.lastModifiedMillis();
        }
      }
    } catch (IOException | RuntimeException e) {
      // The next scrape lists again; the gauge keeps its last value meanwhile.
    }
    return newestFileMillis;
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }
}
