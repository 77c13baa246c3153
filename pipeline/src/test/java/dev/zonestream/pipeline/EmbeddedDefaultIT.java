package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import dev.zonestream.demo.StediGenerator;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
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

  /**
   * The embedded default as a user first meets it, with its default waits (windows of 10 s rather
   * than a minute, to keep the test short): customers, then every phone and step-trainer reading at
   * once, so the step readings land before the phone readings that make their owners curated have
   * been decided. Its tables and rejects equal the bounded run's over the same files. (At this size
   * the Direct runner is quick enough for a processing-time wait too; at the STEDI files' size it
   * was not, which {@code CuratedJoinsTest} reproduces with a stalled clock.)
   */
  @Test
  void theEmbeddedStreamWithDefaultWaitsEqualsTheBoundedRunOfTheSameFiles(@TempDir Path work)
      throws Exception {
    Path input = work.resolve("input");
    StediGenerator.writeTo(new StediGenerator(150, 11, true).generate(), input);
    Path bounded = work.resolve("bounded");
    Path streamed = work.resolve("streamed");

    MainTest.Run files = MainTest.run("--input=" + input, "--lake=" + bounded);
    assertThat(files.err(), files.code(), equalTo(0));
    MainTest.Run stream =
        MainTest.run(
            "--source=embedded-kafka",
            "--input=" + input,
            "--lake=" + streamed,
            "--windowSeconds=10",
            "--maxBrokerDelaySeconds=2",
            "--runTimeoutSeconds=400");
    assertThat(stream.err(), stream.code(), equalTo(0));

    Map<String, List<String>> expected = ZonesIT.tables(bounded);
    Map<String, List<String>> actual = ZonesIT.tables(streamed);
    for (Map.Entry<String, List<String>> table : expected.entrySet()) {
      assertThat(table.getKey(), table.getValue(), not(empty()));
      assertThat(table.getKey(), actual.get(table.getKey()), equalTo(table.getValue()));
    }
    assertThat(ZonesIT.rejects(streamed), equalTo(ZonesIT.rejects(bounded)));
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
