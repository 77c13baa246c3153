package dev.zonestream.trusted;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.Customer;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.StepTrainerReading;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecordRulesTest {
  private static final String SERIAL = "0f2d4c1e-6b7a-4f1e-9c3d-2a1b0c9d8e7f";
  private static final int LIMIT = 64 * 1024;

  private static RecordRules.Outcome apply(String dataset, String payload) {
    return RecordRules.apply(Messages.of(dataset, payload), LIMIT);
  }

  @Test
  void validCustomerWithoutConsentBecomesATypedRecordWithANullConsentAndItsUnknownFieldKept() {
    RecordRules.Outcome outcome =
        apply(
            "customer",
            "{\"customerName\":\"Ben Berg\",\"email\":\"Ben.Berg@test.com\",\"phone\":\"8015551212\","
                + "\"birthDay\":\"999-01-01\",\"serialNumber\":\""
                + SERIAL
                + "\",\"registrationDate\":1655564414415,"
                + "\"lastUpdateDate\":1655564414415,\"futureField\":{\"a\":1}}");

    assertThat(outcome.reason(), nullValue());
    assertThat(
        outcome.record(),
        equalTo(
            new Customer(
                "Ben Berg",
                "Ben.Berg@test.com",
                "8015551212",
                "999-01-01",
                SERIAL,
                1655564414415L,
                1655564414415L,
                null,
                null,
                null,
                Map.of("futureField", "{\"a\":1}"))));
  }

  @Test
  void validReadingsBecomeTypedRecords() {
    assertThat(
        apply(
                "accelerometer",
                "{\"user\":\"a@test.com\",\"timestamp\":1655564444000,\"x\":1,\"y\":-0.5,\"z\":0.0}")
            .record(),
        equalTo(new AccelerometerReading("a@test.com", 1655564444000L, 1.0, -0.5, 0.0)));
    assertThat(
        apply(
                "step_trainer",
                "{\"sensorReadingTime\":1655564444000,\"serialNumber\":\""
                    + SERIAL
                    + "\",\"distanceFromObject\":218}")
            .record(),
        equalTo(new StepTrainerReading(1655564444000L, SERIAL, 218)));
  }

  @ParameterizedTest(name = "{0}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "customer|{\"customerName\": \"Broken\"|not JSON: Unexpected end-of-input",
        "customer|[1,2]|not a JSON object",
        "customer|{\"customerName\":\"A\",\"phone\":\"1\",\"birthDay\":\"x\",\"serialNumber\":\"0f2d4c1e-6b7a-4f1e-9c3d-2a1b0c9d8e7f\",\"registrationDate\":1,\"lastUpdateDate\":2}|email: missing",
        "customer|{\"customerName\":\"A\",\"email\":\"not-an-email\",\"phone\":\"1\",\"birthDay\":\"x\",\"serialNumber\":\"nope\",\"registrationDate\":1,\"lastUpdateDate\":2}|email: not an email address; serialNumber: not a UUID",
        "customer|{\"customerName\":\"A\",\"email\":\"a@test.com\",\"phone\":\"1\",\"birthDay\":\"x\",\"serialNumber\":\"0f2d4c1e-6b7a-4f1e-9c3d-2a1b0c9d8e7f\",\"registrationDate\":\"yesterday\",\"lastUpdateDate\":99999999999999,\"shareWithResearchAsOfDate\":1.5}|registrationDate: expected integer epoch milliseconds, got string; lastUpdateDate: 99999999999999 is not a plausible epoch-ms time (1970 to 2100); shareWithResearchAsOfDate: expected integer epoch milliseconds, got 1.5",
        "accelerometer|{\"user\":\"a@test.com\",\"timestamp\":\"soon\",\"x\":1,\"y\":2,\"z\":3}|timestamp: expected integer epoch milliseconds, got string",
        "accelerometer|{\"user\":\"a@test.com\",\"timestamp\":1655564444000,\"x\":\"1\",\"y\":1e999,\"z\":null}|x: expected a finite number, got string; y: expected a finite number, got Infinity; z: missing",
        "step_trainer|{\"sensorReadingTime\":1655564444000,\"serialNumber\":\"0f2d4c1e-6b7a-4f1e-9c3d-2a1b0c9d8e7f\",\"distanceFromObject\":-3}|distanceFromObject: expected a non-negative integer, got -3",
        "step_trainer|not json at all|not JSON: Unrecognized token 'not'",
        "thermostat|{\"deviceId\":\"t1\"}|unknown dataset: no topic, stream, queue or folder maps to one",
        "_unrouted|{\"deviceId\":\"t1\"}|unknown dataset: no topic, stream, queue or folder maps to one",
      })
  void badMessageIsRejectedWithEveryRuleItBreaks(String dataset, String payload, String reason) {
    RecordRules.Outcome outcome = apply(dataset, payload);

    assertThat(outcome.record(), nullValue());
    assertThat(outcome.reason().startsWith(reason), equalTo(true));
  }

  @Test
  void binaryAndOversizedPayloadsAreRejected() {
    assertThat(
        RecordRules.apply(Messages.of("accelerometer", new byte[] {(byte) 0xff, 0}), LIMIT)
            .reason(),
        equalTo("not UTF-8"));
    assertThat(
        RecordRules.apply(
                Messages.of("customer", "{\"customerName\":\"" + "X".repeat(100) + "\"}"), 50)
            .reason(),
        equalTo("oversized payload: 119 bytes, more than the limit of 50"));
  }

  private static String customer(String name, String email) {
    return "{\"customerName\":\""
        + name
        + "\",\"email\":\""
        + email
        + "\",\"phone\":\"1\",\"birthDay\":\"x\",\"serialNumber\":\""
        + SERIAL
        + "\",\"registrationDate\":1655564414415,\"lastUpdateDate\":1655564414415}";
  }

  @Test
  void textWithAnUnpairedSurrogateIsRejectedAndAPairIsKept() {
    for (String escape : new String[] {"\\ud800", "\\udc00", "\\ude00\\ud83d", "a\\ud800"}) {
      assertThat(
          escape,
          apply("customer", customer("Ada " + escape, "a@test.com")).reason(),
          equalTo("customerName: not Unicode text (an unpaired surrogate escape)"));
    }
    Customer kept =
        (Customer) apply("customer", customer("Ada \\ud83d\\ude00", "a@test.com")).record();
    assertThat(kept.customerName(), equalTo("Ada \ud83d\ude00"));
  }

  @Test
  void pathLikeAndOverlongAddressesAreNoAddresses() {
    for (String email :
        new String[] {
          "../../etc@evil.example.com",
          "root@../../etc",
          "a..b@test.com",
          "a@test..com",
          "a@test.com.",
          "a@test",
          "a".repeat(250) + "@test.com"
        }) {
      assertThat(
          email,
          apply("customer", customer("Ada", email)).reason(),
          equalTo("email: not an email address"));
    }
    assertThat(
        apply("customer", customer("Ada", "ada.o'brien+stedi@mail.test.com")).reason(),
        nullValue());
  }

  @Test
  void anAddressBuiltToBacktrackIsRefusedQuickly() {
    // The pattern used before took 12 s for this one message.
    String dots = "a@" + ".".repeat(64_000) + " ";
    long start = System.nanoTime();

    String reason = apply("customer", customer("Ada", dots)).reason();

    assertThat(reason, equalTo("email: not an email address"));
    assertThat((System.nanoTime() - start) / 1_000_000 < 1000, equalTo(true));
  }

  @Test
  void aPayloadOfExactlyTheLimitIsParsedAndOneByteMoreIsNot() {
    String record = customer("Ada", "a@test.com");
    String base = record.substring(0, record.length() - 1) + ",\"pad\":\"\"}";
    int padding = LIMIT - base.length();
    String atLimit =
        record.substring(0, record.length() - 1) + ",\"pad\":\"" + "p".repeat(padding) + "\"}";
    String overLimit = atLimit.replace("\"pad\":\"", "\"pad\":\"p");

    assertThat(atLimit.length(), equalTo(LIMIT));
    assertThat(apply("customer", atLimit).reason(), nullValue());
    assertThat(
        apply("customer", overLimit).reason(),
        equalTo("oversized payload: 65537 bytes, more than the limit of 65536"));
  }

  @Test
  void aRecordAsLargeAsTheConfiguredLimitAllowsIsParsedAndCoded() throws Exception {
    // With --maxPayloadBytes raised to 32 MB, a name longer than Jackson's default string limit
    // (20,000,000 characters) passes the rules and must pass the records' coder too.
    String name = "N".repeat(20_000_001);
    Customer record =
        (Customer)
            RecordRules.apply(Messages.of("customer", customer(name, "a@test.com")), 32 << 20)
                .record();

    assertThat(record.customerName().length(), equalTo(name.length()));
    assertThat(
        org.apache.beam.sdk.util.CoderUtils.clone(JsonRecordCoder.of(Customer.class), record),
        equalTo(record));
  }

  @Test
  void aRepeatedFieldIsAmbiguous() {
    String record = customer("Ada", "a@test.com");
    assertThat(
        apply("customer", record.replace("\"phone\":\"1\"", "\"phone\":\"1\",\"phone\":\"2\""))
            .reason(),
        equalTo("ambiguous JSON: duplicate field 'phone'"));
  }
}
