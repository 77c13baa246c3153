package dev.zonestream.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One delivery of an SQS message, as {@link ReadSqsMessages} received it: what {@link
 * DeleteLandedSqsMessages} needs to keep the message hidden and to delete it once it has landed (a
 * landing line holds the message id only).
 *
 * @param queueUrl the queue it came from
 * @param messageId SQS's message id (the envelope's offset)
 * @param receiptHandle the handle of this delivery: SQS deletes and extends by it, and honours only
 *     the newest delivery's
 * @param receivedAt when the receive that returned it was sent, epoch ms
 * @param hiddenUntil until when SQS hides it from other receives, epoch ms (at least; the receive
 *     asked for that visibility timeout from {@code receivedAt})
 */
@DefaultCoder(SqsReceipt.ReceiptCoder.class)
public record SqsReceipt(
    String queueUrl, String messageId, String receiptHandle, long receivedAt, long hiddenUntil) {

  /** The same delivery, hidden until {@code until}. */
  SqsReceipt hiddenUntil(long until) {
    return new SqsReceipt(queueUrl, messageId, receiptHandle, receivedAt, until);
  }

  /** Field by field: three strings and two var-longs. */
  public static final class ReceiptCoder extends AtomicCoder<SqsReceipt> {
    private static final Coder<String> TEXT = StringUtf8Coder.of();
    private static final Coder<Long> TIME = VarLongCoder.of();
    private static final ReceiptCoder INSTANCE = new ReceiptCoder();

    public static ReceiptCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(SqsReceipt value, OutputStream out) throws IOException {
      TEXT.encode(value.queueUrl(), out);
      TEXT.encode(value.messageId(), out);
      TEXT.encode(value.receiptHandle(), out);
      TIME.encode(value.receivedAt(), out);
      TIME.encode(value.hiddenUntil(), out);
    }

    @Override
    public SqsReceipt decode(InputStream in) throws IOException {
      return new SqsReceipt(
          TEXT.decode(in), TEXT.decode(in), TEXT.decode(in), TIME.decode(in), TIME.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
