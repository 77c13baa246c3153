package dev.zonestream.pipeline;

import dev.zonestream.demo.EmbeddedKafka;
import dev.zonestream.ingest.KafkaClientProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * A single-node broker ({@link EmbeddedKafka}) that asks its clients for credentials: a {@code
 * SASL_PLAINTEXT} and a {@code SASL_SSL} listener, each taking {@code PLAIN} and {@code
 * SCRAM-SHA-256} for one user. The TLS listener's key and certificate (for {@code 127.0.0.1}) and
 * the clients' trust store are made by the running JDK's {@code keytool} when the broker starts;
 * every password is random, made for this broker only. The broker and its controller talk over a
 * plain listener, which the tests use to create topics.
 */
final class SecuredKafka implements AutoCloseable {
  static final String SASL_PLAINTEXT = "SASL_PLAINTEXT";
  static final String SASL_SSL = "SASL_SSL";
  static final String PLAIN = "PLAIN";
  static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
  static final String USER = "zonestream";

  private final Path dir;
  private final EmbeddedKafka kafka;
  private final String password;
  private final Path truststore;
  private final String truststorePassword;

  private SecuredKafka(
      Path dir, EmbeddedKafka kafka, String password, Path truststore, String truststorePassword) {
    this.dir = dir;
    this.kafka = kafka;
    this.password = password;
    this.truststore = truststore;
    this.truststorePassword = truststorePassword;
  }

  /** Makes the TLS stores, starts the broker and returns once the SCRAM user can log in. */
  static SecuredKafka start() throws Exception {
    Path dir = Files.createTempDirectory("zonestream-secured-kafka-");
    String password = randomSecret("user");
    String keystorePassword = randomSecret("keystore");
    String truststorePassword = randomSecret("truststore");
    Path keystore = dir.resolve("broker.p12");
    Path certificate = dir.resolve("broker.pem");
    Path truststore = dir.resolve("truststore.p12");
    Map<String, String> env = Map.of("KS_PW", keystorePassword, "TS_PW", truststorePassword);
    keytool(
        env,
        "-genkeypair",
        "-alias",
        "broker",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "SAN=IP:127.0.0.1,DNS:localhost",
        "-storetype",
        "PKCS12",
        "-keystore",
        keystore.toString(),
        "-storepass:env",
        "KS_PW");
    keytool(
        env,
        "-exportcert",
        "-rfc",
        "-alias",
        "broker",
        "-keystore",
        keystore.toString(),
        "-storepass:env",
        "KS_PW",
        "-file",
        certificate.toString());
    keytool(
        env,
        "-importcert",
        "-noprompt",
        "-alias",
        "broker",
        "-file",
        certificate.toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        truststore.toString(),
        "-storepass:env",
        "TS_PW");

    Map<String, String> listeners = new LinkedHashMap<>();
    listeners.put(SASL_PLAINTEXT, SASL_PLAINTEXT);
    listeners.put(SASL_SSL, SASL_SSL);
    Map<String, String> settings = new HashMap<>();
    settings.put("sasl.enabled.mechanisms", PLAIN + "," + SCRAM_SHA_256);
    for (String listener : listeners.keySet()) {
      String prefix = "listener.name." + listener.toLowerCase(Locale.ROOT) + ".";
      settings.put(
          prefix + "plain.sasl.jaas.config",
          "org.apache.kafka.common.security.plain.PlainLoginModule required user_"
              + USER
              + "=\""
              + password
              + "\";");
      settings.put(
          prefix + "scram-sha-256.sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    }
    settings.put("ssl.keystore.type", "PKCS12");
    settings.put("ssl.keystore.location", keystore.toString());
    settings.put("ssl.keystore.password", keystorePassword);
    settings.put("ssl.key.password", keystorePassword);

    EmbeddedKafka kafka = EmbeddedKafka.start(listeners, settings);
    SecuredKafka secured = new SecuredKafka(dir, kafka, password, truststore, truststorePassword);
    try {
      secured.addScramUser();
    } catch (Exception e) {
      secured.close();
      throw e;
    }
    return secured;
  }

  /** The user's password, which the tests look for in everything the job wrote. */
  String password() {
    return password;
  }

  /** The trust store's password, a secret of the TLS clients' settings. */
  String truststorePassword() {
    return truststorePassword;
  }

  /** {@code 127.0.0.1:PORT} of {@link #SASL_PLAINTEXT} or {@link #SASL_SSL}. */
  String bootstrapServers(String listener) {
    return kafka.bootstrapServers(listener);
  }

  /** Creates topics over the plain listener (see {@link EmbeddedKafka#createTopics}). */
  void createTopics(Collection<String> names, int partitions) {
    kafka.createTopics(names, partitions);
  }

  /**
   * What a user of {@code listener} puts in their client properties file: the protocol, the SASL
   * mechanism and JAAS login with {@code password}, and for TLS the trust store of the broker's
   * certificate.
   */
  Map<String, String> clientProperties(String listener, String mechanism, String password) {
    String module =
        mechanism.equals(PLAIN)
            ? "org.apache.kafka.common.security.plain.PlainLoginModule"
            : "org.apache.kafka.common.security.scram.ScramLoginModule";
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("security.protocol", listener);
    properties.put("sasl.mechanism", mechanism);
    properties.put(
        "sasl.jaas.config",
        module + " required username=\"" + USER + "\" password=\"" + password + "\";");
    if (listener.equals(SASL_SSL)) {
      properties.put("ssl.truststore.type", "PKCS12");
      properties.put("ssl.truststore.location", truststore.toString());
      properties.put("ssl.truststore.password", truststorePassword);
    }
    return properties;
  }

  @Override
  public void close() {
    try {
      kafka.close();
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      } catch (IOException e) {
        // A temporary folder; the system's cleaner gets it otherwise.
      }
    }
  }

  /**
   * Gives the user a SCRAM-SHA-256 credential (KRaft keeps it in the cluster's metadata) and waits,
   * bounded, until a SCRAM client of the TLS listener is let in: that proves the credential and the
   * certificate before any test relies on them.
   */
  private void addScramUser() throws Exception {
    try (Admin admin = kafka.admin()) {
      admin
          .alterUserScramCredentials(
              List.of(
                  new UserScramCredentialUpsertion(
                      USER, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    Map<String, Object> config =
        new HashMap<>(
            KafkaClientProperties.of(clientProperties(SASL_SSL, SCRAM_SHA_256, password)).all());
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(SASL_SSL));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (Admin admin = Admin.create(config)) {
        admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        // The credential reaches the broker's cache through the metadata log, just after the call.
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the SCRAM user was not let in within 30 s", e);
        }
        Thread.sleep(200);
      }
    }
  }

  private static String randomSecret(String what) {
    return "zs-" + what + "-" + UUID.randomUUID().toString().replace("-", "");
  }

  /** Runs the JDK's keytool; its passwords come from the environment, not the command line. */
  private static void keytool(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException(
          "keytool " + args[0] + " failed: " + new String(output, StandardCharsets.UTF_8));
    }
  }
}
