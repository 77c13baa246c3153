/**
 * Sources: each reads messages from one kind of place (Kafka, Kinesis, SQS, a folder of JSON Lines
 * files, the lake's own landing zone for backfill) and yields {@link
 * dev.zonestream.model.Envelope}s, so nothing downstream knows where a message came from. Also the
 * steps that advance a broker's position only past messages in final landing files: {@link
 * dev.zonestream.ingest.CommitLandedKafkaOffsets} (Kafka offsets) and {@link
 * dev.zonestream.ingest.DeleteLandedSqsMessages} (SQS deletes).
 */
package dev.zonestream.ingest;
