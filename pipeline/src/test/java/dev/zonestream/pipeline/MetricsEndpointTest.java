package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.zonestream.model.MetricNames;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --metricsPort} endpoint scraped over HTTP, as Prometheus would: the figures it serves
 * from the run's counters, and the options it refuses. A stream's scrape is in {@code
 * KafkaLandingIT}.
 */
class MetricsEndpointTest {
  private static final Pattern ADDRESS =
      Pattern.compile("Prometheus metrics at http://localhost:(\\d+)/metrics");

  /** The port a job said it serves its metrics on, from its log. */
  static int port(Path log) throws IOException {
    Matcher address = ADDRESS.matcher(Files.readString(log));
    if (!address.find()) {
      throw new AssertionError(
          "the job did not say its metrics address:\n" + Files.readString(log));
    }
    return Integer.parseInt(address.group(1));
  }

  /** One scrape of {@code http://127.0.0.1:port/metrics}. */
  static String scrape(int port) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.body(), response.statusCode(), equalTo(200));
    return response.body();
  }

  private static ZonestreamOptions options(Path lake, String... more) {
    String[] args = new String[more.length + 2];
    args[0] = "--lake=" + lake;
    args[1] = "--input=" + MainTest.FIXTURE;
    System.arraycopy(more, 0, args, 2, more.length);
    PipelineOptionsFactory.register(ZonestreamOptions.class);
    ZonestreamOptions options = PipelineOptionsFactory.fromArgs(args).as(ZonestreamOptions.class);
    FileSystems.setDefaultPipelineOptions(options);
    return options;
  }

  private static RunSummary.Counts counts() {
    Map<String, Map<String, Long>> counts = new TreeMap<>();
    counts.put(MetricNames.READ, Map.of("customer", 333L, "accelerometer", 6647L));
    counts.put(MetricNames.LANDED, Map.of("customer", 333L, "accelerometer", 6600L));
    counts.put(
        MetricNames.TABLE_ROWS,
        Map.of(
            "trusted/customer", 198L,
            "trusted/_rejected", 7L,
            "curated/machine_learning", 1337L));
    counts.put(MetricNames.REJECTED, Map.of("customer", 3L));
    counts.put(MetricNames.WAITED, Map.of("accelerometer", 60L));
    counts.put(MetricNames.RELEASED, Map.of("accelerometer", 9L));
    return new RunSummary.Counts(counts);
  }

  @Test
  void aScrapeGivesTheRunsFiguresPerDatasetAndTheNewestLandingFilesAge(@TempDir Path lake)
      throws Exception {
    Path hour = Files.createDirectories(lake.resolve("landing/customer/dt=2026-12-07/hr=20"));
    Path file = Files.writeString(hour.resolve("customer-a-b-0-00000-of-00001.jsonl"), "{}\n");
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000L));
    // A temporary file is no landing file, however new.
    Files.writeString(hour.resolve(".compacting-x.jsonl.gz"), "x");
    ZonestreamOptions options = options(lake, "--metricsPort=0");
    try (MetricsEndpoint metrics =
        MetricsEndpoint.start(options, JobConfig.from(options), System.err)) {
      assertThat(scrape(metrics.port()), not(containsString("zonestream_")));

      metrics.watch(() -> new MetricsEndpoint.Sample(counts(), false, 42L));
      String scraped = scrape(metrics.port());
      for (String line :
          new String[] {
            "zonestream_read_messages_total{dataset=\"accelerometer\"} 6647",
            "zonestream_landed_messages_total{dataset=\"accelerometer\"} 6600",
            "zonestream_landed_messages_total{dataset=\"customer\"} 333",
            "zonestream_rejected_messages_total{dataset=\"customer\"} 3",
            "zonestream_table_rows_total{table=\"customer\",zone=\"trusted\"} 198",
            "zonestream_table_rows_total{table=\"machine_learning\",zone=\"curated\"} 1337",
            "zonestream_waiting_records{dataset=\"accelerometer\"} 51",
            "zonestream_consumer_lag_messages 42",
          }) {
        assertThat(scraped, containsString(line + ".0\n")); // Prometheus writes doubles
      }
      assertThat(scraped, not(containsString("_rejected\"")));
      Matcher age =
          Pattern.compile("zonestream_landing_newest_file_age_seconds ([0-9.E]+)\n")
              .matcher(scraped);
      assertThat(scraped, age.find(), equalTo(true));
      double seconds = Double.parseDouble(age.group(1));
      assertThat(scraped, seconds >= 3600 && seconds < 3700, equalTo(true));

      // Counts from final files know nothing of what was read or waits.
      metrics.watch(() -> new MetricsEndpoint.Sample(counts(), true, null));
      String fromFiles = scrape(metrics.port());
      assertThat(fromFiles, not(containsString("zonestream_read_messages")));
      assertThat(fromFiles, not(containsString("zonestream_waiting_records")));
      assertThat(fromFiles, not(containsString("zonestream_consumer_lag")));
    }
  }

  @Test
  void aPortOutOfRangeOrTakenIsRefusedWithTheOption(@TempDir Path lake) throws Exception {
    ZonestreamOptions outOfRange = options(lake, "--metricsPort=70000");
    InvalidOptionException range =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidOptionException.class,
            () -> MetricsEndpoint.start(outOfRange, JobConfig.from(outOfRange), System.err));
    assertThat(range.getMessage(), equalTo("--metricsPort=70000: must be 0 to 65535"));

    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
      ZonestreamOptions options = options(lake, "--metricsPort=" + taken.getLocalPort());
      InvalidOptionException busy =
          org.junit.jupiter.api.Assertions.assertThrows(
              InvalidOptionException.class,
              () -> MetricsEndpoint.start(options, JobConfig.from(options), System.err));
      assertThat(
          busy.getMessage(),
          containsString("--metricsPort=" + taken.getLocalPort() + ": cannot serve metrics there"));
    }
  }
}
