package dev.zonestream.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
  private static List<String> split(byte[] input, List<Long> lineNumbers) throws Exception {
    List<String> messages = new ArrayList<>();
    JsonLines.split(
        new ByteArrayInputStream(input),
        (message, line) -> {
          messages.add(new String(message, StandardCharsets.ISO_8859_1));
          lineNumbers.add(line);
        });
    return messages;
  }

  @Test
  void splitsOnNewlinesDropsCarriageReturnsAndSkipsBlankLines() throws Exception {
    List<Long> lines = new ArrayList<>();
    List<String> messages =
        split("{\"a\":1}\r\n\n  \r\n{\"b\":2}\n{\"c\":3}".getBytes(StandardCharsets.UTF_8), lines);

    assertThat(messages, contains("{\"a\":1}", "{\"b\":2}", "{\"c\":3}"));
    assertThat(lines, contains(1L, 4L, 5L));
  }

  @Test
  void keepsBinaryBytesAsTheyAre() throws Exception {
    byte[] input = {(byte) 0xff, 0, (byte) 0x80, '\n', 'x'};
    List<String> messages = split(input, new ArrayList<>());

    assertThat(
        messages.get(0).getBytes(StandardCharsets.ISO_8859_1),
        equalTo(new byte[] {(byte) 0xff, 0, (byte) 0x80}));
    assertThat(messages.get(1), equalTo("x"));
  }

  @Test
  void handlesLinesLongerThanTheReadBuffer() throws Exception {
    String big = "{\"k\":\"" + "v".repeat(200_000) + "\"}";
    List<String> messages =
        split((big + "\n{}\n").getBytes(StandardCharsets.UTF_8), new ArrayList<>());

    assertThat(messages, contains(big, "{}"));
  }
}
