package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job's embedded default: broker in-process, data published, streamed, summarised. */
class EmbeddedDefaultIT {

  @Test
  void generatedDataFlowsThroughTheEmbeddedBrokerAndTheRunEndsByItself(@TempDir Path lake) {
    MainTest.Run run =
        MainTest.run(
            "--lake=" + lake,
            "--customers=15",
            "--windowSeconds=2",
            "--maxBrokerDelaySeconds=1",
            "--consentWaitSeconds=3",
            "--runTimeoutSeconds=240");

    assertThat(run.err(), run.code(), equalTo(0));
    assertThat(run.out(), containsString("source=embedded-kafka"));
    JsonNode zones = LakeFiles.readJson(lake.resolve("_summary.json")).get("zones");
    assertThat(zones.get("broker"), equalTo(zones.get("landing")));
    assertThat(zones.get("broker"), equalTo(zones.get("read")));
    assertThat(zones.get("landing").get("_unrouted").asLong(), equalTo(2L));
    assertThat(zones.get("landing").get("accelerometer").asLong(), greaterThan(100L));
  }

  @Test
  void inputFilesArePublishedOnTheirDatasetTopicsAndLandAgain(@TempDir Path lake) throws Exception {
    MainTest.Run run =
        MainTest.run(
            "--source=embedded-kafka",
            "--input=" + MainTest.FIXTURE,
            "--lake=" + lake,
            "--windowSeconds=2",
            "--maxBrokerDelaySeconds=1",
            "--consentWaitSeconds=3",
            "--runTimeoutSeconds=240");

    assertThat(run.err(), run.code(), equalTo(0));
    JsonNode landing =
        LakeFiles.readJson(lake.resolve("_summary.json")).get("zones").get("landing");
    Map<String, Long> expected =
        Map.of("customer", 4L, "accelerometer", 6L, "step_trainer", 3L, "_unrouted", 1L);
    assertThat(landing.size(), equalTo(expected.size()));
    for (Iterator<Map.Entry<String, JsonNode>> it = landing.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      assertThat(e.getKey(), e.getValue().asLong(), equalTo(expected.get(e.getKey())));
    }
    assertThat(
        LakeFiles.readAll(lake.resolve("landing/customer")).stream()
            .map(LakeFiles::canonicalPayload)
            .toList()
            .size(),
        equalTo(4));
  }
}
