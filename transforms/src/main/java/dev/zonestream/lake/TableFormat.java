package dev.zonestream.lake;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** How the trusted and curated tables are written. */
public enum TableFormat {
  /** Parquet files of each table's declared schema ({@link TableSchemas}), snappy compressed. */
  PARQUET,
  /** JSON Lines, one record's JSON a line (absent consents left out), as the landing zone. */
  JSON;

  /** {@code parquet} or {@code json}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<TableFormat> fromLabel(String label) {
    return Arrays.stream(values()).filter(f -> f.label().equals(label)).findFirst();
  }

  public static String labels() {
    return Arrays.stream(values()).map(TableFormat::label).collect(Collectors.joining(", "));
  }
}
