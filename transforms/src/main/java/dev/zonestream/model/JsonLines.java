package dev.zonestream.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a stream of JSON Lines into messages, byte for byte: a message is a line less its
 * terminator ({@code \n} or {@code \r\n}); blank lines are not messages. Bytes are not decoded, so
 * a line that is not UTF-8 is kept as it is.
 */
public final class JsonLines {

  /** Receives one message and its 1-based line number. */
  @FunctionalInterface
  public interface LineConsumer {
    void accept(byte[] message, long lineNumber) throws IOException;
  }

  private JsonLines() {}

  /** Calls {@code consumer} for every non-blank line of {@code in}; returns the lines read. */
  public static long split(InputStream in, LineConsumer consumer) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(512);
    byte[] buffer = new byte[1 << 16];
    long lineNumber = 0;
    int read;
    while ((read = in.read(buffer)) != -1) {
      int start = 0;
      for (int i = 0; i < read; i++) {
        if (buffer[i] == '\n') {
          line.write(buffer, start, i - start);
          lineNumber++;
          emit(line, lineNumber, consumer);
          line.reset();
          start = i + 1;
        }
      }
      line.write(buffer, start, read - start);
    }
    if (line.size() > 0) {
      lineNumber++;
      emit(line, lineNumber, consumer);
    }
    return lineNumber;
  }

  private static void emit(ByteArrayOutputStream line, long lineNumber, LineConsumer consumer)
      throws IOException {
    byte[] bytes = line.toByteArray();
    int length = bytes.length;
    if (length > 0 && bytes[length - 1] == '\r') {
      length--;
    }
    if (isBlank(bytes, length)) {
      return;
    }
    consumer.accept(length == bytes.length ? bytes : Arrays.copyOf(bytes, length), lineNumber);
  }

  private static boolean isBlank(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      byte b = bytes[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
