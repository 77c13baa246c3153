package dev.zonestream.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaClientPropertiesTest {
  private static final String JAAS =
      "org.apache.kafka.common.security.scram.ScramLoginModule required"
          + " username=\"zs\" password=\"pw-41d0\";";

  private static final KafkaClientProperties PROPERTIES =
      KafkaClientProperties.of(
          Map.of(
              "security.protocol", "SASL_SSL",
              "sasl.mechanism", "SCRAM-SHA-256",
              "sasl.jaas.config", JAAS,
              "ssl.truststore.location", "/etc/kafka/truststore.p12",
              "ssl.truststore.password", "store-77a2",
              "schema.registry.basic.auth.user.info", "zs:reg-5e3b",
              "max.poll.records", 100));

  @Test
  void passwordTypedAndSecretNamedSettingsAreSecretTheRestPlain() {
    assertThat(
        PROPERTIES.secrets(),
        equalTo(
            Map.of(
                "sasl.jaas.config", JAAS,
                "ssl.truststore.password", "store-77a2",
                "schema.registry.basic.auth.user.info", "zs:reg-5e3b")));
    assertThat(
        PROPERTIES.plain(),
        equalTo(
            Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-256",
                "ssl.truststore.location", "/etc/kafka/truststore.p12",
                "max.poll.records", "100")));
    assertThat(PROPERTIES.all().size(), equalTo(7));
    assertThat(PROPERTIES.all().get("sasl.jaas.config"), equalTo(JAAS));
  }

  @Test
  void toStringNamesTheSecretsButHidesTheirValues() {
    assertThat(
        PROPERTIES.toString(),
        equalTo(
            "{max.poll.records=100, sasl.jaas.config=[hidden], sasl.mechanism=SCRAM-SHA-256,"
                + " schema.registry.basic.auth.user.info=[hidden], security.protocol=SASL_SSL,"
                + " ssl.truststore.location=/etc/kafka/truststore.p12,"
                + " ssl.truststore.password=[hidden]}"));
  }

  @Test
  void redactHidesEverySecretAndEveryValueInsideTheJaasConfiguration() {
    assertThat(
        PROPERTIES.redact("store store-77a2; registry zs:reg-5e3b; " + JAAS),
        equalTo("store [hidden]; registry [hidden]; [hidden]"));
    // Kafka's parser quotes a stray JAAS token back as a key; the user name goes too, as a word.
    KafkaClientProperties malformed =
        KafkaClientProperties.of(
            Map.of(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " username=\"zs\" pw-5ecre7;"));
    assertThat(
        malformed.redact(
            "Value not specified for key 'pw-5ecre7' in JAAS config of zs, via zsh and"
                + " org.apache.kafka.common.security.plain.PlainLoginModule required"),
        equalTo(
            "Value not specified for key '[hidden]' in JAAS config of [hidden], via zsh and"
                + " org.apache.kafka.common.security.plain.PlainLoginModule required"));
    assertThat(KafkaClientProperties.none().redact("pw-41d0"), equalTo("pw-41d0"));
  }
}
