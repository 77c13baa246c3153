package dev.zonestream.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.arrayWithSize;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each start of a Spark stream gets a checkpoint folder of its own, and the folders of earlier
 * starts go; what else is in {@code --checkpointDir} stays. That a restart then goes on from the
 * lake with nothing lost is {@code SparkResumeIT}'s part (dist/spark).
 */
class SparkCheckpointsTest {
  @TempDir Path dir;

  private final PrintStream err =
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  private static String checkpointDir(String[] args) {
    String value = RunnerArgs.value(args, "checkpointDir");
    assertThat(value != null, equalTo(true));
    return value;
  }

  @Test
  void eachStartCheckpointsIntoANewFolderAndEarlierStartsAreDeleted() throws Exception {
    Path base = dir.resolve("_checkpoints").resolve("spark");
    String[] args = {"--runner=SparkRunner", "--checkpointDir=" + base, "--lake=/l"};

    String first = checkpointDir(SparkCheckpoints.startFresh(args, err));
    assertThat(first, startsWith(base + "/" + SparkCheckpoints.PREFIX));
    Path firstFolder = Path.of(first);
    Files.createDirectories(firstFolder.resolve("spark-checkpoint"));
    Files.writeString(firstFolder.resolve("spark-checkpoint").resolve("checkpoint-1"), "x");
    Path other = Files.createDirectories(base.resolve("kept-by-the-user"));

    String[] second = SparkCheckpoints.startFresh(args, err);
    assertThat(checkpointDir(second), not(equalTo(first)));
    assertThat(checkpointDir(second), startsWith(base + "/" + SparkCheckpoints.PREFIX));
    assertThat(Files.exists(firstFolder), equalTo(false));
    assertThat(Files.isDirectory(other), equalTo(true));
    assertThat(second[0], equalTo("--runner=SparkRunner"));
    assertThat(second[2], equalTo("--lake=/l"));
    assertThat(second, arrayWithSize(3));
  }

  @Test
  void aFileUriIsCleanedToo() throws Exception {
    Path base = dir.resolve("cp");
    Files.createDirectories(base.resolve(SparkCheckpoints.PREFIX + "old").resolve("a"));
    String uri = base.toUri().toString();
    String folder =
        checkpointDir(SparkCheckpoints.startFresh(new String[] {"--checkpointDir=" + uri}, err));
    assertThat(folder, startsWith(uri));
    assertThat(SparkCheckpoints.earlierStarts(base), hasSize(0));
  }

  @Test
  void aRemoteFolderGetsANewFolderAndIsNotListed() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String[] args = {"--checkpointDir=hdfs://nn:8020/zs/spark/"};
    String folder =
        checkpointDir(
            SparkCheckpoints.startFresh(
                args, new PrintStream(bytes, true, StandardCharsets.UTF_8)));
    assertThat(folder, startsWith("hdfs://nn:8020/zs/spark/" + SparkCheckpoints.PREFIX));
    assertThat(folder, not(containsString("//" + SparkCheckpoints.PREFIX)));
    assertThat(bytes.toString(StandardCharsets.UTF_8), containsString("goes on from the lake"));
  }

  @Test
  void withoutACheckpointDirTheArgumentsStayAsTheyAre() throws Exception {
    String[] args = {"--runner=SparkRunner"};
    assertThat(SparkCheckpoints.startFresh(args, err), equalTo(args));
    assertThat(SparkCheckpoints.earlierStarts(dir.resolve("missing")), hasSize(0));
  }
}
