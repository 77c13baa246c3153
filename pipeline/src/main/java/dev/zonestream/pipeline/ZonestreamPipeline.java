package dev.zonestream.pipeline;

import dev.zonestream.ingest.ReadJsonLinesFiles;
import dev.zonestream.ingest.ReadKafkaMessages;
import dev.zonestream.landing.LandWindowedFiles;
import dev.zonestream.landing.LandedFile;
import dev.zonestream.model.Envelope;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * The one zonestream graph: read messages from the configured source and land them. The entry
 * point and the tests build it through {@link #build}, so both run the same graph.
 */
public final class ZonestreamPipeline {
  private ZonestreamPipeline() {}

  /** The graph's outputs, for the entry point's summary and for tests. */
  public record Outputs(PCollection<Envelope> messages, PCollection<LandedFile> landed) {}

  /** Adds the graph for {@code config} to {@code pipeline}. */
  public static Outputs build(Pipeline pipeline, JobConfig config) {
    PCollection<Envelope> messages =
        switch (config.source()) {
          case FILES -> pipeline.apply("ReadFiles", readFiles(config));
          case KAFKA, EMBEDDED_KAFKA -> pipeline.apply("ReadKafka", readKafka(config));
        };
    PCollection<LandedFile> landed =
        messages.apply(
            "Land",
            LandWindowedFiles.create()
                .to(config.landingRoot())
                .withWindow(config.window())
                .withAllowedLateness(config.allowedLateness())
                .withShards(config.landingShards())
                .withCompression(config.landingCompression()));
    return new Outputs(messages, landed);
  }

  private static ReadJsonLinesFiles readFiles(JobConfig config) {
    return ReadJsonLinesFiles.create().from(config.input());
  }

  private static ReadKafkaMessages readKafka(JobConfig config) {
    ReadKafkaMessages read =
        ReadKafkaMessages.create()
            .withBootstrapServers(config.bootstrapServers())
            .withTopics(config.topics())
            .withStartPosition(config.startPosition())
            .withConsumerProperties(config.kafkaProperties())
            .withMaxBrokerDelay(config.maxBrokerDelay());
    if (config.topicPattern() != null) {
      read = read.withTopicPattern(config.topicPattern());
    }
    if (config.consumerGroup() != null) {
      read = read.withConsumerGroup(config.consumerGroup());
    }
    return read;
  }
}
