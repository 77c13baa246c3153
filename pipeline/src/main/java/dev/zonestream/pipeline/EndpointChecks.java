package dev.zonestream.pipeline;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Checks before a Kinesis or SQS stream starts that a given endpoint answers, so a typo in {@code
 * --kinesisEndpoint} or {@code --sqsEndpoint} ends the run at once (exit 2) instead of the AWS
 * client retrying inside the runner. AWS's own endpoints are not probed: credentials and
 * permissions are reported by the client.
 */
final class EndpointChecks {
  private EndpointChecks() {}

  static void verify(JobConfig config) {
    int timeoutMillis =
        (int) Math.min(Integer.MAX_VALUE, config.brokers().checkTimeout().getMillis());
    if (config.source() == SourceType.KINESIS) {
      check("kinesisEndpoint", config.aws().kinesisEndpoint(), timeoutMillis);
    } else if (config.source() == SourceType.SQS) {
      check("sqsEndpoint", config.aws().sqsEndpoint(), timeoutMillis);
    }
  }

  private static void check(String option, @Nullable URI endpoint, int timeoutMillis) {
    if (endpoint == null) {
      return;
    }
    int port =
        endpoint.getPort() > 0
            ? endpoint.getPort()
            : "https".equals(endpoint.getScheme()) ? 443 : 80;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(endpoint.getHost(), port), timeoutMillis);
    } catch (IOException e) {
      throw new InvalidOptionException(
          option,
          endpoint,
          "nothing answers at " + endpoint.getHost() + ":" + port + " (" + e + ")");
    }
  }
}
