package dev.zonestream.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zonestream.model.Dataset;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * A seeded generator of STEDI-shaped messages (customer, accelerometer, step_trainer): the same
 * seed and size give the same bytes on every machine.
 *
 * <p>Each customer registers, may consent to research use (some later than they registered, by a
 * second, newer record), may use the phone app (accelerometer) and a step trainer; a session
 * produces step-trainer readings and phone readings of the same customer at the same milliseconds,
 * several phone readings sometimes sharing one timestamp. Some sessions start before the customer's
 * consent.
 *
 * <p>With anomalies on, it also mixes in what brokers deliver in real life: malformed JSON, binary
 * payloads, wrong types, missing fields, an oversized payload, exact duplicates, messages of an
 * unknown dataset ({@value #UNKNOWN_FOLDER}), readings that arrive long after their event time, and
 * every dataset in shuffled order.
 */
public final class StediGenerator {
  /** The folder of messages of a dataset zonestream does not know. */
  public static final String UNKNOWN_FOLDER = "thermostat";

  /** 2023-08-06T00:00:00Z, near the public STEDI data's own times. */
  public static final long BASE_TIME = 1_691_280_000_000L;

  private static final long DAY = 86_400_000L;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String[] FIRST =
      "Ada Ben Chen Dana Eli Fatima Gus Hana Ivan Jade Kai Lena Marco Nia Omar Pia Quinn Rosa Sam Tess"
          .split(" ");
  private static final String[] LAST =
      "Abara Berg Clayton Diaz Eklund Fox Garcia Hale Ito Jones Khatib Lund Mori Nagy Ortiz Park"
          .split(" ");

  private final int customers;
  private final long seed;
  private final boolean anomalies;
  private final int firstCustomer;

  public StediGenerator(int customers, long seed, boolean anomalies) {
    this(customers, seed, anomalies, 0);
  }

  /**
   * As above, numbering the customers (their emails) from {@code firstCustomer}: generators with
   * other seeds and disjoint numbers make one fleet together, a part at a time.
   */
  public StediGenerator(int customers, long seed, boolean anomalies, int firstCustomer) {
    if (customers < 1) {
      throw new IllegalArgumentException("customers must be at least 1, got " + customers);
    }
    if (firstCustomer < 0) {
      throw new IllegalArgumentException(
          "firstCustomer must not be negative, got " + firstCustomer);
    }
    this.customers = customers;
    this.seed = seed;
    this.anomalies = anomalies;
    this.firstCustomer = firstCustomer;
  }

  /** Messages by folder (dataset name, or {@link #UNKNOWN_FOLDER}), in publishing order. */
  public Map<String, List<byte[]>> generate() {
    Random random = new Random(seed);
    List<byte[]> customerMessages = new ArrayList<>();
    List<byte[]> accelerometer = new ArrayList<>();
    List<byte[]> stepTrainer = new ArrayList<>();

    for (int i = 0; i < customers; i++) {
      String first = FIRST[random.nextInt(FIRST.length)];
      String last = LAST[random.nextInt(LAST.length)];
      String email = first + "." + last + "." + (firstCustomer + i) + "@test.com";
      String serial = new UUID(random.nextLong(), random.nextLong()).toString();
      long registered = BASE_TIME + (long) (random.nextDouble() * 20 * DAY);
      boolean consents = random.nextDouble() < 0.6;
      long consentTime = consents ? registered + (long) (random.nextDouble() * 3 * DAY) : -1;
      String birthDay =
          random.nextDouble() < 0.05
              ? "999-01-01"
              : String.format(
                  "%d-%02d-%02d",
                  1940 + random.nextInt(65), 1 + random.nextInt(12), 1 + random.nextInt(28));

      customerMessages.add(
          customer(first + " " + last, email, birthDay, serial, registered, consentTime, random));

      // A newer record: consent given later. (Withdrawals are not generated: a stream decides
      // the readings sent before a withdrawal differently from a backfill, by design; the tests
      // that need one publish it themselves, after the readings, as it happens in real life.)
      if (!consents && random.nextDouble() < 0.25) {
        long updated = registered + DAY;
        long newConsent = updated;
        customerMessages.add(
            toBytes(
                customerNode(
                    first + " " + last, email, birthDay, serial, registered, updated, newConsent)));
      }

      boolean usesApp = random.nextDouble() < 0.8;
      boolean hasTrainer = random.nextDouble() < 0.7;
      int sessions = 1 + random.nextInt(2);
      for (int s = 0; s < sessions; s++) {
        long start = registered + (long) (random.nextDouble() * 4 * DAY);
        int readings = 5 + random.nextInt(20);
        for (int r = 0; r < readings; r++) {
          long t = start + r * 100L;
          if (hasTrainer) {
            stepTrainer.add(stepReading(t, serial, 50 + random.nextInt(250)));
          }
          if (usesApp) {
            accelerometer.add(accelerometerReading(email, t, random));
            if (random.nextDouble() < 0.1) {
              accelerometer.add(accelerometerReading(email, t, random)); // same ms, other x/y/z
            }
            if (random.nextDouble() < 0.2) {
              accelerometer.add(accelerometerReading(email, t + 37, random)); // phone alone
            }
          }
        }
      }
    }

    Map<String, List<byte[]>> messages = new LinkedHashMap<>();
    messages.put(Dataset.CUSTOMER.folder(), customerMessages);
    messages.put(Dataset.ACCELEROMETER.folder(), accelerometer);
    messages.put(Dataset.STEP_TRAINER.folder(), stepTrainer);
    if (anomalies) {
      addAnomalies(messages, random);
    }
    return messages;
  }

  /** Writes {@code <dir>/<folder>/<folder>-0.jsonl}, one message per line. */
  public static void writeTo(Map<String, List<byte[]>> messages, Path dir) throws IOException {
    for (Map.Entry<String, List<byte[]>> entry : messages.entrySet()) {
      Path folder = Files.createDirectories(dir.resolve(entry.getKey()));
      try (OutputStream out = Files.newOutputStream(folder.resolve(entry.getKey() + "-0.jsonl"))) {
        for (byte[] message : entry.getValue()) {
          out.write(message);
          out.write('\n');
        }
      }
    }
  }

  private void addAnomalies(Map<String, List<byte[]>> messages, Random random) {
    List<byte[]> customers = messages.get(Dataset.CUSTOMER.folder());
    List<byte[]> accelerometer = messages.get(Dataset.ACCELEROMETER.folder());
    List<byte[]> stepTrainer = messages.get(Dataset.STEP_TRAINER.folder());

    // Exact duplicates: the same payload delivered twice.
    for (List<byte[]> list : List.of(customers, accelerometer, stepTrainer)) {
      int duplicates = Math.max(1, list.size() / 50);
      for (int i = 0; i < duplicates; i++) {
        list.add(list.get(random.nextInt(list.size())).clone());
      }
    }
    // Broken messages, one of each kind per dataset.
    customers.add(utf8("{\"customerName\": \"Broken Record\", \"email\": \"broken@test.com\""));
    customers.add(
        utf8(
            "{\"customerName\":\"No Email\",\"phone\":\"8015551212\",\"birthDay\":\"1980-01-01\","
                + "\"serialNumber\":\""
                + new UUID(random.nextLong(), random.nextLong())
                + "\",\"registrationDate\":"
                + BASE_TIME
                + ",\"lastUpdateDate\":"
                + BASE_TIME
                + "}"));
    customers.add(
        utf8("{\"customerName\":\"" + "X".repeat(200_000) + "\",\"email\":\"big@test.com\"}"));
    accelerometer.add(
        utf8("{\"user\":\"nobody@test.com\",\"timestamp\":\"soon\",\"x\":1,\"y\":2,\"z\":3}"));
    accelerometer.add(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0x80, '\t', 'z'});
    accelerometer.add(utf8("[1, 2, 3]"));
    stepTrainer.add(
        utf8(
            "{\"sensorReadingTime\":"
                + BASE_TIME
                + ",\"serialNumber\":\"not-a-uuid\","
                + "\"distanceFromObject\":\"far\"}"));
    stepTrainer.add(utf8("not json at all"));

    // Late: readings whose event time is days before the rest, sent last.
    for (List<byte[]> list : List.of(accelerometer, stepTrainer)) {
      Collections.shuffle(list, random);
    }
    Collections.shuffle(customers, random);
    accelerometer.add(accelerometerReading("late.reader@test.com", BASE_TIME - 3 * DAY, random));
    stepTrainer.add(
        stepReading(
            BASE_TIME - 3 * DAY, new UUID(random.nextLong(), random.nextLong()).toString(), 99));

    List<byte[]> unknown = new ArrayList<>();
    unknown.add(utf8("{\"deviceId\":\"thermo-1\",\"celsius\":21.5,\"time\":" + BASE_TIME + "}"));
    unknown.add(
        utf8("{\"deviceId\":\"thermo-2\",\"celsius\":19.0,\"time\":" + (BASE_TIME + 1000) + "}"));
    messages.put(UNKNOWN_FOLDER, unknown);
  }

  private static byte[] customer(
      String name,
      String email,
      String birthDay,
      String serial,
      long registered,
      long consent,
      Random random) {
    ObjectNode node =
        customerNode(
            name, email, birthDay, serial, registered, Math.max(registered, consent), consent);
    if (random.nextBoolean()) {
      node.put("shareWithPublicAsOfDate", registered);
    }
    if (random.nextBoolean()) {
      node.put("shareWithFriendsAsOfDate", registered);
    }
    return toBytes(node);
  }

  /** A customer record; a negative {@code consent} leaves the consent key out, as STEDI does. */
  private static ObjectNode customerNode(
      String name,
      String email,
      String birthDay,
      String serial,
      long registered,
      long updated,
      long consent) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("customerName", name);
    node.put("email", email);
    node.put("phone", "8015551212");
    node.put("birthDay", birthDay);
    node.put("serialNumber", serial);
    node.put("registrationDate", registered);
    node.put("lastUpdateDate", updated);
    if (consent >= 0) {
      node.put("shareWithResearchAsOfDate", consent);
    }
    return node;
  }

  private static byte[] accelerometerReading(String email, long time, Random random) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("user", email);
    node.put("timestamp", time);
    node.put("x", Math.round((random.nextDouble() * 2 - 1) * 1000) / 1000.0);
    node.put("y", Math.round((random.nextDouble() * 2 - 1) * 1000) / 1000.0);
    node.put("z", Math.round((random.nextDouble() * 2 - 1) * 1000) / 1000.0);
    return toBytes(node);
  }

  private static byte[] stepReading(long time, String serial, int distance) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("sensorReadingTime", time);
    node.put("serialNumber", serial);
    node.put("distanceFromObject", distance);
    return toBytes(node);
  }

  private static byte[] toBytes(ObjectNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
