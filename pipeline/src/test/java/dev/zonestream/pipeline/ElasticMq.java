package dev.zonestream.pipeline;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * An SQS server for tests: ElasticMQ in this JVM, on loopback and a free port, stopped by {@link
 * #close}. Messages are sent with the AWS SDK, as a producer would.
 */
final class ElasticMq implements AutoCloseable {
  static final String REGION = "us-east-1";

  private final SQSRestServer server;
  private final URI endpoint;
  private final SqsClient client;

  private ElasticMq(SQSRestServer server, URI endpoint) {
    this.server = server;
    this.endpoint = endpoint;
    this.client =
        SqsClient.builder()
            .endpointOverride(endpoint)
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
            .build();
  }

  static ElasticMq start() throws IOException {
    int port = freePort();
    SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port).start();
    server.waitUntilStarted();
    return new ElasticMq(server, URI.create("http://127.0.0.1:" + port));
  }

  URI endpoint() {
    return endpoint;
  }

  SqsClient client() {
    return client;
  }

  /** Creates a queue and returns its URL. */
  String createQueue(String name, int visibilityTimeoutSeconds) {
    return client
        .createQueue(
            b ->
                b.queueName(name)
                    .attributes(
                        Map.of(
                            QueueAttributeName.VISIBILITY_TIMEOUT,
                            Integer.toString(visibilityTimeoutSeconds))))
        .queueUrl();
  }

  /** Sends each body as one message, in batches of ten (SQS's limit); returns their ids. */
  List<String> send(String queueUrl, List<String> bodies) {
    List<String> ids = new java.util.ArrayList<>();
    for (int from = 0; from < bodies.size(); from += 10) {
      List<String> batch = bodies.subList(from, Math.min(bodies.size(), from + 10));
      List<SendMessageBatchRequestEntry> entries =
          java.util.stream.IntStream.range(0, batch.size())
              .mapToObj(
                  i ->
                      SendMessageBatchRequestEntry.builder()
                          .id("m" + i)
                          .messageBody(batch.get(i))
                          .build())
              .toList();
      var response = client.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
      if (!response.failed().isEmpty()) {
        throw new IllegalStateException("SQS refused messages: " + response.failed());
      }
      response.successful().forEach(ok -> ids.add(ok.messageId()));
    }
    return ids;
  }

  /** Messages visible or in flight in the queue. */
  long depth(String queueUrl) {
    Depth depth = depthOf(queueUrl);
    return depth.visible() + depth.hidden();
  }

  /** Messages of a queue not deleted: visible (to be received) and hidden (received, in flight). */
  record Depth(long visible, long hidden) {}

  Depth depthOf(String queueUrl) {
    Map<QueueAttributeName, String> attributes =
        client
            .getQueueAttributes(
                b ->
                    b.queueUrl(queueUrl)
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes();
    return new Depth(
        Long.parseLong(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)),
        Long.parseLong(
            attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)));
  }

  static SdkBytes bytes(byte[] value) {
    return SdkBytes.fromByteArray(value);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    client.close();
    server.stopAndWait();
  }
}
