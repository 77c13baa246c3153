package dev.zonestream.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * A coder for the zone records (Java records of strings, numbers and nullable numbers): the record
 * as compact JSON, components in declaration order, nulls left out. Equal records encode to equal
 * bytes, so it is deterministic and records can be grouping keys.
 */
public class JsonRecordCoder<T extends Record> extends CustomCoder<T> {
  /**
   * The mapper of zone records: no nulls written, unknown fields tolerated, strings of any length
   * (a record's strings come from a payload that {@link JsonPayload#PAYLOAD_LIMITS} let through:
   * with a large {@code --maxPayloadBytes}, longer than Jackson's default 20 million characters).
   */
  public static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                  .build())
          .setSerializationInclusion(JsonInclude.Include.NON_NULL)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Class<T> type;

  protected JsonRecordCoder(Class<T> type) {
    this.type = type;
  }

  public static <T extends Record> JsonRecordCoder<T> of(Class<T> type) {
    return new JsonRecordCoder<>(type);
  }

  /**
   * The provider behind {@code @DefaultCoder(JsonRecordCoder.class)} on a zone record: this coder
   * for any Java record type without type arguments, so each record names its coder in one line.
   */
  public static CoderProvider getCoderProvider() {
    return new CoderProvider() {
      @Override
      public <U> Coder<U> coderFor(
          TypeDescriptor<U> typeDescriptor, List<? extends Coder<?>> componentCoders)
          throws CannotProvideCoderException {
        Class<? super U> raw = typeDescriptor.getRawType();
        if (!Record.class.isAssignableFrom(raw) || !componentCoders.isEmpty()) {
          throw new CannotProvideCoderException(
              typeDescriptor + " is not a Java record without type arguments");
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        Coder<U> coder = (Coder<U>) of((Class) raw.asSubclass(Record.class));
        return coder;
      }
    };
  }

  @Override
  public void encode(T value, OutputStream out) throws IOException {
    ByteArrayCoder.of().encode(MAPPER.writeValueAsBytes(value), out);
  }

  @Override
  public T decode(InputStream in) throws IOException {
    return MAPPER.readValue(ByteArrayCoder.of().decode(in), type);
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public List<? extends Coder<?>> getCoderArguments() {
    return List.of();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JsonRecordCoder<?> coder && coder.type.equals(type);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type);
  }
}
