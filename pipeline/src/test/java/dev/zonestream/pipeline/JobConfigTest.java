package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.zonestream.model.ConsentScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JobConfig#from} validates without touching the world; {@link Preflight#configure} does
 * what needs it (the input folder, the lake, the Kafka properties file).
 */
class JobConfigTest {
  @TempDir Path lake;

  private static ZonestreamOptions options(String... args) {
    PipelineOptionsFactory.register(ZonestreamOptions.class);
    return PipelineOptionsFactory.fromArgs(args).as(ZonestreamOptions.class);
  }

  @Test
  void fromLooksAtNoFolderAndPreflightRefusesAMissingOne() {
    ZonestreamOptions options = options("--input=/no/such/folder", "--lake=" + lake);

    JobConfig config = JobConfig.from(options);

    assertThat(config.source(), equalTo(SourceType.FILES));
    assertThat(config.input(), equalTo("/no/such/folder"));
    InvalidOptionException refused =
        assertThrows(InvalidOptionException.class, () -> Preflight.configure(options));
    assertThat(refused.getMessage(), equalTo("--input=/no/such/folder: no such folder"));
  }

  @Test
  void sourcesAndTheConsentScopeComeFromTheSpecUnlessOptionsReplaceThem() {
    JobConfig stedi = JobConfig.from(options("--bootstrapServers=localhost:9092"));
    assertThat(
        stedi.kafka().topics(),
        equalTo(
            Map.of(
                "stedi.customer", "customer",
                "stedi.accelerometer", "accelerometer",
                "stedi.step_trainer", "step_trainer")));
    assertThat(
        stedi.aws().streams(),
        equalTo(
            Map.of(
                "stedi.customer", "customer",
                "stedi.accelerometer", "accelerometer",
                "stedi.step_trainer", "step_trainer")));
    assertThat(stedi.zones().consentScope(), equalTo(ConsentScope.AFTER_CONSENT));

    JobConfig thermostat =
        JobConfig.from(
            options(
                "--spec=../testdata/specs/thermostat.yaml",
                "--bootstrapServers=localhost:9092",
                "--consentScope=all-readings"));
    assertThat(thermostat.kafka().topics(), equalTo(Map.of("home.thermostat", "thermostat")));
    assertThat(thermostat.zones().consentScope(), equalTo(ConsentScope.ALL_READINGS));
    InvalidOptionException noStream =
        assertThrows(
            InvalidOptionException.class,
            () ->
                JobConfig.from(
                    options(
                        "--spec=../testdata/specs/thermostat.yaml",
                        "--source=kinesis",
                        "--awsRegion=eu-west-1")));
    assertThat(noStream.getMessage(), containsString("--source=kinesis needs --streams"));
  }

  @Test
  void fromReadsNoPropertiesFileAndPreflightReadsIt() throws IOException {
    Path file = lake.resolve("client.properties");
    ZonestreamOptions missing =
        options(
            "--bootstrapServers=localhost:9092",
            "--kafkaPropertiesFile=" + file,
            "--lake=" + lake.resolve("lake"));

    JobConfig unread = JobConfig.from(missing);

    assertThat(unread.kafka().propertiesFile(), equalTo(file.toString()));
    assertThat(unread.kafka().properties().isEmpty(), equalTo(true));
    InvalidOptionException refused =
        assertThrows(InvalidOptionException.class, () -> Preflight.configure(missing));
    assertThat(refused.getMessage(), containsString("--kafkaPropertiesFile=" + file));
    assertThat(refused.getMessage(), containsString("cannot read"));

    Files.writeString(file, "client.id = zonestream-test\nsasl.jaas.config = secret\n");
    JobConfig read = Preflight.configure(missing);

    assertThat(read.kafka().properties().plain(), equalTo(Map.of("client.id", "zonestream-test")));
    assertThat(read.kafka().properties().secrets().keySet(), equalTo(Set.of("sasl.jaas.config")));
  }

  @Test
  void fromGroupsTheSettingsAndABackfillKeepsAllButTheSource() {
    JobConfig config =
        JobConfig.from(
            options(
                "--bootstrapServers=localhost:9092",
                "--topics=customer=c,accelerometer=a",
                "--topicPattern=x\\..*",
                "--windowSeconds=30",
                "--maxBrokerDelaySeconds=7",
                "--customers=12",
                "--lake=" + lake + "/"));

    assertThat(config.lake(), equalTo(lake.toString()));
    assertThat(config.kafka().topics(), equalTo(Map.of("c", "customer", "a", "accelerometer")));
    assertThat(config.zones().window(), equalTo(Duration.standardSeconds(30)));
    assertThat(config.brokers().maxDelay(), equalTo(Duration.standardSeconds(7)));
    assertThat(config.demo().customers(), equalTo(12));

    JobConfig backfill = config.asBackfill();

    assertThat(backfill.source(), equalTo(SourceType.LANDING));
    assertThat(backfill.kafka().bootstrapServers(), nullValue());
    assertThat(backfill.kafka().topicPattern(), nullValue());
    assertThat(backfill.kafka().topics(), equalTo(config.kafka().topics()));
    assertThat(backfill.zones(), equalTo(config.zones()));
    assertThat(backfill.brokers(), equalTo(config.brokers()));
    assertThat(backfill.demo(), equalTo(config.demo()));
    assertThat(backfill.lake(), equalTo(config.lake()));
  }
}
