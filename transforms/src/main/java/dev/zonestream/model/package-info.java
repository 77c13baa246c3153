/**
 * The shared types of every zone: the {@link dev.zonestream.model.Envelope} each source yields and
 * its line in landing ({@link dev.zonestream.model.LandingLine}), the typed STEDI records of the
 * trusted and curated zones, their explicit coders, the datasets, the tables' folders ({@link
 * dev.zonestream.model.Tables}), and the names of zonestream's Beam counters ({@link
 * dev.zonestream.model.MetricNames}).
 */
package dev.zonestream.model;
