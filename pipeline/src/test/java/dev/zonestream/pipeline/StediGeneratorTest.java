package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.StediGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StediGeneratorTest {
  private static final Path FIXED = Path.of("..", "testdata", "generated", "seed-7-customers-20");

  @Test
  void reproducesTheCommittedOutputByteForByte(@TempDir Path out) throws Exception {
    StediGenerator.writeTo(new StediGenerator(20, 7, true).generate(), out);

    for (String folder : List.of("customer", "accelerometer", "step_trainer", "thermostat")) {
      Path name = Path.of(folder, folder + "-0.jsonl");
      assertThat(
          folder,
          Arrays.equals(
              Files.readAllBytes(out.resolve(name)), Files.readAllBytes(FIXED.resolve(name))),
          equalTo(true));
    }
  }

  @Test
  void anotherSeedGivesOtherData() {
    Map<String, List<byte[]>> a = new StediGenerator(20, 7, false).generate();
    Map<String, List<byte[]>> b = new StediGenerator(20, 8, false).generate();
    assertThat(Arrays.equals(a.get("customer").get(0), b.get("customer").get(0)), equalTo(false));
  }

  @Test
  void partsNumberedApartHaveDisjointEmails() throws Exception {
    Set<String> first = emails(new StediGenerator(30, 7, false, 0).generate());
    Set<String> second = emails(new StediGenerator(30, 8, false, 30).generate());
    assertThat(first.size(), equalTo(30));
    assertThat(second.size(), equalTo(30));
    Set<String> both = new HashSet<>(first);
    both.addAll(second);
    assertThat(both.size(), equalTo(60));
    assertThat(
        Arrays.equals(
            new StediGenerator(5, 7, false, 0).generate().get("customer").get(0),
            new StediGenerator(5, 7, false).generate().get("customer").get(0)),
        equalTo(true));
  }

  private static Set<String> emails(Map<String, List<byte[]>> data) throws Exception {
    Set<String> emails = new HashSet<>();
    for (byte[] message : data.get("customer")) {
      emails.add(LakeFiles.MAPPER.readTree(message).get("email").asText());
    }
    return emails;
  }

  @Test
  void cleanDataHasConsentingAndNonConsentingCustomersAndJoinableReadings() throws Exception {
    Map<String, List<byte[]>> data = new StediGenerator(50, 3, false).generate();
    assertThat(data, not(hasKey(StediGenerator.UNKNOWN_FOLDER)));

    int consenting = 0;
    int without = 0;
    Set<String> emails = new HashSet<>();
    for (byte[] message : data.get("customer")) {
      JsonNode customer = LakeFiles.MAPPER.readTree(message);
      emails.add(customer.get("email").asText());
      if (customer.has("shareWithResearchAsOfDate")) {
        consenting++;
      } else {
        without++;
      }
    }
    assertThat(consenting, greaterThan(0));
    assertThat(without, greaterThan(0));

    Set<Long> stepTimes = new HashSet<>();
    for (byte[] message : data.get("step_trainer")) {
      stepTimes.add(LakeFiles.MAPPER.readTree(message).get("sensorReadingTime").asLong());
    }
    long joinable =
        data.get("accelerometer").stream()
            .map(m -> readUnchecked(m))
            .filter(r -> emails.contains(r.get("user").asText()))
            .filter(r -> stepTimes.contains(r.get("timestamp").asLong()))
            .count();
    assertThat(joinable, greaterThan(0L));
  }

  @Test
  void anomaliesIncludeDuplicatesBrokenPayloadsAndAnUnknownDataset() {
    Map<String, List<byte[]>> data = new StediGenerator(20, 7, true).generate();
    assertThat(data, hasKey(StediGenerator.UNKNOWN_FOLDER));

    Set<String> seen = new HashSet<>();
    long duplicates =
        data.get("accelerometer").stream()
            .map(LakeFiles::canonical)
            .filter(p -> !seen.add(p))
            .count();
    long notJson =
        data.values().stream()
            .flatMap(List::stream)
            .map(LakeFiles::canonical)
            .filter(p -> p.startsWith("base64:"))
            .count();
    assertThat(duplicates, greaterThan(0L));
    assertThat(notJson, greaterThan(2L));
  }

  private static JsonNode readUnchecked(byte[] message) {
    try {
      return LakeFiles.MAPPER.readTree(message);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
