package dev.zonestream.lake;

import org.joda.time.DateTimeZone;
import org.joda.time.ReadableInstant;
import org.joda.time.format.DateTimeFormat;
import org.joda.time.format.DateTimeFormatter;

/**
 * How times appear in lake paths: Hive-style {@code dt=YYYY-MM-DD/hr=HH} partitions and ISO-8601
 * basic instants ({@code 20230806T185700Z}) in file names, all UTC. No colons: Hadoop paths (Spark,
 * Hive) reject them in file names.
 */
public final class LakePaths {
  private static final DateTimeFormatter DAY =
      DateTimeFormat.forPattern("yyyy-MM-dd").withZone(DateTimeZone.UTC);
  private static final DateTimeFormatter HOUR =
      DateTimeFormat.forPattern("HH").withZone(DateTimeZone.UTC);
  private static final DateTimeFormatter BASIC =
      DateTimeFormat.forPattern("yyyyMMdd'T'HHmmss'Z'").withZone(DateTimeZone.UTC);

  private LakePaths() {}

  /** {@code dt=2023-08-06/hr=18} for a time in epoch milliseconds. */
  public static String partition(long epochMillis) {
    return "dt=" + DAY.print(epochMillis) + "/hr=" + HOUR.print(epochMillis);
  }

  /**
   * Whether {@code relative} (a path below a zone's root) names a final JSON Lines file of the
   * lake: not a running writer's temporary file (under a folder or name starting with {@code .}).
   */
  public static boolean isFinalLakeFile(String relative) {
    return relative.contains(".jsonl") && !relative.startsWith(".") && !relative.contains("/.");
  }

  /** {@code 20230806T185700Z}. */
  public static String basic(ReadableInstant instant) {
    return BASIC.print(instant);
  }
}
