/**
 * The curated zone: step-trainer readings of curated customers and the machine-learning join of
 * step-trainer and phone readings of the same customer at the same millisecond.
 */
package dev.zonestream.curated;
