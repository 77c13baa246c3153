package dev.zonestream.trusted;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.model.SourceKind;
import dev.zonestream.spec.LakeSpec;
import dev.zonestream.spec.PayloadRules;
import dev.zonestream.spec.SpecReader;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The shipped STEDI spec, applied by the generic {@link PayloadRules}, decides every message of the
 * project's test data as the STEDI code ({@link RecordRules}) does: the same rejects with the same
 * reason, the same records with the same values. The data: the hostile corpus (every kind of bad
 * message), the generated seed data and the small fixtures.
 */
class PayloadRulesMatchRecordRulesTest {
  /** The project's test data; {@code -Drules.data=DIR} compares another folder's (STEDI's). */
  private static final Path TESTDATA = Path.of(System.getProperty("rules.data", "../testdata"));

  private static final int MAX_PAYLOAD_BYTES = 65_536;

  /** Each line of each file of a dataset's folders under {@code testdata/}, as bytes. */
  private static List<byte[]> messages(String dataset) throws IOException {
    List<byte[]> messages = new ArrayList<>();
    try (Stream<Path> files = Files.walk(TESTDATA)) {
      for (Path file :
          files
              .filter(Files::isRegularFile)
              .filter(f -> f.getParent().getFileName().toString().equals(dataset))
              .filter(f -> f.toString().matches(".*\\.jsonl?"))
              .sorted()
              .toList()) {
        byte[] bytes = Files.readAllBytes(file);
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
          if (i == bytes.length || bytes[i] == '\n') {
            if (i > start) {
              messages.add(Arrays.copyOfRange(bytes, start, i));
            }
            start = i + 1;
          }
        }
      }
    }
    return messages;
  }

  @Test
  void everyMessageOfTheTestDataIsDecidedAlike() throws Exception {
    LakeSpec stedi = SpecReader.stedi();
    int compared = 0;
    int rejected = 0;
    for (String dataset : List.of("customer", "accelerometer", "step_trainer")) {
      PayloadRules rules = PayloadRules.of(stedi.datasets().get(dataset));
      for (byte[] payload : messages(dataset)) {
        String what = dataset + ": " + new String(payload, StandardCharsets.UTF_8);
        RecordRules.Outcome code =
            RecordRules.apply(
                new Envelope(dataset, SourceKind.FILES, "test", null, "1", 0, 0, payload),
                MAX_PAYLOAD_BYTES);
        PayloadRules.Outcome spec = rules.apply(payload, MAX_PAYLOAD_BYTES);
        assertThat(what, spec.reason(), equalTo(code.reason()));
        if (code.record() != null) {
          GenericRecord record = spec.record();
          for (RecordComponent component : code.record().getClass().getRecordComponents()) {
            Object expected = component.getAccessor().invoke(code.record());
            // Both keep the payload's unknown fields, each as its JSON text.
            Object actual =
                record.get(
                    component.getName().equals("extra") ? PayloadRules.EXTRA : component.getName());
            if (actual instanceof Map<?, ?> map) {
              actual = new java.util.TreeMap<>(map);
            }
            assertThat(
                what + " " + component.getName(),
                actual == null ? null : actual.toString(),
                equalTo(expected == null ? null : expected.toString()));
          }
          // Nothing the payload holds is lost: what the schema does not declare is in _extra.
          assertThat(
              what,
              ((Map<?, ?>) record.get(PayloadRules.EXTRA)).size()
                  + record.getSchema().getFields().size()
                  - 1,
              greaterThanOrEqualTo(JsonPayload.parse(payload).value().size()));
        } else {
          rejected++;
        }
        compared++;
      }
    }
    System.out.printf(
        "%d messages of %s decided alike, %d rejected%n", compared, TESTDATA, rejected);
    assertThat(compared, greaterThan(1000));
    assertThat(rejected, greaterThan(50));
  }

  private static org.hamcrest.Matcher<Integer> greaterThanOrEqualTo(int n) {
    return org.hamcrest.Matchers.greaterThanOrEqualTo(n);
  }
}
