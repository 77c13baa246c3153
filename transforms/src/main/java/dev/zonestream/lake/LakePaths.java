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
   * Whether {@code relative} (a path below a zone's root) names a final data file of the lake, JSON
   * Lines or Parquet: not a running writer's temporary file (under a folder or name starting with
   * {@code .}), nor a table's empty file ({@link LakeCatalog#EMPTY_NAME}).
   */
  public static boolean isFinalLakeFile(String relative) {
    String name = relative.substring(relative.lastIndexOf('/') + 1);
    return (relative.contains(".jsonl") || relative.endsWith(".parquet"))
        && !relative.startsWith(".")
        && !relative.contains("/.")
        && !name.startsWith(LakeCatalog.EMPTY_NAME);
  }

  /**
   * How a folder's files are named: after the folder ({@code customer-...}), without leading
   * underscores ({@code _unrouted} gives {@code unrouted-...}), because Hadoop's readers (Spark,
   * Hive, Athena) skip files whose names start with {@code _} or {@code .}.
   */
  public static String fileNamePrefix(String folder) {
    int start = 0;
    while (start < folder.length() - 1 && folder.charAt(start) == '_') {
      start++;
    }
    return folder.substring(start);
  }

  /** {@code 20230806T185700Z}. */
  public static String basic(ReadableInstant instant) {
    return BASIC.print(instant);
  }
}
