package dev.zonestream.pipeline;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Checks, before a stream starts, that the brokers answer and the topics exist. */
final class KafkaChecks {
  private KafkaChecks() {}

  /**
   * @throws InvalidOptionException naming {@code --bootstrapServers} or {@code --topics}
   */
  static void verify(
      String bootstrapServers,
      Map<String, Object> clientProperties,
      Collection<String> topics,
      long timeoutSeconds) {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (timeoutSeconds * 1000));
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) (timeoutSeconds * 1000));
    try (Admin admin = Admin.create(config)) {
      Set<String> existing;
      try {
        admin.describeCluster().nodes().get(timeoutSeconds, TimeUnit.SECONDS);
        existing = admin.listTopics().names().get(timeoutSeconds, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException e) {
        throw new InvalidOptionException(
            "bootstrapServers",
            bootstrapServers,
            "no Kafka broker answered within " + timeoutSeconds + " s");
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
                + " (existing: "
                + existing.stream().filter(t -> !t.startsWith("__")).sorted().toList()
                + ")");
      }
    }
  }
}
