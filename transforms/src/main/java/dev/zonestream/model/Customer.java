package dev.zonestream.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Map;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A customer record as the STEDI web app sends it. Keyed by email: a later record (greater {@code
 * lastUpdateDate}) replaces an earlier one. A {@code share...AsOfDate} is null when that consent is
 * not given (the key is absent in the message). {@code birthDay} is kept as sent: it is not always
 * an ISO date (years like 999 occur). {@code extra} holds the payload's fields the schema does not
 * declare ({@link UnknownFields}).
 */
// The unknown fields last, as in the table's columns.
@JsonPropertyOrder({
  "customerName",
  "email",
  "phone",
  "birthDay",
  "serialNumber",
  "registrationDate",
  "lastUpdateDate",
  "shareWithResearchAsOfDate",
  "shareWithPublicAsOfDate",
  "shareWithFriendsAsOfDate",
  UnknownFields.COLUMN
})
@DefaultCoder(JsonRecordCoder.class)
public record Customer(
    String customerName,
    String email,
    String phone,
    String birthDay,
    String serialNumber,
    long registrationDate,
    long lastUpdateDate,
    @Nullable Long shareWithResearchAsOfDate,
    @Nullable Long shareWithPublicAsOfDate,
    @Nullable Long shareWithFriendsAsOfDate,
    @JsonProperty(UnknownFields.COLUMN) @JsonInclude(JsonInclude.Include.NON_EMPTY)
        Map<String, String> extra) {

  public Customer {
    extra = UnknownFields.normalized(extra);
  }

  /** A record without fields beyond the schema's. */
  public Customer(
      String customerName,
      String email,
      String phone,
      String birthDay,
      String serialNumber,
      long registrationDate,
      long lastUpdateDate,
      @Nullable Long shareWithResearchAsOfDate,
      @Nullable Long shareWithPublicAsOfDate,
      @Nullable Long shareWithFriendsAsOfDate) {
    this(
        customerName,
        email,
        phone,
        birthDay,
        serialNumber,
        registrationDate,
        lastUpdateDate,
        shareWithResearchAsOfDate,
        shareWithPublicAsOfDate,
        shareWithFriendsAsOfDate,
        (@Nullable Map<String, String>) null);
  }

  /**
   * Which of two records of one email is newer: the greater {@code lastUpdateDate}, then the
   * greater JSON form, so that every runner picks the same record.
   */
  public static final Comparator<Customer> NEWEST =
      Comparator.comparingLong(Customer::lastUpdateDate).thenComparing(Customer::json);

  /** The newest of {@code records}, or null when there is none. */
  public static @Nullable Customer newest(@Nullable Iterable<Customer> records) {
    Customer newest = null;
    if (records != null) {
      for (Customer record : records) {
        if (newest == null || NEWEST.compare(record, newest) > 0) {
          newest = record;
        }
      }
    }
    return newest;
  }

  private static String json(Customer customer) {
    try {
      return JsonRecordCoder.MAPPER.writeValueAsString(customer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether this record gives consent to research use. */
  public boolean consentsToResearch() {
    return shareWithResearchAsOfDate != null;
  }
}
