package dev.zonestream.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zonestream.model.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A seeded corpus of hostile input: for each dataset folder ({@code customer/}, {@code
 * accelerometer/}, {@code step_trainer/}) and an unknown one ({@value #UNKNOWN_FOLDER}/), one file
 * per kind of message ({@code <folder>/<kind>.jsonl}): good records, and every kind of bad or
 * strange one a broker can deliver (invalid JSON, bytes that are not UTF-8, binary, blank lines,
 * nesting at and around Jackson's depth limit, numbers at and beyond its length limit, huge keys,
 * unpaired surrogates, wrong types, missing fields, absurd times, path-like serials and emails,
 * duplicate keys, NaN, lines of megabytes). The same seed gives the same bytes on every machine.
 *
 * <p>{@value #MANIFEST} says, per folder and kind, how many lines and messages there are and what
 * the job must do with them ({@link Expect}), with a pattern the reason of each reject must match:
 * the tests read their expectations from it instead of copying numbers.
 *
 * <p>The small tier is committed as {@code testdata/hostile/}. The {@code large} tier adds
 * multi-megabyte lines and the payloads at and just over the default payload limit (64 KiB); tests
 * generate it into a temporary folder, so the repository holds no multi-megabyte fixtures.
 */
public final class HostileCorpus {
  /** A folder whose name is no dataset: everything in it is rejected as of an unknown dataset. */
  public static final String UNKNOWN_FOLDER = "doorbell";

  /** The manifest's file name; the files source and the embedded default skip names with "_". */
  public static final String MANIFEST = "_manifest.json";

  /** The default seed, which the committed corpus was written with. */
  public static final long DEFAULT_SEED = 20261201L;

  /** The payload limit the expectations assume (the job's default {@code --maxPayloadBytes}). */
  public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

  /** Jackson's default nesting limit, which the job keeps for payloads. */
  static final int MAX_DEPTH = 1000;

  /** Jackson's default number length limit, which the job keeps for payloads. */
  static final int MAX_NUMBER_LENGTH = 1000;

  static final long BASE_TIME = StediGenerator.BASE_TIME;
  private static final long MINUTE = 60_000L;
  private static final long HOUR = 60 * MINUTE;
  private static final int CONSENTING = 6;
  private static final int WITH_STEP_TRAINER = 4;
  private static final int READINGS_PER_CUSTOMER = 3;
  private static final List<String> FOLDERS =
      List.of(
          Dataset.CUSTOMER.folder(),
          Dataset.ACCELEROMETER.folder(),
          Dataset.STEP_TRAINER.folder(),
          UNKNOWN_FOLDER);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String UNKNOWN_DATASET = "unknown dataset";

  /** What the job must do with every message of a kind. */
  public enum Expect {
    /** Each message is a row of its trusted table. */
    TRUSTED,
    /** Valid, but kept out of trusted by the consent rule: neither a row nor a reject. */
    EXCLUDED,
    /** A repeat of a message of the {@code good} kind: kept once, so neither a row nor a reject. */
    DUPLICATE,
    /** Each message is a reject whose reason matches the kind's pattern. */
    REJECTED;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One kind of message in one folder.
   *
   * @param folder the dataset folder (or {@link #UNKNOWN_FOLDER})
   * @param name the kind, also the file's name ({@code <folder>/<name>.jsonl})
   * @param about what the lines hold
   * @param expect what the job must do with each message
   * @param reason a regular expression each reject's reason must contain a match of, or null
   * @param large whether it is in the large tier only
   * @param lines the file's lines, without their {@code \n} (a {@code \r} before it is kept)
   * @param kafkaOnly messages that cannot be a line of a file (a Kafka record without a value):
   *     {@code lines} is then empty and this many such records are meant
   */
  public record Kind(
      String folder,
      String name,
      String about,
      Expect expect,
      @Nullable String reason,
      boolean large,
      List<byte[]> lines,
      int kafkaOnly) {

    /** Messages the files source reads: lines that are not blank. */
    public long fileMessages() {
      return lines.stream().filter(l -> !isBlank(l)).count();
    }

    /** Messages a broker carries: every line, blank or not, and the records without a value. */
    public long brokerMessages() {
      return lines.size() + kafkaOnly;
    }

    /** The file's path under the corpus folder, or null for Kafka-only kinds. */
    public @Nullable String file() {
      return lines.isEmpty() ? null : folder + "/" + name + ".jsonl";
    }
  }

  private final long seed;
  private final boolean large;

  public HostileCorpus(long seed, boolean large) {
    this.seed = seed;
    this.large = large;
  }

  /** Every kind of every folder, in a fixed order. */
  public List<Kind> generate() {
    return new Builder(new Random(seed), large).build();
  }

  /** Writes each kind's file under {@code dir} and the manifest; returns {@code kinds}. */
  public static List<Kind> writeTo(List<Kind> kinds, long seed, boolean large, Path dir)
      throws IOException {
    for (Kind kind : kinds) {
      if (kind.file() == null) {
        continue;
      }
      Path file = dir.resolve(kind.file());
      Files.createDirectories(file.getParent());
      try (OutputStream out = Files.newOutputStream(file)) {
        for (byte[] line : kind.lines()) {
          out.write(line);
          out.write('\n');
        }
      }
    }
    Files.write(dir.resolve(MANIFEST), manifest(kinds, seed, large));
    return kinds;
  }

  /** The manifest: per folder and kind, its file, counts, expectation and reason pattern. */
  static byte[] manifest(List<Kind> kinds, long seed, boolean large) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("generator", HostileCorpus.class.getName());
    root.put("seed", seed);
    root.put("large", large);
    root.put("maxPayloadBytes", MAX_PAYLOAD_BYTES);
    root.put("consentScope", "after-consent");
    root.put(
        "about",
        "One file per folder and kind. 'files' counts the messages the files source reads (blank"
            + " lines are none), 'broker' those a broker carries (every line, and records without"
            + " a value). expect: trusted (each a row of its trusted table), excluded (valid, kept"
            + " out by consent), duplicate (a repeat of a good message, kept once), rejected (each"
            + " a reject whose reason matches 'reason', a regular expression).");
    ArrayNode list = root.putArray("kinds");
    for (Kind kind : kinds) {
      ObjectNode node = list.addObject();
      node.put("folder", kind.folder());
      node.put("kind", kind.name());
      node.put("file", kind.file());
      node.put("lines", kind.lines().size());
      node.put("files", kind.fileMessages());
      node.put("broker", kind.brokerMessages());
      node.put("expect", kind.expect().label());
      node.put("reason", kind.reason());
      node.put("large", kind.large());
      node.put("about", kind.about());
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValue(out, root);
      out.write('\n');
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean isBlank(byte[] line) {
    for (byte b : line) {
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  /** Builds the kinds; one instance per generation, so the random sequence is fixed. */
  private static final class Builder {
    private final Random random;
    private final boolean large;
    private final List<Kind> kinds = new ArrayList<>();
    private final List<Person> consenting = new ArrayList<>();
    private final List<Person> nonConsenting = new ArrayList<>();
    private int variants;

    Builder(Random random, boolean large) {
      this.random = random;
      this.large = large;
    }

    /** A customer of the corpus: consent time, or -1 without consent. */
    private record Person(
        String name, String email, String serial, long registered, long consent) {}

    List<Kind> build() {
      for (int i = 0; i < CONSENTING; i++) {
        long registered = BASE_TIME + i * HOUR;
        consenting.add(person("c" + i, registered, registered + 10 * MINUTE));
      }
      for (int i = 0; i < 2; i++) {
        nonConsenting.add(person("n" + i, BASE_TIME + (CONSENTING + i) * HOUR, -1));
      }
      for (String folder : FOLDERS) {
        addKinds(folder);
      }
      // After every small kind, so that the small tier is the same bytes with or without it.
      if (large) {
        for (String folder : FOLDERS) {
          addLarge(folder);
        }
      }
      return kinds;
    }

    private Person person(String id, long registered, long consent) {
      String serial = new UUID(random.nextLong(), random.nextLong()).toString();
      return new Person(
          "Person " + id.toUpperCase(Locale.ROOT),
          id + ".hostile@test.com",
          serial,
          registered,
          consent);
    }

    private void addKinds(String folder) {
      boolean unknown = folder.equals(UNKNOWN_FOLDER);
      boolean customer = folder.equals(Dataset.CUSTOMER.folder());
      boolean phone = folder.equals(Dataset.ACCELEROMETER.folder());
      boolean step = folder.equals(Dataset.STEP_TRAINER.folder());

      List<String> good = goodLines(folder);
      // Valid messages with something odd in them: trusted, or rejected as of no dataset.
      valid(folder, "good", "valid records", good);
      if (!unknown) {
        addOutsideConsent(folder, customer, phone);
      }
      add(
          folder,
          "exact-duplicate",
          "the first two good messages again, byte for byte",
          unknown ? Expect.REJECTED : Expect.DUPLICATE,
          unknown ? UNKNOWN_DATASET : null,
          utf8(good.subList(0, 2)));
      valid(
          folder,
          "depth-999",
          "a valid record with an extra field nested to a total depth of 999",
          List.of(withField(fresh(folder), "deep", nested(MAX_DEPTH - 2))));
      valid(
          folder,
          "depth-1000",
          "a valid record with an extra field nested to a total depth of 1,000, Jackson's limit",
          List.of(withField(fresh(folder), "deep", nested(MAX_DEPTH - 1))));
      rejected(
          folder,
          "depth-1001",
          "total depths of 1,001, one past the limit: a record with nested arrays, one with"
              + " nested objects, and a bare array",
          "nesting depth",
          List.of(
              withField(fresh(folder), "deep", nested(MAX_DEPTH)),
              withField(fresh(folder), "deep", nestedObjects(MAX_DEPTH)),
              nested(MAX_DEPTH + 1)));
      rejected(
          folder,
          "depth-10000",
          "a record whose extra field nests 9,999 arrays: a total depth of 10,000",
          "nesting depth",
          List.of(withField(fresh(folder), "deep", nested(9_999))));
      valid(
          folder,
          "number-1000-digits",
          "a valid record with an extra integer of 1,000 digits, Jackson's number length limit",
          List.of(withField(fresh(folder), "big", digits(MAX_NUMBER_LENGTH))));
      rejected(
          folder,
          "number-1001-digits",
          "numbers of 1,001 digits, one past the limit (integer and decimal)",
          "Number length",
          List.of(
              withField(fresh(folder), "big", digits(MAX_NUMBER_LENGTH + 1)),
              withField(fresh(folder), "big", "0." + digits(MAX_NUMBER_LENGTH))));
      rejected(
          folder,
          "number-10000-digits",
          "a 10,000-digit number, in the record's own field where it has a numeric one",
          "Number length",
          List.of(numberField(folder, digits(10_000))));
      valid(
          folder,
          "long-key",
          "a valid record with an extra field whose name has 4,096 characters",
          List.of(withField(fresh(folder), "k".repeat(4096), "1")));
      rejected(
          folder,
          "invalid-json",
          "truncated, single-quoted, unquoted keys, trailing comma, a stray bracket, plain text",
          "not JSON",
          List.of(
              truncate(fresh(folder)),
              fresh(folder).replace('"', '\''),
              "{user: 1, timestamp: 2}",
              withField(fresh(folder), "a", "1").replace("}", ",}"),
              fresh(folder) + "}",
              "hello, world",
              "["));
      rejected(
          folder,
          "trailing-data",
          "a valid value followed by another value or by text",
          "not JSON",
          List.of(fresh(folder) + " " + fresh(folder), fresh(folder) + " // sent by firmware"));
      rejected(
          folder,
          "control-characters",
          "raw NUL, tab and escape characters inside strings (JSON requires them escaped)",
          "not JSON",
          List.of(
              fresh(folder).replaceFirst(":\"", ":\"\u0000"),
              fresh(folder).replaceFirst(":\"", ":\"\t"),
              fresh(folder).replaceFirst(":\"", ":\"\u001b[31m")));
      add(
          folder,
          "not-utf8",
          "JSON with bytes that are no UTF-8: Latin-1, a lone continuation byte, an overlong"
              + " slash, an encoded surrogate (CESU-8), a sequence cut short at the end",
          Expect.REJECTED,
          unknown ? UNKNOWN_DATASET : "not UTF-8",
          List.of(
              latin1(fresh(folder).replaceFirst(":\"", ":\"caf\u00e9 ")),
              splice(fresh(folder), new byte[] {(byte) 0x80}),
              splice(fresh(folder), new byte[] {(byte) 0xC0, (byte) 0xAF}),
              splice(fresh(folder), new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
              concat(utf8(fresh(folder)), new byte[] {(byte) 0xE2, (byte) 0x82})));
      add(
          folder,
          "binary",
          "random bytes (no newline), as a misrouted image or protobuf would arrive",
          Expect.REJECTED,
          unknown ? UNKNOWN_DATASET : "not UTF-8",
          List.of(binary(64), binary(512), binary(2048)));
      add(
          folder,
          "empty-line",
          "empty lines: no message in a file; a broker message of no bytes",
          Expect.REJECTED,
          unknown ? UNKNOWN_DATASET : "empty payload",
          List.of(new byte[0], new byte[0]));
      rejected(
          folder,
          "whitespace-line",
          "lines of spaces and tabs (one ending in \\r\\n): no message in a file; a broker"
              + " message with no JSON value",
          "not JSON: no value",
          List.of("   ", "\t \t", " \r"));
      rejected(
          folder,
          "not-an-object",
          "JSON values that are not objects: array, string, number, true, null",
          "not a JSON object",
          List.of("[" + fresh(folder) + "]", "\"" + folder + "\"", "42", "true", "null"));
      rejected(
          folder,
          "nan",
          "NaN and Infinity literals, which JSON does not have",
          "not JSON: Non-standard token",
          List.of(
              numberField(folder, "NaN"),
              numberField(folder, "Infinity"),
              numberField(folder, "-Infinity")));
      add(
          folder,
          "tombstone",
          "a Kafka record without a value (a tombstone): no line in a file",
          Expect.REJECTED,
          unknown ? UNKNOWN_DATASET : "empty payload",
          List.of(),
          1);
      if (!unknown) {
        addFieldKinds(folder, customer, phone, step);
      } else {
        rejected(
            folder,
            "path-traversal",
            "device messages whose fields look like paths",
            "",
            List.of(
                "{\"deviceId\":\"../../../etc/passwd\",\"event\":\"ring\",\"time\":"
                    + BASE_TIME
                    + "}",
                "{\"deviceId\":\"..\\\\..\\\\windows\",\"event\":\"ring\",\"time\":"
                    + BASE_TIME
                    + "}"));
      }
    }

    /** Readings of customers without consent or from before it, and readings of nobody. */
    private void addOutsideConsent(String folder, boolean customer, boolean phone) {
      if (customer) {
        List<String> lines = new ArrayList<>();
        for (Person p : nonConsenting) {
          lines.add(customerJson(p, p.registered(), null));
        }
        add(
            folder,
            "no-consent",
            "customers who do not consent",
            Expect.EXCLUDED,
            null,
            utf8(lines));
        return;
      }
      List<String> noConsent = new ArrayList<>();
      List<String> beforeConsent = new ArrayList<>();
      for (Person p : nonConsenting) {
        noConsent.add(reading(phone, p, p.registered() + MINUTE));
      }
      for (Person p : consenting.subList(0, 2)) {
        beforeConsent.add(reading(phone, p, p.registered() + MINUTE));
      }
      add(
          folder,
          "no-consent",
          "readings of customers who do not consent",
          Expect.EXCLUDED,
          null,
          utf8(noConsent));
      add(
          folder,
          "before-consent",
          "readings of consenting customers from before their consent",
          Expect.EXCLUDED,
          null,
          utf8(beforeConsent));
      Person nobody =
          new Person(
              "Nobody",
              "nobody.hostile@test.com",
              new UUID(random.nextLong(), random.nextLong()).toString(),
              BASE_TIME,
              BASE_TIME);
      rejected(
          folder,
          "no-customer",
          "readings of a user or device no customer record names",
          "no customer record",
          List.of(
              reading(phone, nobody, BASE_TIME + HOUR),
              reading(phone, nobody, BASE_TIME + 2 * HOUR)));
    }

    /** Kinds about the dataset's own fields. */
    private void addFieldKinds(String folder, boolean customer, boolean phone, boolean step) {
      String timeField = Dataset.fromFolder(folder).orElseThrow().eventTimeField();
      rejected(
          folder,
          "wrong-types",
          "each field of the wrong JSON type",
          "expected",
          wrongTypes(folder));
      rejected(
          folder,
          "missing-fields",
          "each required field missing or null in turn, and an empty object",
          "missing",
          missingFields(folder));
      rejected(
          folder,
          "absurd-times",
          "event times that are negative, in 2100, year 292278994 (Long.MAX_VALUE ms), beyond a"
              + " long, or fractional",
          "epoch",
          List.of(
              replaceNumber(fresh(folder), timeField, "-1"),
              replaceNumber(fresh(folder), timeField, "4102444800000"),
              replaceNumber(fresh(folder), timeField, Long.toString(Long.MAX_VALUE)),
              replaceNumber(fresh(folder), timeField, "9223372036854775808"),
              replaceNumber(fresh(folder), timeField, "1.6912800000005E12")));
      rejected(
          folder,
          "overflow",
          "numbers that overflow a double (1e400) where the record has numbers",
          "(finite number|epoch milliseconds|non-negative integer), got -?Infinity",
          List.of(numberField(folder, "1e400"), numberField(folder, "-1e400")));
      if (customer || step) {
        rejected(
            folder,
            "path-traversal",
            "serial numbers (and emails) that look like paths",
            customer ? "not a UUID|not an email address" : "not a UUID",
            pathTraversal(folder, customer));
      } else {
        rejected(
            folder,
            "path-traversal",
            "users that look like paths",
            "not an email address",
            List.of(
                replaceText(fresh(folder), "user", "../../etc/passwd"),
                replaceText(fresh(folder), "user", "../../etc@evil.example.com"),
                replaceText(fresh(folder), "user", "a@..")));
      }
      if (customer) {
        valid(
            folder,
            "path-like-name",
            "customers whose name looks like a path (a name is not a path: trusted)",
            List.of(
                replaceText(fresh(folder), "customerName", "../../etc/passwd"),
                replaceText(fresh(folder), "customerName", "C:\\Windows\\system32")));
      }
      String textField = customer ? "customerName" : phone ? "user" : "serialNumber";
      rejected(
          folder,
          "unpaired-surrogate",
          "a read field holding an unpaired UTF-16 surrogate escape (\\ud800 alone, \\udc00"
              + " alone, reversed pair): no Unicode text",
          "unpaired surrogate",
          List.of(
              insertEscape(fresh(folder), textField, "\\ud800"),
              insertEscape(fresh(folder), textField, "\\udc00"),
              insertEscape(fresh(folder), textField, "\\ude00\\ud83d")));
      valid(
          folder,
          "surrogates-elsewhere",
          "a valid surrogate pair (an emoji) in a read field of a customer or an extra field of"
              + " a reading, and an unpaired one in an extra field (not kept)",
          List.of(
              customer
                  ? insertEscape(fresh(folder), "customerName", "\\ud83d\\ude00")
                  : withField(fresh(folder), "note", "\"\\ud83d\\ude00\""),
              withField(fresh(folder), "note", "\"\\ud800\"")));
      rejected(
          folder,
          "duplicate-keys",
          "a record with one of its fields twice (same or different value), and a duplicate key"
              + " in an extra field",
          "duplicate field",
          List.of(
              duplicateKey(fresh(folder), timeField, false),
              duplicateKey(fresh(folder), timeField, true),
              withField(fresh(folder), "extra", "{\"a\":1,\"a\":2}")));
      valid(
          folder,
          "byte-order-mark",
          "a valid record preceded by a UTF-8 byte-order mark",
          List.of("\uFEFF" + fresh(folder)));
      valid(
          folder,
          "crlf",
          "valid records on lines ending with \\r\\n",
          List.of(fresh(folder) + "\r", fresh(folder) + "\r"));
      if (customer || phone) {
        String emailField = customer ? "email" : "user";
        rejected(
            folder,
            "email-backtracking",
            "an address of 4,000 dots, built to make a backtracking pattern take quadratic time",
            "not an email address",
            List.of(replaceText(fresh(folder), emailField, "a@" + ".".repeat(4000) + " ")));
      }
    }

    /** Multi-megabyte lines and payloads around the payload limit: generated at test time. */
    private void addLarge(String folder) {
      boolean unknown = folder.equals(UNKNOWN_FOLDER);
      boolean customer = folder.equals(Dataset.CUSTOMER.folder());
      boolean phone = folder.equals(Dataset.ACCELEROMETER.folder());
      String record = fresh(folder);
      String mb = "x".repeat(3 * 1024 * 1024);
      add(
          folder,
          "long-line",
          "lines of 3 MiB: a valid record with a long extra string, and text that is no JSON",
          Expect.REJECTED,
          unknown ? UNKNOWN_DATASET : "oversized payload",
          utf8(List.of(withField(record, "blob", "\"" + mb + "\""), "not json " + mb)),
          0,
          true);
      if (!unknown) {
        String atLimit = padTo(fresh(folder), MAX_PAYLOAD_BYTES);
        add(
            folder,
            "at-payload-limit",
            "a valid record padded to exactly 65,536 bytes, the default payload limit",
            Expect.TRUSTED,
            null,
            utf8(List.of(atLimit)),
            0,
            true);
        add(
            folder,
            "over-payload-limit",
            "a valid record padded to 65,537 bytes",
            Expect.REJECTED,
            "oversized payload",
            utf8(List.of(padTo(fresh(folder), MAX_PAYLOAD_BYTES + 1))),
            0,
            true);
        add(
            folder,
            "huge-key",
            "a valid record with an extra field whose name has 60,000 characters (Jackson 2.15"
                + " has no name length limit; 2.16 adds one of 50,000)",
            Expect.TRUSTED,
            null,
            utf8(List.of(withField(fresh(folder), "k".repeat(60_000), "1"))),
            0,
            true);
      }
      if (customer || phone) {
        add(
            folder,
            "email-backtracking-64k",
            "an address of 64,000 dots: 12 s per message for the pattern the rules used before",
            Expect.REJECTED,
            "not an email address",
            utf8(
                List.of(
                    replaceText(
                        fresh(folder),
                        customer ? "email" : "user",
                        "a@" + ".".repeat(64_000) + " "))),
            0,
            true);
      }
    }

    private List<String> goodLines(String folder) {
      List<String> lines = new ArrayList<>();
      switch (folder) {
        case "customer" -> {
          for (Person p : consenting) {
            lines.add(customerJson(p, p.registered(), p.consent()));
          }
        }
        case "accelerometer", "step_trainer" -> {
          boolean phone = folder.equals("accelerometer");
          List<Person> owners = phone ? consenting : consenting.subList(0, WITH_STEP_TRAINER);
          for (Person p : owners) {
            for (int r = 0; r < READINGS_PER_CUSTOMER; r++) {
              // Phone and step trainer readings of one customer share their milliseconds.
              lines.add(reading(phone, p, p.consent() + MINUTE + r * 100L));
            }
          }
        }
        default -> {
          for (int i = 0; i < 3; i++) {
            lines.add(
                "{\"deviceId\":\"door-"
                    + i
                    + "\",\"event\":\"ring\",\"time\":"
                    + (BASE_TIME + i)
                    + "}");
          }
        }
      }
      return lines;
    }

    /** A new valid record of {@code folder}, unlike every other one in the corpus. */
    private String fresh(String folder) {
      int n = ++variants;
      return switch (folder) {
        case "customer" -> {
          long registered = BASE_TIME + 20 * HOUR + n * MINUTE;
          Person p =
              new Person(
                  "Variant " + n,
                  "v" + n + ".hostile@test.com",
                  new UUID(random.nextLong(), random.nextLong()).toString(),
                  registered,
                  registered);
          yield customerJson(p, registered, registered);
        }
        case "accelerometer" -> {
          Person p = consenting.get(n % CONSENTING);
          yield reading(true, p, p.consent() + HOUR + n * 7L);
        }
        case "step_trainer" -> {
          Person p = consenting.get(n % WITH_STEP_TRAINER);
          yield reading(false, p, p.consent() + HOUR + n * 7L);
        }
        default ->
            "{\"deviceId\":\"door-v"
                + n
                + "\",\"event\":\"ring\",\"time\":"
                + (BASE_TIME + HOUR + n)
                + "}";
      };
    }

    private String customerJson(Person p, long updated, @Nullable Long consent) {
      ObjectNode node = MAPPER.createObjectNode();
      node.put("customerName", p.name());
      node.put("email", p.email());
      node.put("phone", "8015551212");
      node.put("birthDay", "1980-0" + (1 + random.nextInt(9)) + "-1" + random.nextInt(10));
      node.put("serialNumber", p.serial());
      node.put("registrationDate", p.registered());
      node.put("lastUpdateDate", updated);
      if (consent != null && consent >= 0) {
        node.put("shareWithResearchAsOfDate", consent);
      }
      return node.toString();
    }

    private String reading(boolean phone, Person p, long time) {
      ObjectNode node = MAPPER.createObjectNode();
      if (phone) {
        node.put("user", p.email());
        node.put("timestamp", time);
        node.put("x", Math.round((random.nextDouble() * 2 - 1) * 1000) / 1000.0);
        node.put("y", Math.round((random.nextDouble() * 2 - 1) * 1000) / 1000.0);
        node.put("z", Math.round((random.nextDouble() * 2 - 1) * 1000) / 1000.0);
      } else {
        node.put("sensorReadingTime", time);
        node.put("serialNumber", p.serial());
        node.put("distanceFromObject", 50 + random.nextInt(250));
      }
      return node.toString();
    }

    /** The record with its numeric field (for the unknown folder: {@code time}) set to raw text. */
    private String numberField(String folder, String raw) {
      String field =
          switch (folder) {
            case "customer" -> "registrationDate";
            case "accelerometer" -> "x";
            case "step_trainer" -> "distanceFromObject";
            default -> "time";
          };
      return replaceNumber(fresh(folder), field, raw);
    }

    private List<String> wrongTypes(String folder) {
      List<String> lines = new ArrayList<>();
      switch (folder) {
        case "customer" -> {
          lines.add(
              replaceText(fresh(folder), "email", null).replace("\"email\":null", "\"email\":42"));
          lines.add(replaceNumber(fresh(folder), "lastUpdateDate", "\"1691280000000\""));
          lines.add(replaceNumber(fresh(folder), "registrationDate", "true"));
          lines.add(replaceNumber(fresh(folder), "shareWithResearchAsOfDate", "{\"at\":1}"));
          lines.add(
              replaceText(fresh(folder), "serialNumber", null)
                  .replace("\"serialNumber\":null", "\"serialNumber\":[\"a\"]"));
        }
        case "accelerometer" -> {
          lines.add(replaceNumber(fresh(folder), "x", "\"1.5\""));
          lines.add(replaceNumber(fresh(folder), "y", "[1]"));
          lines.add(replaceNumber(fresh(folder), "z", "false"));
          lines.add(replaceNumber(fresh(folder), "timestamp", "\"soon\""));
          lines.add(
              replaceText(fresh(folder), "user", null).replace("\"user\":null", "\"user\":{}"));
        }
        default -> {
          lines.add(replaceNumber(fresh(folder), "distanceFromObject", "\"far\""));
          lines.add(replaceNumber(fresh(folder), "distanceFromObject", "-5"));
          lines.add(replaceNumber(fresh(folder), "distanceFromObject", "2.5"));
          lines.add(
              replaceNumber(fresh(folder), "sensorReadingTime", "null").replace("null", "[]"));
          lines.add(
              replaceText(fresh(folder), "serialNumber", null)
                  .replace("\"serialNumber\":null", "\"serialNumber\":7"));
        }
      }
      return lines;
    }

    private List<String> missingFields(String folder) {
      List<String> fields =
          switch (folder) {
            case "customer" ->
                List.of(
                    "customerName",
                    "email",
                    "phone",
                    "birthDay",
                    "serialNumber",
                    "registrationDate",
                    "lastUpdateDate");
            case "accelerometer" -> List.of("user", "timestamp", "x", "y", "z");
            default -> List.of("sensorReadingTime", "serialNumber", "distanceFromObject");
          };
      List<String> lines = new ArrayList<>();
      boolean asNull = false;
      for (String field : fields) {
        ObjectNode node = parse(fresh(folder));
        if (asNull) {
          node.putNull(field);
        } else {
          node.remove(field);
        }
        asNull = !asNull;
        lines.add(node.toString());
      }
      lines.add("{}");
      return lines;
    }

    private List<String> pathTraversal(String folder, boolean customer) {
      List<String> lines = new ArrayList<>();
      lines.add(replaceText(fresh(folder), "serialNumber", "../../etc/passwd"));
      lines.add(replaceText(fresh(folder), "serialNumber", "..\\..\\..\\windows\\win.ini"));
      lines.add(replaceText(fresh(folder), "serialNumber", "%2e%2e%2f%2e%2e%2fetc"));
      if (customer) {
        lines.add(replaceText(fresh(folder), "email", "../../etc@evil.example.com"));
        lines.add(replaceText(fresh(folder), "email", "root@../../etc"));
      }
      return lines;
    }

    private void valid(String folder, String name, String about, List<String> lines) {
      boolean unknown = folder.equals(UNKNOWN_FOLDER);
      add(
          folder,
          name,
          about,
          unknown ? Expect.REJECTED : Expect.TRUSTED,
          unknown ? UNKNOWN_DATASET : null,
          utf8(lines));
    }

    private void rejected(
        String folder, String name, String about, String reason, List<String> lines) {
      add(
          folder,
          name,
          about,
          Expect.REJECTED,
          folder.equals(UNKNOWN_FOLDER) ? UNKNOWN_DATASET : reason,
          utf8(lines));
    }

    private void add(
        String folder,
        String name,
        String about,
        Expect expect,
        @Nullable String reason,
        List<byte[]> lines) {
      add(folder, name, about, expect, reason, lines, 0);
    }

    private void add(
        String folder,
        String name,
        String about,
        Expect expect,
        @Nullable String reason,
        List<byte[]> lines,
        int kafkaOnly) {
      add(folder, name, about, expect, reason, lines, kafkaOnly, false);
    }

    private void add(
        String folder,
        String name,
        String about,
        Expect expect,
        @Nullable String reason,
        List<byte[]> lines,
        int kafkaOnly,
        boolean largeTier) {
      for (byte[] line : lines) {
        for (byte b : line) {
          if (b == '\n') {
            throw new IllegalStateException(folder + "/" + name + ": a line holds a newline");
          }
        }
      }
      kinds.add(
          new Kind(folder, name, about, expect, reason, largeTier, List.copyOf(lines), kafkaOnly));
    }

    private byte[] binary(int length) {
      byte[] bytes = new byte[length];
      random.nextBytes(bytes);
      for (int i = 0; i < length; i++) {
        if (bytes[i] == '\n' || bytes[i] == '\r') {
          bytes[i] = 0x00;
        }
      }
      bytes[0] = (byte) 0xFF; // never UTF-8, whatever the rest happens to be
      return bytes;
    }

    private static String nested(int depth) {
      return "[".repeat(depth) + "]".repeat(depth);
    }

    private static String nestedObjects(int depth) {
      return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    private String digits(int count) {
      StringBuilder number = new StringBuilder(count);
      number.append((char) ('1' + random.nextInt(9)));
      while (number.length() < count) {
        number.append((char) ('0' + random.nextInt(10)));
      }
      return number.toString();
    }

    /** {@code object} (one JSON object's text) with {@code "name": raw} added last. */
    private static String withField(String object, String name, String raw) {
      return object.substring(0, object.length() - 1) + ",\"" + name + "\":" + raw + "}";
    }

    private static String truncate(String object) {
      return object.substring(0, object.length() / 2);
    }

    /** Pads a valid record with an extra string field to exactly {@code bytes} bytes. */
    private static String padTo(String object, int bytes) {
      String empty = withField(object, "pad", "\"\"");
      return withField(object, "pad", "\"" + "p".repeat(bytes - utf8(empty).length) + "\"");
    }

    private static ObjectNode parse(String object) {
      try {
        return (ObjectNode) MAPPER.readTree(object);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The object with a field's value replaced by raw JSON text (added when absent). */
    private static String replaceNumber(String object, String field, String raw) {
      ObjectNode node = parse(object);
      if (!node.has(field)) {
        return withField(object, field, raw);
      }
      node.put(field, "\u0000PLACEHOLDER\u0000");
      return node.toString().replace("\"\\u0000PLACEHOLDER\\u0000\"", raw);
    }

    /** The object with a string field set to {@code text} (escaped), or null. */
    private static String replaceText(String object, String field, @Nullable String text) {
      ObjectNode node = parse(object);
      if (text == null) {
        node.putNull(field);
      } else {
        node.put(field, text);
      }
      return node.toString();
    }

    /** The object with raw escape text inserted after the first character of a string field. */
    private static String insertEscape(String object, String field, String escape) {
      ObjectNode node = parse(object);
      String value = node.get(field).asText();
      String marker = "\u0001MARK\u0001";
      node.put(field, value.charAt(0) + marker + value.substring(1));
      return node.toString().replace("\\u0001MARK\\u0001", escape);
    }

    /** The object with {@code field} written twice: with the same value, or another one. */
    private static String duplicateKey(String object, String field, boolean otherValue) {
      ObjectNode node = parse(object);
      String value = node.get(field).toString();
      String again = otherValue ? Long.toString(node.get(field).asLong() + 1) : value;
      return withField(object, field, again);
    }

    private static byte[] splice(String object, byte[] bytes) {
      byte[] text = utf8(object);
      int at = object.indexOf(":\"") + 2;
      return concat(
          concat(Arrays.copyOf(text, at), bytes), Arrays.copyOfRange(text, at, text.length));
    }

    private static byte[] concat(byte[] a, byte[] b) {
      byte[] both = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, both, a.length, b.length);
      return both;
    }

    private static byte[] latin1(String text) {
      return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] utf8(String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> utf8(List<String> lines) {
      return lines.stream().map(Builder::utf8).toList();
    }
  }
}
