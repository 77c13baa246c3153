package dev.zonestream.model;

import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One row of {@code machine_learning_curated}: a step-trainer reading and a phone reading of the
 * same customer at the same millisecond. No name, email, phone or birthday: the device serial is
 * the only link to a person.
 */
@DefaultCoder(JsonRecordCoder.class)
public record MachineLearningRow(
    long sensorReadingTime,
    String serialNumber,
    long distanceFromObject,
    long timestamp,
    double x,
    double y,
    double z) {}
