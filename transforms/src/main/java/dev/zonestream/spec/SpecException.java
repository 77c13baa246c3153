package dev.zonestream.spec;

/**
 * A lake spec that cannot be used, said in one line that names the file, the dataset (or table) and
 * the field: {@code specs/home.yaml: dataset thermostat, field tempC: no such field in the schema}.
 */
public final class SpecException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SpecException(String origin, String where, String problem) {
    super(origin + ": " + (where.isEmpty() ? "" : where + ": ") + problem);
  }
}
