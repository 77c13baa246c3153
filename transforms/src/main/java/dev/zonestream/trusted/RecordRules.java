package dev.zonestream.trusted;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.Customer;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.model.StepTrainerReading;
import dev.zonestream.model.UnknownFields;
import dev.zonestream.spec.PayloadRules;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The trusted zone's rules per dataset: required fields, types, plausible epoch-ms times, UUID
 * serials, finite numbers, email shape. A message either becomes one typed record or a list of
 * every rule it breaks. Fields the schema does not declare (schemas grow) are kept with the record,
 * each as its JSON text ({@link UnknownFields}).
 */
final class RecordRules {
  /** A typed record, or why there is none. */
  record Outcome(@Nullable Record record, @Nullable String reason) {
    static Outcome ok(Record record) {
      return new Outcome(record, null);
    }

    static Outcome rejected(String reason) {
      return new Outcome(null, reason);
    }
  }

  /** Why a message of no known dataset is rejected. */
  public static final String UNKNOWN_DATASET =
      "unknown dataset: no topic, stream, queue or folder maps to one";

  private RecordRules() {}

  static Outcome apply(Envelope message, int maxPayloadBytes) {
    Optional<Dataset> dataset = Dataset.fromFolder(message.dataset());
    if (dataset.isEmpty()) {
      return Outcome.rejected(UNKNOWN_DATASET);
    }
    byte[] payload = message.payload();
    if (payload.length > maxPayloadBytes) {
      return Outcome.rejected(
          "oversized payload: "
              + payload.length
              + " bytes, more than the limit of "
              + maxPayloadBytes);
    }
    JsonPayload.Parsed parsed = JsonPayload.parse(payload);
    if (parsed.problem() != null) {
      return Outcome.rejected(parsed.problem());
    }
    JsonNode json = parsed.value();
    if (!json.isObject()) {
      return Outcome.rejected("not a JSON object");
    }
    Fields fields = new Fields(json);
    Record record =
        switch (dataset.get()) {
          case CUSTOMER ->
              new Customer(
                  fields.text("customerName"),
                  fields.email("email"),
                  fields.text("phone"),
                  fields.text("birthDay"),
                  fields.uuid("serialNumber"),
                  fields.epochMillis("registrationDate"),
                  fields.epochMillis("lastUpdateDate"),
                  fields.optionalEpochMillis("shareWithResearchAsOfDate"),
                  fields.optionalEpochMillis("shareWithPublicAsOfDate"),
                  fields.optionalEpochMillis("shareWithFriendsAsOfDate"));
          case ACCELEROMETER ->
              new AccelerometerReading(
                  fields.email("user"),
                  fields.epochMillis("timestamp"),
                  fields.finite("x"),
                  fields.finite("y"),
                  fields.finite("z"));
          case STEP_TRAINER ->
              new StepTrainerReading(
                  fields.epochMillis("sensorReadingTime"),
                  fields.uuid("serialNumber"),
                  fields.count("distanceFromObject"));
        };
    // Fields the schema does not declare are kept with the record, each as its JSON text.
    Map<String, String> extra = UnknownFields.of(json, fields.read);
    if (!extra.isEmpty()) {
      if (record instanceof Customer c) {
        record =
            new Customer(
                c.customerName(),
                c.email(),
                c.phone(),
                c.birthDay(),
                c.serialNumber(),
                c.registrationDate(),
                c.lastUpdateDate(),
                c.shareWithResearchAsOfDate(),
                c.shareWithPublicAsOfDate(),
                c.shareWithFriendsAsOfDate(),
                extra);
      } else if (record instanceof AccelerometerReading r) {
        record = new AccelerometerReading(r.user(), r.timestamp(), r.x(), r.y(), r.z(), extra);
      } else if (record instanceof StepTrainerReading r) {
        record =
            new StepTrainerReading(
                r.sensorReadingTime(), r.serialNumber(), r.distanceFromObject(), extra);
      }
    }
    return fields.errors.isEmpty()
        ? Outcome.ok(record)
        : Outcome.rejected(String.join("; ", fields.errors));
  }

  /** Reads fields, collecting every broken rule instead of stopping at the first. */
  private static final class Fields {
    private final JsonNode json;
    private final List<String> errors = new ArrayList<>();
    private final Set<String> read = new HashSet<>();

    Fields(JsonNode json) {
      this.json = json;
    }

    private @Nullable JsonNode present(String name) {
      read.add(name);
      JsonNode value = json.get(name);
      if (value == null || value.isNull()) {
        errors.add(name + ": missing");
        return null;
      }
      return value;
    }

    String text(String name) {
      JsonNode value = present(name);
      if (value == null) {
        return "";
      }
      if (!value.isTextual()) {
        errors.add(name + ": expected a string, got " + value.getNodeType().name().toLowerCase());
        return "";
      }
      String text = value.asText();
      if (text.isBlank()) {
        errors.add(name + ": empty");
      }
      if (PayloadRules.hasUnpairedSurrogate(text)) {
        // An escape such as \ud800 alone decodes to no character: no UTF-8 writer can keep it.
        errors.add(name + ": not Unicode text (an unpaired surrogate escape)");
      }
      return text;
    }

    String email(String name) {
      String value = text(name);
      if (!value.isEmpty() && !PayloadRules.isEmail(value)) {
        errors.add(name + ": not an email address");
      }
      return value;
    }

    String uuid(String name) {
      String value = text(name);
      if (!value.isEmpty() && !PayloadRules.isUuid(value)) {
        errors.add(name + ": not a UUID");
      }
      return value;
    }

    long epochMillis(String name) {
      JsonNode value = present(name);
      return value == null ? 0 : epochMillis(name, value);
    }

    @Nullable Long optionalEpochMillis(String name) {
      read.add(name);
      JsonNode value = json.get(name);
      return value == null || value.isNull() ? null : epochMillis(name, value);
    }

    private long epochMillis(String name, JsonNode value) {
      if (!value.isIntegralNumber() || !value.canConvertToLong()) {
        errors.add(name + ": expected integer epoch milliseconds, got " + describe(value));
        return 0;
      }
      long millis = value.longValue();
      if (!JsonPayload.isPlausibleEpochMillis(millis)) {
        errors.add(name + ": " + millis + " is not a plausible epoch-ms time (1970 to 2100)");
      }
      return millis;
    }

    double finite(String name) {
      JsonNode value = present(name);
      if (value == null) {
        return 0;
      }
      if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
        errors.add(name + ": expected a finite number, got " + describe(value));
        return 0;
      }
      return value.doubleValue();
    }

    long count(String name) {
      JsonNode value = present(name);
      if (value == null) {
        return 0;
      }
      if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
        errors.add(name + ": expected a non-negative integer, got " + describe(value));
        return 0;
      }
      return value.longValue();
    }

    private static String describe(JsonNode value) {
      return value.isNumber() ? value.asText() : value.getNodeType().name().toLowerCase();
    }
  }
}
