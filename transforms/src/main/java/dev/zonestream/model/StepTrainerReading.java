package dev.zonestream.model;

import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One reading of a step trainer; the device's serial number is its owner's {@code serialNumber}.
 */
@DefaultCoder(JsonRecordCoder.class)
public record StepTrainerReading(
    long sensorReadingTime, String serialNumber, long distanceFromObject) {}
