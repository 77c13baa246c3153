package dev.zonestream.pipeline;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * The options of the zonestream job. Each is validated once, before the graph is built, by {@link
 * JobConfig#from}: a bad value ends the run with one line naming the option.
 *
 * <p>Beam's {@link S3Options} (and through it {@code AwsOptions}) are part of them: Kinesis and SQS
 * take {@code --awsRegion} and {@code --awsCredentialsProvider} from them, and a lake on S3 takes
 * Beam's own {@code --awsRegion}, {@code --endpoint}, {@code --awsCredentialsProvider}, {@code
 * --SSEAlgorithm}, {@code --SSEKMSKeyId}, {@code --s3ClientFactoryClass} and the rest.
 */
public interface ZonestreamOptions extends S3Options, StreamingOptions {

  @Description(
      "An argument file of runner settings (runners-config/*.args): one --option=value per line,"
          + " # comments. Options on the command line replace the file's.")
  String getRunnerConfig();

  void setRunnerConfig(String value);

  @Description(
      "Where messages come from: files (a folder of JSON Lines, bounded), kafka (a stream from"
          + " --bootstrapServers), embedded-kafka (an in-process broker fed with --input or with"
          + " generated data), landing (backfill: rebuild trusted and curated from the lake's"
          + " landing zone alone, bounded), kinesis (--streams) or sqs (--queues). When not given: --input implies files,"
          + " --bootstrapServers implies kafka, neither implies embedded-kafka.")
  String getSource();

  void setSource(String value);

  @Description(
      "A folder holding one sub-folder per dataset (customer, accelerometer, step_trainer) of JSON"
          + " Lines files, one message per line.")
  String getInput();

  void setInput(String value);

  @Description(
      "The data lake's root: a folder, or s3://bucket/prefix (Beam's S3 file system, configured by"
          + " --awsRegion, --endpoint, --awsCredentialsProvider, --SSEAlgorithm, ...); zones are"
          + " folders (prefixes) under it.")
  @Default.String("lake")
  String getLake();

  void setLake(String value);

  @Description(
      "Address S3 buckets path-style (http://endpoint/bucket/key) instead of virtual-host style"
          + " (http://bucket.endpoint/key). S3-compatible servers at an --endpoint such as"
          + " http://localhost:9090 need it; AWS S3 does not. Sets --s3ClientFactoryClass to a"
          + " factory that forces path-style access.")
  @Default.Boolean(false)
  Boolean getS3PathStyleAccess();

  void setS3PathStyleAccess(Boolean value);

  @Description("Kafka bootstrap servers, host:port[,host:port].")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description(
      "The lake spec (YAML or JSON): the datasets, where each comes from, their schemas, rules,"
          + " the privacy rule and the curated tables. Default: the STEDI spec the project ships"
          + " (specs/stedi.yaml).")
  String getSpec();

  void setSpec(String value);

  @Description(
      "Dataset to Kafka topic, comma separated dataset=topic pairs; replaces the spec's kafka"
          + " sources. Default: the spec's (STEDI: customer=stedi.customer,"
          + " accelerometer=stedi.accelerometer, step_trainer=stedi.step_trainer).")
  String getTopics();

  void setTopics(String value);

  @Description(
      "Also read every topic matching this regular expression; matching topics not named in"
          + " --topics land under _unrouted.")
  String getTopicPattern();

  void setTopicPattern(String value);

