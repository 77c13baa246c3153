package dev.zonestream.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.model.LandingLine;
import dev.zonestream.trusted.Messages;
import org.junit.jupiter.api.Test;

class ToTableRowsTest {
  @Test
  void aRejectIsItsLandingLineWithTheReasonLast() throws Exception {
    Envelope message = Messages.of("accelerometer", "{\"user\": 1}");
    String line = LandingLine.of(message).json();

    String row = ToTableRows.RejectedToRowFn.withReason(line, "user: expected \"an address\"");

    JsonNode parsed = JsonPayload.MAPPER.readTree(row);
    assertThat(parsed.get("reason").asText(), equalTo("user: expected \"an address\""));
    assertThat(parsed.get("offset").asText(), equalTo(message.offset()));
    assertThat(parsed.get("payload").get("user").asInt(), equalTo(1));
    assertThat(row, endsWith(",\"reason\":\"user: expected \\\"an address\\\"\"}"));
    assertThat(row.substring(0, row.lastIndexOf(",\"reason\"")) + "}", equalTo(line));
  }

  @Test
  void aPayloadAtTheParsersNestingLimitBecomesARejectWithoutBeingParsedAgain() throws Exception {
    // 1,000 levels: what Jackson accepts by default, and so what landed as JSON. Its landing line
    // is 1,001 deep; parsing it again with the same limit stopped the whole job.
    String deep = "[".repeat(1000) + "]".repeat(1000);
    String line = LandingLine.of(Messages.of("accelerometer", deep)).json();

    String row = ToTableRows.RejectedToRowFn.withReason(line, "user: missing");

    JsonNode parsed = JsonPayload.LANDING_LINE_MAPPER.readTree(row);
    assertThat(parsed.get("reason").asText(), equalTo("user: missing"));
    assertThat(parsed.get("payload").toString(), equalTo(deep));
  }
}
