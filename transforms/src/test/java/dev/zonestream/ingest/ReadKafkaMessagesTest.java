package dev.zonestream.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.jupiter.api.Test;

class ReadKafkaMessagesTest {
  private static final String SECRET = "pw-9f1c";

  /** Every display data item of every transform the read expands into, as key=value. */
  private static List<String> displayData(Pipeline pipeline) {
    List<String> items = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            collect(node);
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            collect(node);
          }

          private void collect(TransformHierarchy.Node node) {
            if (node.getTransform() != null) {
              for (DisplayData.Item item : DisplayData.from(node.getTransform()).items()) {
                items.add(item.getKey() + "=" + item.getValue());
              }
            }
          }
        });
    return items;
  }

  @Test
  void displayDataShowsThePlainConsumerSettingsAndNoSecret() {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    pipeline.apply(
        ReadKafkaMessages.create()
            .withBootstrapServers("127.0.0.1:9")
            .withConsumerProperties(
                Map.of(
                    "security.protocol",
                    "SASL_SSL",
                    "sasl.mechanism",
                    "PLAIN",
                    "sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"zs\" password=\""
                        + SECRET
                        + "\";",
                    "ssl.truststore.password",
                    SECRET + "-store")));

    List<String> items = displayData(pipeline);

    // KafkaIO shows its consumer configuration: the plain settings are there ...
    assertThat(items, hasItem("security.protocol=SASL_SSL"));
    assertThat(items, hasItem("sasl.mechanism=PLAIN"));
    // ... and neither secret, nor the JAAS configuration that holds one.
    assertThat(items.toString(), not(containsString(SECRET)));
    assertThat(items.toString(), not(containsString("sasl.jaas.config")));
  }
}
