package dev.zonestream.model;

import java.util.Comparator;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the step-trainer rule knows of a customer as the owner of a device: who ({@code email}),
 * which device ({@code serialNumber}), since when their readings may be used ({@code consentTime},
 * null when their latest record withholds consent), which record that is ({@code lastUpdateDate})
 * and whether they are a curated customer (at least one trusted phone reading).
 *
 * <p>A stream emits a new status whenever one of these changes; {@link #NEWEST} picks the one in
 * force among all statuses of one email.
 */
@DefaultCoder(JsonRecordCoder.class)
public record DeviceOwner(
    String email,
    String serialNumber,
    @Nullable Long consentTime,
    long lastUpdateDate,
    boolean curated) {

  /** Newer record first, then curated over not (a customer never stops being curated). */
  public static final Comparator<DeviceOwner> NEWEST =
      Comparator.comparingLong(DeviceOwner::lastUpdateDate)
          .thenComparing(DeviceOwner::curated)
          .thenComparing(o -> o.consentTime() == null ? Long.MIN_VALUE : o.consentTime());

  /** Whether this owner's readings at {@code readingTime} may enter under {@code scope}. */
  public boolean admits(ConsentScope scope, long readingTime) {
    return curated && consentTime != null && scope.admits(readingTime, consentTime);
  }
}
