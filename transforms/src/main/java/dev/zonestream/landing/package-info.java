/**
 * The landing zone: every message exactly as received, in windowed, Hive-partitioned JSON Lines
 * files named after their window, pane and shard.
 */
package dev.zonestream.landing;
