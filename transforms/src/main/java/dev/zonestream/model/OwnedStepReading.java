package dev.zonestream.model;

import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * A trusted step-trainer reading with the customer it belongs to, for the machine-learning join.
 */
@DefaultCoder(JsonRecordCoder.class)
public record OwnedStepReading(String email, StepTrainerReading reading) {}
