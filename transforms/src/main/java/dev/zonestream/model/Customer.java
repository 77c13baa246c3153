package dev.zonestream.model;

import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A customer record as the STEDI web app sends it. Keyed by email: a later record (greater {@code
 * lastUpdateDate}) replaces an earlier one. A {@code share...AsOfDate} is null when that consent is
 * not given (the key is absent in the message). {@code birthDay} is kept as sent: it is not always
 * an ISO date (years like 999 occur).
 */
@DefaultCoder(Customer.RecordCoder.class)
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
    @Nullable Long shareWithFriendsAsOfDate) {

  /** Whether this record gives consent to research use. */
  public boolean consentsToResearch() {
    return shareWithResearchAsOfDate != null;
  }

  /** Coder for {@link Customer}: its JSON form. */
  public static final class RecordCoder extends JsonRecordCoder<Customer> {
    private static final RecordCoder INSTANCE = new RecordCoder();

    private RecordCoder() {
      super(Customer.class);
    }

    public static RecordCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(Customer.class), INSTANCE);
    }
  }
}
