package dev.zonestream.model;

import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One reading of a phone's accelerometer. Several readings of one user may share a timestamp with
 * different x/y/z: (user, timestamp) is not a key, the whole reading is.
 */
@DefaultCoder(JsonRecordCoder.class)
public record AccelerometerReading(String user, long timestamp, double x, double y, double z) {}
