package dev.zonestream.trusted;

import dev.zonestream.model.Customer;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.Parsed;
import dev.zonestream.model.SourceKind;
import dev.zonestream.model.StepTrainerReading;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Envelopes for tests, one offset per call. */
public final class Messages {
  private static long offset;

  private Messages() {}

  /** The message a device or the web app would send for {@code record}, in its dataset. */
  public static Envelope of(Record record) {
    String dataset =
        record instanceof Customer
            ? "customer"
            : record instanceof StepTrainerReading ? "step_trainer" : "accelerometer";
    try {
      return of(dataset, JsonRecordCoder.MAPPER.writeValueAsString(record));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code record} as parsed from its message. */
  public static <T extends Record> Parsed<T> parsed(T record) {
    return new Parsed<>(record, of(record));
  }

  public static synchronized Envelope of(String dataset, String payload) {
    return of(dataset, payload.getBytes(StandardCharsets.UTF_8));
  }

  public static synchronized Envelope of(String dataset, byte[] payload) {
    offset++;
    return new Envelope(
        dataset,
        SourceKind.KAFKA,
        "stedi." + dataset,
        "0",
        Long.toString(offset),
        1_691_348_220_000L,
        1_691_348_220_001L,
        payload);
  }
}
