package dev.zonestream.pipeline;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;
import org.checkerframework.checker.nullness.qual.Nullable;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Settles the lake's file system before a run and checks that the lake can be reached: a lake is a
 * local folder or any URI Beam's {@link FileSystems} knows ({@code s3://bucket/prefix}), and every
 * read and write of it goes through {@link FileSystems}. A bad scheme, an S3 bucket that does not
 * exist or an endpoint that does not answer ends the run at start with one line naming the option,
 * not after the pipeline has read everything.
 */
final class LakeChecks {
  private LakeChecks() {}

  /**
   * Applies {@code --s3PathStyleAccess} and registers the file systems of {@code options}.
   *
   * @throws InvalidOptionException naming {@code --endpoint} or {@code --s3PathStyleAccess}
   */
  static void configure(ZonestreamOptions options) {
    URI endpoint = options.getEndpoint();
    if (endpoint != null) {
      String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme();
      if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")
          || endpoint.getHost() == null) {
        throw new InvalidOptionException(
            "endpoint", endpoint, "expected http://HOST[:PORT] or https://HOST[:PORT]");
      }
    }
    if (Boolean.TRUE.equals(options.getS3PathStyleAccess())) {
      Class<?> factory = options.getS3ClientFactoryClass();
      if (factory != DefaultS3ClientBuilderFactory.class
          && factory != PathStyleS3ClientBuilderFactory.class) {
        throw new InvalidOptionException(
            "s3PathStyleAccess",
            true,
            "sets its own --s3ClientFactoryClass; drop one of them (given: "
                + factory.getName()
                + ")");
      }
      options.setS3ClientFactoryClass(PathStyleS3ClientBuilderFactory.class);
    }
    FileSystems.setDefaultPipelineOptions(options);
  }

  /**
   * Checks that the lake's file system is known and, for a remote lake, that it answers; with
   * {@code needsLanding}, that the lake holds landing files to rebuild from.
   *
   * @throws InvalidOptionException naming {@code --lake}, {@code --endpoint}, {@code --awsRegion}
   *     or {@code --awsCredentialsProvider}
   */
  static void verify(String lake, boolean needsLanding, ZonestreamOptions options) {
    Target target =
        new Target(
            lake,
            options.getEndpoint(),
            options.getS3ClientFactoryClass() == PathStyleS3ClientBuilderFactory.class);
    String scheme;
    try {
      scheme = FileSystems.matchNewResource(lake, true).getScheme();
    } catch (IllegalArgumentException e) {
      String message = firstLine(e.getMessage());
      throw new InvalidOptionException(
          "lake",
          lake,
          message.startsWith("No filesystem found")
              ? "no file system for scheme '"
                  + lake.substring(0, Math.max(0, lake.indexOf(':')))
                  + "' (a lake is a local folder or s3://bucket/prefix)"
              : "not a valid path: " + message);
    }
    if (scheme.equals("s3") && bucketOf(lake).isEmpty()) {
      throw new InvalidOptionException("lake", lake, "expected s3://bucket/prefix");
    }
    if (!scheme.equals("file")) {
      // A listing of a prefix that matches almost nothing: it fails on a missing bucket, bad
      // credentials or an endpoint that does not answer, where a HEAD of one object only says 404.
      match(lake + "/_summary.jso?", target);
    }
    if (needsLanding && match(lake + "/landing/**", target).isEmpty()) {
      throw new InvalidOptionException(
          "lake", lake, "no landing zone to rebuild from at " + lake + "/landing");
    }
    probeWritable(lake, scheme, target);
  }

  /**
   * Writes a probe object into the lake and removes it: a read-only mount, a path that is a file or
   * a bucket without write permission ends the run here with one line, not after the job has read
   * its input.
   */
  private static void probeWritable(String lake, String scheme, Target target) {
    ResourceId probe =
        FileSystems.matchNewResource(lake + "/_zonestream-probe-" + UUID.randomUUID(), false);
    try {
      try (WritableByteChannel channel = FileSystems.create(probe, MimeTypes.BINARY)) {
        channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
      }
      FileSystems.delete(List.of(probe), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    } catch (IOException | RuntimeException e) {
      if (!scheme.equals("file")) {
        throw explain(e, target);
      }
      throw new InvalidOptionException(
          "lake", lake, "cannot write to it: " + firstLine(String.valueOf(e)));
    }
  }

  /** The free space of a local lake's disk, in bytes; empty for a remote lake. */
  static OptionalLong freeSpace(String lake) {
    try {
      Path folder = Path.of(lake);
      return Files.isDirectory(folder)
          ? OptionalLong.of(Files.getFileStore(folder).getUsableSpace())
          : OptionalLong.empty();
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** The lake being checked, and what to name in an error. */
  private record Target(String lake, @Nullable URI endpoint, boolean pathStyle) {}

  private static List<MatchResult.Metadata> match(String spec, Target target) {
    try {
      MatchResult result = FileSystems.match(spec, EmptyMatchTreatment.ALLOW);
      if (result.status() == MatchResult.Status.ERROR) {
        // metadata() throws the listing's exception.
        return result.metadata();
      }
      return result.status() == MatchResult.Status.OK ? result.metadata() : List.of();
    } catch (IOException | RuntimeException e) {
      throw explain(e, target);
    }
  }

  /** The first cause that says why, as an option error. */
  private static InvalidOptionException explain(Throwable error, Target target) {
    String lake = target.lake();
    URI endpoint = target.endpoint();
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      String message = firstLine(cause.getMessage());
      String lower = message.toLowerCase(Locale.ROOT);
      if (cause instanceof SdkServiceException service) {
        if (lower.contains("nosuchbucket")
            || lower.contains("bucket does not exist")
            || service.statusCode() == 404) {
          return new InvalidOptionException(
              "lake",
              lake,
              "no such bucket '"
                  + bucketOf(lake)
                  + "'"
                  + (endpoint == null ? "" : " at --endpoint=" + endpoint));
        }
        if (service.statusCode() == 403) {
          return new InvalidOptionException(
              "lake",
              lake,
              "access denied listing the bucket (the job needs s3:ListBucket, s3:GetObject,"
                  + " s3:PutObject, s3:DeleteObject): "
                  + message);
        }
        return new InvalidOptionException("lake", lake, "S3 answered: " + message);
      }
      if (cause instanceof SdkClientException) {
        if (lower.contains("region")) {
          return new InvalidOptionException(
              "--awsRegion is not set and the default chain (AWS_REGION, ~/.aws/config) has none"
                  + " for --lake="
                  + lake);
        }
        if (lower.contains("credentials")) {
          return new InvalidOptionException(
              "--awsCredentialsProvider: the default chain found no AWS credentials for --lake="
                  + lake
                  + " ("
                  + message
                  + ")");
        }
        if (endpoint != null) {
          String hint =
              lower.contains("unknownhost") && !target.pathStyle()
                  ? " (without --s3PathStyleAccess=true the bucket is addressed as a host name)"
                  : "";
          return new InvalidOptionException(
              "endpoint", endpoint, "does not answer for --lake=" + lake + hint + ": " + message);
        }
        return new InvalidOptionException("lake", lake, "S3 cannot be reached: " + message);
      }
    }
    return new InvalidOptionException(
        "lake", lake, "cannot be listed: " + firstLine(String.valueOf(error.getMessage())));
  }

  private static String bucketOf(String lake) {
    String rest = lake.substring(lake.indexOf("://") + 3);
    int slash = rest.indexOf('/');
    return slash < 0 ? rest : rest.substring(0, slash);
  }

  private static String firstLine(@Nullable String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
