package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import dev.zonestream.demo.HostileCorpus;
import dev.zonestream.demo.HostileCorpus.Expect;
import dev.zonestream.demo.HostileCorpus.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostileCorpusTest {
  private static final Path COMMITTED = Path.of("..", "testdata", "hostile");

  private static List<Kind> generate(long seed, boolean large) {
    return new HostileCorpus(seed, large).generate();
  }

  @Test
  void reproducesTheCommittedCorpusByteForByte(@TempDir Path out) throws IOException {
    HostileCorpus.writeTo(
        generate(HostileCorpus.DEFAULT_SEED, false), HostileCorpus.DEFAULT_SEED, false, out);

    Set<String> files = files(out);
    assertThat(files, equalTo(files(COMMITTED)));
    for (String file : files) {
      assertThat(
          file
              + " differs: regenerate with bin/zonestream generate --hostile=true"
              + " --output=testdata/hostile",
          Arrays.equals(
              Files.readAllBytes(out.resolve(file)), Files.readAllBytes(COMMITTED.resolve(file))),
          equalTo(true));
    }
  }

  @Test
  void theLargeTierAddsLargeKindsAndKeepsTheSmallOnes() {
    List<Kind> small = generate(HostileCorpus.DEFAULT_SEED, false);
    List<Kind> large = generate(HostileCorpus.DEFAULT_SEED, true);

    assertThat(
        large.stream().filter(k -> !k.large()).map(HostileInputKey::of).toList(),
        equalTo(small.stream().map(HostileInputKey::of).toList()));
    long megabyteLines =
        large.stream()
            .filter(Kind::large)
            .flatMap(k -> k.lines().stream())
            .filter(l -> l.length > 1 << 20)
            .count();
    assertThat(megabyteLines, greaterThan(3L));
  }

  @Test
  void everyKindHasMessagesAndEveryRejectedKindAReasonPattern() {
    for (Kind kind : generate(HostileCorpus.DEFAULT_SEED, true)) {
      assertThat(kind.folder() + "/" + kind.name(), kind.brokerMessages(), greaterThan(0L));
      assertThat(
          kind.folder() + "/" + kind.name(),
          kind.reason() == null,
          equalTo(kind.expect() != Expect.REJECTED));
      for (byte[] line : kind.lines()) {
        for (byte b : line) {
          assertThat(kind.folder() + "/" + kind.name(), b, not(equalTo((byte) '\n')));
        }
      }
    }
    assertThat(
        generate(HostileCorpus.DEFAULT_SEED, false).stream()
            .filter(k -> k.name().equals("tombstone"))
            .findFirst()
            .orElseThrow()
            .file(),
        nullValue());
  }

  @Test
  void anotherSeedGivesOtherBytes() {
    List<Kind> a = generate(1, false);
    List<Kind> b = generate(2, false);
    assertThat(Arrays.equals(a.get(0).lines().get(0), b.get(0).lines().get(0)), equalTo(false));
  }

  private static Set<String> files(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  /** A kind's identity and bytes, comparable. */
  private record HostileInputKey(String folder, String name, List<String> lines) {
    static HostileInputKey of(Kind kind) {
      return new HostileInputKey(
          kind.folder(),
          kind.name(),
          kind.lines().stream()
              .map(l -> l.length + ":" + Arrays.hashCode(l))
              .collect(Collectors.toList()));
    }
  }
}
