package dev.zonestream.pipeline;

import dev.zonestream.ingest.KafkaClientProperties;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Checks, before a stream starts, that the brokers answer to the client settings of {@code
 * --kafkaPropertiesFile} (credentials, TLS) and that the topics exist. Each failure is one line
 * that names the option; no secret setting appears in it.
 */
final class KafkaChecks {
  /** The admin client's id, which Kafka's own log lines about the check carry. */
  static final String CLIENT_ID = "zonestream-preflight";

  private KafkaChecks() {}

  /** An admin client's settings: the user's client properties, the brokers, an id, timeouts. */
  static Map<String, Object> adminConfig(
      String bootstrapServers,
      KafkaClientProperties clientProperties,
      String clientId,
      long timeoutSeconds) {
    Map<String, Object> config = new TreeMap<>(clientProperties.all());
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (timeoutSeconds * 1000));
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) (timeoutSeconds * 1000));
    return config;
  }

  /**
   * @throws InvalidOptionException naming {@code --bootstrapServers}, {@code --kafkaPropertiesFile}
   *     or {@code --topics}
   */
  static void verify(
      String bootstrapServers,
      KafkaClientProperties clientProperties,
      Collection<String> topics,
      long timeoutSeconds) {
    Map<String, Object> config =
        adminConfig(bootstrapServers, clientProperties, CLIENT_ID, timeoutSeconds);
    Admin admin;
    try {
      admin = Admin.create(config);
    } catch (KafkaException e) {
      // A setting the client refuses (an unknown mechanism, a JAAS text it cannot parse, a store
      // it cannot open): Kafka says which in the innermost cause.
      throw new InvalidOptionException(
          "--kafkaPropertiesFile: the Kafka client refuses these settings: "
              + clientProperties.redact(innermost(e)));
    }
    try (admin) {
      Set<String> existing;
      try {
        admin.describeCluster().nodes().get(timeoutSeconds, TimeUnit.SECONDS);
        existing = admin.listTopics().names().get(timeoutSeconds, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof AuthenticationException refused) {
          throw new InvalidOptionException(
              "--kafkaPropertiesFile: "
                  + bootstrapServers
                  + (refused instanceof SslAuthenticationException
                      ? " failed the TLS handshake: "
                      : " refused the credentials: ")
                  + clientProperties.redact(innermost(refused)));
        }
        throw noAnswer(bootstrapServers, clientProperties, timeoutSeconds);
      } catch (TimeoutException e) {
        throw noAnswer(bootstrapServers, clientProperties, timeoutSeconds);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      List<String> missing = topics.stream().filter(t -> !existing.contains(t)).sorted().toList();
      if (!missing.isEmpty()) {
        throw new InvalidOptionException(
            "--topics: topic(s) "
                + String.join(", ", missing)
                + " do not exist on "
                + bootstrapServers
                + (authenticates(clientProperties) ? " or are hidden from these credentials" : "")
                + " (existing: "
                + existing.stream().filter(t -> !t.startsWith("__")).sorted().toList()
                + ")");
      }
    }
  }

  private static InvalidOptionException noAnswer(
      String bootstrapServers, KafkaClientProperties clientProperties, long timeoutSeconds) {
    // A plain client at a secured listener sees its connections closed, never an error.
    String hint =
        clientProperties.plain().containsKey(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)
            ? ""
            : " (a TLS or SASL listener needs security.protocol in --kafkaPropertiesFile)";
    return new InvalidOptionException(
        "bootstrapServers",
        bootstrapServers,
        "no Kafka broker answered within " + timeoutSeconds + " s" + hint);
  }

  private static boolean authenticates(KafkaClientProperties clientProperties) {
    return clientProperties
        .plain()
        .getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "")
        .toUpperCase(Locale.ROOT)
        .startsWith("SASL");
  }

  /** The message of the innermost cause, where Kafka and the JDK say what exactly went wrong. */
  private static String innermost(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
  }
}