  @Description(
      "Kafka consumer group. zonestream commits its offsets itself, on every runner, every 2 s and"
          + " only past messages that are in final landing files, so a new job (one that restores"
          + " no Flink checkpoint) reads on from what has landed (see docs/landing.md, Delivery)."
          + " Empty: no group, no commits.")
  @Default.String("zonestream")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "Where to start reading when the consumer group has no committed offset: earliest or latest.")
  @Default.String("earliest")
  String getStartFrom();

  void setStartFrom(String value);

  @Description(
      "A Java properties file of Kafka client settings (TLS, SASL) for --source=kafka, for"
          + " example security.protocol=SASL_SSL. Kept out of the command line so secrets stay"
          + " off ps; passwords and the JAAS configuration are never printed.")
  String getKafkaPropertiesFile();

  void setKafkaPropertiesFile(String value);

  @Description(
      "How long to wait for --bootstrapServers to answer before the run starts, in seconds.")
  @Default.Long(15)
  Long getBrokerCheckTimeoutSeconds();

  void setBrokerCheckTimeoutSeconds(Long value);

  @Description(
      "How long a producer's timestamp may trail the newest one of its partition, in seconds; the"
          + " watermark is held back by this much.")
  @Default.Long(5)
  Long getMaxBrokerDelaySeconds();

  void setMaxBrokerDelaySeconds(Long value);

  @Description("Landing window length in seconds (fixed windows of broker time).")
  @Default.Long(60)
  Long getWindowSeconds();

  void setWindowSeconds(Long value);

  @Description(
      "How long after a window's end a message may still join it, in seconds (as a further"
          + " file, pane 1, 2, ...; in the trusted and curated joins, as a further decision).")
  @Default.Long(3600)
  Long getAllowedLatenessSeconds();

  void setAllowedLatenessSeconds(Long value);

  @Description("Files per dataset, window and pane in the landing zone.")
  @Default.Integer(1)
  Integer getLandingShards();

  void setLandingShards(Integer value);

  @Description(
      "Which zones the job writes: all (landing, trusted and curated) or landing (every message"
          + " into the landing zone and nothing else; a later --source=landing run builds trusted"
          + " and curated from it).")
  @Default.String("all")
  String getZones();

  void setZones(String value);

  @Description(
      "The trusted and curated tables' format: parquet (each table's declared schema, a typed"
          + " eventTime column, snappy) or json (JSON Lines, gzip as --landingGzip says). The"
          + " rejects are JSON Lines either way.")
  @Default.String("parquet")
  String getTableFormat();

  void setTableFormat(String value);

  @Description(
      "Where Athena's tables in <lake>/_catalog/athena.sql point when the lake is a local folder:"
          + " the s3://bucket/prefix the lake will be copied to. An s3:// lake needs none (its own"
          + " URI is used); without it, a local lake's athena.sql says what to replace.")
  String getCatalogS3Location();

  void setCatalogS3Location(String value);

  @Description("Gzip the landing files (true) or write plain JSON Lines (false).")
  @Default.Boolean(true)
  Boolean getLandingGzip();

  void setLandingGzip(Boolean value);

  @Description(
      "Which readings of a consenting customer enter trusted: after-consent (taken at or after"
          + " shareWithResearchAsOfDate) or all-readings. Default: the spec's consent scope"
          + " (STEDI: after-consent).")
  String getConsentScope();

  void setConsentScope(String value);

  @Description(
      "Streams only: how long a reading that finds no customer (a step-trainer reading: no owner"
          + " with trusted phone readings) waits for one before it is rejected (trusted/_rejected)"
          + " or excluded, in seconds on the --waitClock: with watermark, seconds of broker time"
          + " past the reading that every input of the step must have been processed to, so a slow"
          + " runner or a backlog never ends a wait early. A customer or owner seen at any earlier"
          + " time is always found. Default: 600, or 20 with embedded-kafka.")
  Long getConsentWaitSeconds();

  void setConsentWaitSeconds(Long value);

  @Description(
      "Streams only: what ends the waits (--consentWaitSeconds) and the machine-learning join's"
          + " hold (--joinHorizonHours): watermark (the data's progress in broker time: the same"
          + " answer however fast the runner) or processing-time (the runner's clock). Default:"
          + " watermark; processing-time on Spark, whose streaming runner has no event-time timers.")
  String getWaitClock();

  void setWaitClock(String value);

  @Description(
      "Streams only: how long, in hours on the --waitClock, the machine-learning join holds a"
          + " moment's phone and step-trainer readings for their partner (a step trainer that"
          + " uploads hours after the phone still pairs within it). Later partners are counted as"
          + " unpaired; a backfill pairs them. Memory: every trusted phone reading and owned step"
          + " reading within the horizon. Default: --dedupHorizonHours.")
  Long getJoinHorizonHours();

  void setJoinHorizonHours(Long value);

  @Description(
      "Streams only: how long, in hours of processing time, a reading is remembered so that a"
          + " repeat of it (a redelivery, the same payload sent again) is dropped from trusted."
          + " Memory: a 16-byte digest per distinct reading within the horizon (measured on Flink's"
          + " heap state: about 70 MB per million readings).")
  @Default.Long(24)
  Long getDedupHorizonHours();

  void setDedupHorizonHours(Long value);

  @Description("Payloads larger than this many bytes are rejected from trusted (they still land).")
  @Default.Integer(65536)
  Integer getMaxPayloadBytes();

  void setMaxPayloadBytes(Integer value);

  @Description(
      "Embedded default only: seconds between the customers having landed and the readings being"
          + " published (customers sign up first; their devices send afterwards).")
  @Default.Long(0)
  Long getReadingsDelaySeconds();

  void setReadingsDelaySeconds(Long value);

  @Description(
      "Embedded default only: customers the seeded generator makes when no --input is given.")
  @Default.Integer(300)
  Integer getCustomers();

  void setCustomers(Integer value);

  @Description("Embedded default only: the generator's seed.")
  @Default.Long(42)
  Long getSeed();

  void setSeed(Long value);

  @Description(
      "Streams: print one progress line (read, landed, trusted and rejected per dataset, Kafka's"
          + " consumer lag) and rewrite <lake>/_summary.json every this many seconds; 0: never"
          + " (the summary is still printed and written when the stream stops).")
  @Default.Long(10)
  Long getProgressSeconds();

  void setProgressSeconds(Long value);

  @Description(
      "Serve the run's metrics in Prometheus's text format at http://HOST:PORT/metrics (every"
          + " interface): read, landed, rejected, table rows and waiting records per dataset, the"
          + " Kafka consumer lag, the age of the newest final landing file. 0 picks a free port"
          + " (said on stderr); absent, no endpoint.")
  Integer getMetricsPort();

  void setMetricsPort(Integer value);

  @Description(
      "Embedded default only: give up (exit 1) when not every published message has landed after"
          + " this many seconds.")
  @Default.Long(600)
  Long getRunTimeoutSeconds();

  void setRunTimeoutSeconds(Long value);

  @Description(
      "Kinesis: dataset to stream name, comma separated dataset=stream pairs: the spec's datasets,"
          + " or _unrouted (read, landed and rejected as unknown). Default: the spec's kinesis"
          + " sources (STEDI: stedi.customer, stedi.accelerometer, stedi.step_trainer).")
  String getStreams();

  void setStreams(String value);

  @Description(
      "Kinesis: where a stream with no landing in the lake yet starts (a stream job otherwise"
          + " starts where its landing ends): trim-horizon (the oldest record kept) or latest"
          + " (records arriving from now on). An ISO-8601 instant such as 2024-05-01T00:00:00Z (the"
          + " first record that arrived at or after it) wins over the landing: a replay or a skip."
          + " A bounded read starts here.")
  @Default.String("trim-horizon")
  String getKinesisStartFrom();

  void setKinesisStartFrom(String value);

  @Description(
      "Kinesis: an endpoint other than AWS's for --awsRegion, http(s)://host:port (a local"
          + " kinesis-mock, a VPC endpoint).")
  String getKinesisEndpoint();

  void setKinesisEndpoint(String value);

  @Description(
      "SQS: dataset to queue URL, comma separated dataset=URL pairs, for example"
          + " customer=https://sqs.eu-west-1.amazonaws.com/123456789012/stedi-customer: the spec's"
          + " datasets, or _unrouted. Default: the spec's sqs sources.")
  String getQueues();

  void setQueues(String value);

  @Description(
      "SQS: an endpoint other than AWS's for --awsRegion, http(s)://host:port (a local ElasticMQ,"
          + " a VPC endpoint).")
  String getSqsEndpoint();

  void setSqsEndpoint(String value);

  @Description(
      "SQS: seconds a received message stays hidden from other consumers; zonestream extends it by"
          + " as much again until the message is in a final landing file, then deletes it. A job"
          + " that dies leaves its unlanded messages hidden this long before SQS delivers them"
          + " again. 4 to 43200.")
  @Default.Long(60)
  Long getSqsVisibilityTimeoutSeconds();

  void setSqsVisibilityTimeoutSeconds(Long value);

  @Description(
      "Kinesis and SQS: make the read bounded, ending after this many messages per stream or"
          + " queue (with --maxReadSeconds, whichever comes first). A bounded run replaces the"
          + " lake's trusted and curated zones, like a files run.")
  Long getMaxMessages();

  void setMaxMessages(Long value);

  @Description(
      "Kinesis and SQS: make the read bounded, ending after this many seconds of reading (with"
          + " --maxMessages, whichever comes first): one deadline for all streams and shards or"
          + " queues, counted from the job's start.")
  Long getMaxReadSeconds();

  void setMaxReadSeconds(Long value);

  @Description(
      "Flink streams (kafka, kinesis, sqs; not embedded-kafka): resume from the newest completed"
          + " checkpoint under --stateBackendStoragePath (by default <lake>/_checkpoints/flink),"
          + " with the run id of the job that took it. false starts a new job: the earlier jobs'"
          + " checkpoints are moved into set-aside-<time>/ in that folder first. Ignored when"
          + " --savepointPath is given; under flink run, -s CHECKPOINT decides instead.")
  @Default.Boolean(true)
  Boolean getFlinkResume();

  void setFlinkResume(Boolean value);

  @Description(
      "Streams (kafka, kinesis, sqs): before reading the broker, rebuild trusted and curated from"
          + " the lake's landing zone (a backfill, as --source=landing) when the runner restores"
          + " no state of an earlier job (Direct and Spark always; Flink when it resumes no"
          + " checkpoint)."
          + " The rows an earlier job held in memory when it stopped or crashed are then in the"
          + " tables. false starts at once and leaves them missing until a backfill.")
  @Default.Boolean(true)
  Boolean getRebuildTablesOnStart();

  void setRebuildTablesOnStart(Boolean value);
}
