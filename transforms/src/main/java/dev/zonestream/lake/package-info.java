/**
 * Writing zone tables into the lake: rows, their time-partitioned paths and the read-back count
 * that tells when a row is final.
 */
package dev.zonestream.lake;
