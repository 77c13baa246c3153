/**
 * The lake's files: their paths ({@link dev.zonestream.lake.LakePaths}), a final file and its line
 * count ({@link dev.zonestream.lake.LandedFile}, {@link dev.zonestream.lake.CountFileLinesFn}), and
 * the zone tables' writer with its time-partitioned paths and the read-back count that tells when a
 * row is final. The landing zone writes through these; nothing here depends on the landing zone.
 */
package dev.zonestream.lake;
