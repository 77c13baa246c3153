package dev.zonestream.pipeline;

import java.io.PrintStream;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The checks that run before a job reads anything, each ending the run with one line naming the
 * option: the brokers or the Kinesis/SQS endpoint answer and have what the job reads, and the lake
 * took the probe write ({@link LakeChecks}, as the options are validated; said here with its free
 * space).
 */
final class Preflight {
  private Preflight() {}

  /** Says, as the job starts, that the lake took the probe write and how much room it has. */
  static void announceLake(JobConfig config, PrintStream err) {
    OptionalLong free = LakeChecks.freeSpace(config.lake());
    if (free.isPresent()) {
      err.printf(
          Locale.ROOT,
          "zonestream: lake %s is writable, %.1f GB free%n",
          config.lake(),
          free.getAsLong() / 1e9);
    } else {
      err.println("zonestream: lake " + config.lake() + " is writable");
    }
  }

  /** The brokers answer within the check timeout and have the topics ({@link KafkaChecks}). */
  static void verifyKafka(JobConfig config) {
    KafkaChecks.verify(
        config.bootstrapServers(),
        config.kafkaProperties(),
        config.topics().keySet(),
        config.brokerCheckTimeout().getStandardSeconds());
  }

  /** The Kinesis or SQS endpoint answers and has the streams or queues ({@link EndpointChecks}). */
  static void verifyEndpoints(JobConfig config) {
    EndpointChecks.verify(config);
  }
}
