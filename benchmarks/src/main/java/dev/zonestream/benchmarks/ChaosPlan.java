package dev.zonestream.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What one chaos run publishes and which faults it injects, all drawn from one seed: the same seed
 * and sizes give the same batches, broker timestamps, faults and gaps between faults.
 *
 * <p>Batch 0 holds every customer record, published before the job starts. Batches 1..n split the
 * readings (and the unknown dataset's messages) evenly, published one every {@code
 * batchIntervalSeconds} while the faults happen. Every message gets a broker timestamp (the topics
 * keep create time) that grows with its place in the publishing order, from {@code brokerHours}
 * hours before the start to the start: a job that reads a backlog after a restart sees hours of
 * broker time go by.
 */
final class ChaosPlan {
  /** A fault, at {@code gapSeconds} after the previous one ended (or the job's last start). */
  record Fault(Kind kind, int gapSeconds, int durationSeconds) {}

  enum Kind {
    KILL_JOB,
    STALL_BROKER,
    RESTART_BROKER
  }

  /** One batch of messages per topic, each message with its broker timestamp. */
  record Batch(Map<String, List<Message>> byTopic) {
    int size() {
      return byTopic.values().stream().mapToInt(List::size).sum();
    }
  }

  record Message(byte[] value, long timestamp) {}

  final List<Batch> batches;
  final List<Fault> faults;

  private ChaosPlan(List<Batch> batches, List<Fault> faults) {
    this.batches = batches;
    this.faults = faults;
  }

  /**
   * @param byFolder the generator's messages per folder (dataset, or the unknown one)
   * @param topicOf the topic of each folder
   * @param stallSeconds the broker stall's length; negative: drawn from 30 to 60 s; 0: no stall
   */
  static ChaosPlan of(
      Map<String, List<byte[]>> byFolder,
      Map<String, String> topicOf,
      long seed,
      int readingBatches,
      int kills,
      int stallSeconds,
      boolean restartBroker,
      int brokerHours,
      long startMillis) {
    Random random = new Random(seed);
    List<Map<String, List<byte[]>>> slices = new ArrayList<>();
    slices.add(Map.of("customer", byFolder.getOrDefault("customer", List.of())));
    for (int b = 0; b < readingBatches; b++) {
      Map<String, List<byte[]>> slice = new LinkedHashMap<>();
      for (Map.Entry<String, List<byte[]>> folder : byFolder.entrySet()) {
        if (folder.getKey().equals("customer")) {
          continue;
        }
        List<byte[]> all = folder.getValue();
        int from = (int) ((long) all.size() * b / readingBatches);
        int to = (int) ((long) all.size() * (b + 1) / readingBatches);
        slice.put(folder.getKey(), all.subList(from, to));
      }
      slices.add(slice);
    }
    long total = byFolder.values().stream().mapToLong(List::size).sum();
    long span = brokerHours * 3_600_000L;
    long first = startMillis - span;
    long index = 0;
    List<Batch> batches = new ArrayList<>();
    for (Map<String, List<byte[]>> slice : slices) {
      Map<String, List<Message>> byTopic = new LinkedHashMap<>();
      for (Map.Entry<String, List<byte[]>> folder : slice.entrySet()) {
        List<Message> messages = new ArrayList<>();
        for (byte[] value : folder.getValue()) {
          messages.add(new Message(value, first + span * index++ / Math.max(1, total)));
        }
        byTopic.put(topicOf.get(folder.getKey()), messages);
      }
      batches.add(new Batch(byTopic));
    }

    List<Kind> kinds = new ArrayList<>(Collections.nCopies(kills, Kind.KILL_JOB));
    if (stallSeconds != 0) {
      kinds.add(Kind.STALL_BROKER);
    }
    if (restartBroker) {
      kinds.add(Kind.RESTART_BROKER);
    }
    Collections.shuffle(kinds, random);
    List<Fault> faults = new ArrayList<>();
    for (Kind kind : kinds) {
      int gap = 8 + random.nextInt(18);
      int duration =
          kind == Kind.STALL_BROKER
              ? (stallSeconds > 0 ? stallSeconds : 30 + random.nextInt(31))
              : kind == Kind.RESTART_BROKER ? 2 + random.nextInt(4) : 0;
      faults.add(new Fault(kind, gap, duration));
    }
    return new ChaosPlan(List.copyOf(batches), List.copyOf(faults));
  }

  long messageCount() {
    return batches.stream().mapToLong(Batch::size).sum();
  }
}
