/**
 * The one zonestream graph ({@link dev.zonestream.pipeline.ZonestreamPipeline}), its options and
 * their validation, the entry point with its run summary, the embedded Kafka broker of the default
 * run, and the seeded STEDI data generator.
 */
package dev.zonestream.pipeline;
