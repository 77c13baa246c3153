package dev.zonestream.pipeline;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Beam's S3 client builder with path-style access forced ({@code --s3PathStyleAccess=true}). Beam
 * 2.70's {@code S3Options} has no switch for it, and the AWS SDK addresses a bucket as a host name
 * ({@code bucket.localhost}) unless the endpoint is an IP address, which S3-compatible servers on a
 * host name do not answer. Region, endpoint, credentials and HTTP settings come from the options as
 * with Beam's default factory.
 */
public final class PathStyleS3ClientBuilderFactory extends DefaultS3ClientBuilderFactory {
  @Override
  public S3ClientBuilder createBuilder(S3Options options) {
    return super.createBuilder(options).forcePathStyle(true);
  }
}
