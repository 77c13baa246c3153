/**
 * The shared types of every zone: the {@link dev.zonestream.model.Envelope} each source yields, the
 * typed STEDI records of the trusted and curated zones, their explicit coders, the datasets, and
 * the names of zonestream's Beam counters.
 */
package dev.zonestream.model;
