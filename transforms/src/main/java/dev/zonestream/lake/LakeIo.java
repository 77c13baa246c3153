package dev.zonestream.lake;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.util.MimeTypes;

/** Small file operations on the lake through Beam's {@link FileSystems} (a local folder or S3). */
public final class LakeIo {
  private LakeIo() {}

  /** Whether a file is at {@code path}. */
  public static boolean exists(String path) throws IOException {
    MatchResult match = FileSystems.match(path, EmptyMatchTreatment.ALLOW);
    return match.status() == MatchResult.Status.OK && !match.metadata().isEmpty();
  }

  /** Writes {@code text} (UTF-8) to {@code path}, replacing what is there. */
  public static void writeText(String path, String text) throws IOException {
    try (OutputStream out =
        Channels.newOutputStream(
            FileSystems.create(FileSystems.matchNewResource(path, false), MimeTypes.TEXT))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }
}
