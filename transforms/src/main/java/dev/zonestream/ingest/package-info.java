/**
 * Sources: each reads messages from one kind of place (Kafka, a folder of JSON Lines files, the
 * lake's own landing zone for backfill) and yields {@link dev.zonestream.model.Envelope}s, so
 * nothing downstream knows where a message came from.
 */
package dev.zonestream.ingest;
