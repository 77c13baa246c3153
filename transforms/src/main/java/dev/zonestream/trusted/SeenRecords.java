package dev.zonestream.trusted;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * The records a stream has seen within its de-duplication horizon, as 128-bit digests (MD5) of
 * their coded form, 16 bytes a record however large the record, in generations: the step that keeps
 * them ends a generation every {@value #GENERATION_MILLIS} ms of processing time ({@link #rotate}),
 * and forgetting is dropping a whole generation once it ended longer than the horizon ago (a record
 * is remembered for the horizon and at most two generations more).
 *
 * <p>Two different records with the same digest would make the second look like a repeat: for the
 * records of one horizon (millions), the chance is below 10<sup>-20</sup>.
 */
final class SeenRecords {
  static final long GENERATION_MILLIS = 3_600_000L;
  private static final long OPEN = Long.MAX_VALUE;

  private final ArrayDeque<Generation> generations = new ArrayDeque<>();

  /** The 16-byte digest of {@code bytes}. */
  static byte[] digest(byte[] bytes) {
    return MD5.get().digest(bytes);
  }

  /** Adds a {@link #digest}; whether it was new (not in any generation kept). */
  boolean add(byte[] digest) {
    long high = 0;
    long low = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (digest[i] & 0xff);
      low = (low << 8) | (digest[i + 8] & 0xff);
    }
    return add(high, low);
  }

  private static final ThreadLocal<MessageDigest> MD5 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java platform has MD5", e);
            }
          });

  private boolean add(long high, long low) {
    for (Generation generation : generations) {
      if (generation.contains(high, low)) {
        return false;
      }
    }
    Generation newest = generations.peekLast();
    if (newest == null || newest.end != OPEN) {
      newest = new Generation(16);
      generations.addLast(newest);
    }
    newest.add(high, low);
    return true;
  }

  /**
   * Ends the generation being filled at {@code now} (processing time, epoch ms) and forgets the
   * generations that ended more than {@code horizonMillis} before it: each of their records was
   * first seen at least that long ago.
   */
  void rotate(long now, long horizonMillis) {
    Generation newest = generations.peekLast();
    if (newest != null && newest.end == OPEN) {
      newest.end = now;
    }
    while (!generations.isEmpty() && generations.peekFirst().end <= now - horizonMillis) {
      generations.removeFirst();
    }
  }

  boolean isEmpty() {
    return generations.isEmpty();
  }

  /** Digests kept. */
  long size() {
    return generations.stream().mapToLong(g -> g.size).sum();
  }

  /** One hour's digests: an open-addressing set of (high, low) pairs, (0, 0) meaning empty. */
  private static final class Generation {
    long end = OPEN;
    long[] table; // high, low, high, low, ...
    int size;

    Generation(int capacity) {
      this.table = new long[2 * capacity];
    }

    private static long orNonZero(long low, long high) {
      return high == 0 && low == 0 ? 1 : low;
    }

    boolean contains(long high, long low) {
      low = orNonZero(low, high);
      int mask = table.length / 2 - 1;
      for (int i = slot(high, low, mask); ; i = (i + 1) & mask) {
        long h = table[2 * i];
        long l = table[2 * i + 1];
        if (h == 0 && l == 0) {
          return false;
        }
        if (h == high && l == low) {
          return true;
        }
      }
    }

    void add(long high, long low) {
      if (2 * (size + 1) > table.length / 2) {
        long[] old = table;
        table = new long[2 * old.length];
        size = 0;
        for (int i = 0; i < old.length; i += 2) {
          if (old[i] != 0 || old[i + 1] != 0) {
            insert(old[i], old[i + 1]);
          }
        }
      }
      insert(high, orNonZero(low, high));
    }

    private void insert(long high, long low) {
      int mask = table.length / 2 - 1;
      int i = slot(high, low, mask);
      while (table[2 * i] != 0 || table[2 * i + 1] != 0) {
        i = (i + 1) & mask;
      }
      table[2 * i] = high;
      table[2 * i + 1] = low;
      size++;
    }

    private static int slot(long high, long low, int mask) {
      long mixed = (high ^ (low * 0x9E3779B97F4A7C15L));
      return (int) (mixed ^ (mixed >>> 32)) & mask;
    }
  }

  /** Generations with their start and their digests; the table is rebuilt on decoding. */
  static final class SeenRecordsCoder extends CustomCoder<SeenRecords> {
    private static final SeenRecordsCoder INSTANCE = new SeenRecordsCoder();

    static SeenRecordsCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(SeenRecords value, OutputStream out) throws IOException {
      DataOutputStream data = new DataOutputStream(out);
      data.writeInt(value.generations.size());
      for (Generation generation : value.generations) {
        data.writeLong(generation.end);
        data.writeInt(generation.size);
        long[] table = generation.table;
        for (int i = 0; i < table.length; i += 2) {
          if (table[i] != 0 || table[i + 1] != 0) {
            data.writeLong(table[i]);
            data.writeLong(table[i + 1]);
          }
        }
      }
      data.flush();
    }

    @Override
    public SeenRecords decode(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      SeenRecords seen = new SeenRecords();
      int count = data.readInt();
      for (int g = 0; g < count; g++) {
        long end = data.readLong();
        int size = data.readInt();
        Generation generation = new Generation(Integer.highestOneBit(Math.max(8, size)) * 4);
        generation.end = end;
        for (int i = 0; i < size; i++) {
          generation.insert(data.readLong(), data.readLong());
        }
        seen.generations.addLast(generation);
      }
      return seen;
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of();
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      throw new NonDeterministicException(this, "a hash table's order is not deterministic");
    }
  }
}
