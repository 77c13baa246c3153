package dev.zonestream.trusted;

import dev.zonestream.model.Envelope;
import dev.zonestream.model.SourceKind;
import java.nio.charset.StandardCharsets;

/** Envelopes for tests, one offset per call. */
public final class Messages {
  private static long offset;

  private Messages() {}

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
