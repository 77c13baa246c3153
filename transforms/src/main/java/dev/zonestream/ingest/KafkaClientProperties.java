package dev.zonestream.ingest;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;

/**
 * Kafka client settings given by the user (security protocol, SASL, TLS, ...), with the secret ones
 * kept apart so that they reach the Kafka client and nothing else: not Beam's display data, not a
 * log line, not a {@link #toString()}, not an error message ({@link #redact}).
 *
 * <p>A setting is secret when Kafka's own client configuration types it {@code PASSWORD} (the
 * values Kafka itself logs as {@value Password#HIDDEN}: {@code sasl.jaas.config}, the TLS key and
 * store passwords, PEM keys), or, for settings of plugins Kafka does not know, when its name says
 * so ({@code password}, {@code secret}, {@code jaas.config}, {@code basic.auth.user.info}).
 *
 * <p>The secrets are still part of the object (the Kafka consumer needs them on every worker), so a
 * serialized pipeline holds them; Kafka's config providers ({@code ${file:...}}, {@code
 * ${env:...}}) keep them out of the job altogether.
 */
public final class KafkaClientProperties implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final Set<String> PASSWORD_KEYS =
      passwordKeys(
          ConsumerConfig.configDef(), ProducerConfig.configDef(), AdminClientConfig.configDef());

  private static final Pattern SECRET_NAME =
      Pattern.compile("password|secret|jaas\\.config|basic\\.auth\\.user\\.info");

  /** A token of a JAAS text: a quoted value, or a word up to a blank, quote, '=' or ';'. */
  private static final Pattern JAAS_TOKEN = Pattern.compile("\"([^\"]*)\"|([^\\s=;\"]+)");

  /** The words of a JAAS text that are not values: a login module's class, a control flag. */
  private static final Pattern JAAS_WORD =
      Pattern.compile("[\\w$]+(\\.[\\w$]+)+|required|requisite|sufficient|optional");

  private static final KafkaClientProperties NONE = new KafkaClientProperties(Map.of(), Map.of());

  private final Map<String, String> plain;
  private final Map<String, String> secrets;

  private KafkaClientProperties(Map<String, String> plain, Map<String, String> secrets) {
    this.plain = plain;
    this.secrets = secrets;
  }

  /** No settings beyond the client's defaults. */
  public static KafkaClientProperties none() {
    return NONE;
  }

  /** Splits {@code properties} into plain and secret settings; values are kept as strings. */
  public static KafkaClientProperties of(Map<String, ?> properties) {
    Map<String, String> plain = new TreeMap<>();
    Map<String, String> secrets = new TreeMap<>();
    properties.forEach(
        (key, value) -> {
          if (key == null || value == null) {
            throw new IllegalArgumentException("a Kafka client setting without a name or value");
          }
          String text = value instanceof Password p ? p.value() : value.toString();
          (isSecret(key) ? secrets : plain).put(key, text);
        });
    return new KafkaClientProperties(Map.copyOf(plain), Map.copyOf(secrets));
  }

  /** Whether a setting of this name holds a secret. */
  public static boolean isSecret(String key) {
    return PASSWORD_KEYS.contains(key) || SECRET_NAME.matcher(key.toLowerCase(Locale.ROOT)).find();
  }

  /** The settings that are safe to show. */
  public Map<String, String> plain() {
    return plain;
  }

  /** The secret settings: for a Kafka client's configuration only. */
  public Map<String, String> secrets() {
    return secrets;
  }

  /** Every setting, for a Kafka client's configuration. */
  public Map<String, Object> all() {
    Map<String, Object> all = new TreeMap<>(plain);
    all.putAll(secrets);
    return all;
  }

  public boolean isEmpty() {
    return plain.isEmpty() && secrets.isEmpty();
  }

  /**
   * {@code text} (an error message from a Kafka client, say) with every secret value, and every
   * value inside a secret JAAS configuration (user names included), replaced by {@value
   * Password#HIDDEN}.
   */
  public String redact(String text) {
    if (text == null || secrets.isEmpty()) {
      return text;
    }
    // Whole secrets first, longest first: hiding a JAAS user name inside another secret ("zs" in
    // "zs:reg-5e3b") first would leave the rest of that secret in the text.
    List<String> whole = new ArrayList<>(secrets.values());
    whole.sort(java.util.Comparator.comparingInt(String::length).reversed());
    String redacted = text;
    for (String secret : whole) {
      redacted = hide(redacted, secret);
    }
    for (String secret : whole) {
      for (String value : jaasValues(secret)) {
        redacted = hideWord(redacted, value);
      }
    }
    return redacted;
  }

  /**
   * The values of a JAAS text (every token but the login module, the control flag and the names
   * before '='): Kafka's parser quotes a stray one back as a "key" when the text is malformed.
   */
  private static List<String> jaasValues(String jaas) {
    List<String> values = new ArrayList<>();
    Matcher token = JAAS_TOKEN.matcher(jaas);
    while (token.find()) {
      if (token.group(1) != null) {
        values.add(token.group(1));
        continue;
      }
      String word = token.group(2);
      boolean name = jaas.substring(token.end()).stripLeading().startsWith("=");
      if (!name && !JAAS_WORD.matcher(word).matches()) {
        values.add(word);
      }
    }
    return values;
  }

  private static String hide(String text, String secret) {
    return secret.isEmpty() ? text : text.replace(secret, Password.HIDDEN);
  }

  /** Hides {@code value} where it stands as a word of its own, so "zs" leaves "zsh" alone. */
  private static String hideWord(String text, String value) {
    if (value.isEmpty()) {
      return text;
    }
    return text.replaceAll(
        "(?<![\\w.-])" + Pattern.quote(value) + "(?![\\w.-])",
        Matcher.quoteReplacement(Password.HIDDEN));
  }

  /** The plain settings, and the names of the secret ones with {@value Password#HIDDEN}. */
  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>(plain);
    secrets.keySet().forEach(k -> shown.put(k, Password.HIDDEN));
    return shown.toString();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof KafkaClientProperties o
        && plain.equals(o.plain)
        && secrets.equals(o.secrets);
  }

  @Override
  public int hashCode() {
    return plain.hashCode() * 31 + secrets.hashCode();
  }

  /** The names Kafka's client configurations type {@code PASSWORD}. */
  private static Set<String> passwordKeys(ConfigDef... defs) {
    return Arrays.stream(defs)
        .flatMap(d -> d.configKeys().values().stream())
        .filter(k -> k.type == ConfigDef.Type.PASSWORD)
        .map(k -> k.name)
        .collect(Collectors.toUnmodifiableSet());
  }
}
