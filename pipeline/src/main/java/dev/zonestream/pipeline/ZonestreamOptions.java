package dev.zonestream.pipeline;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * The options of the zonestream job. Each is validated once, before the graph is built, by {@link
 * JobConfig#from}: a bad value ends the run with one line naming the option.
 */
public interface ZonestreamOptions extends PipelineOptions, StreamingOptions {

  @Description(
      "An argument file of runner settings (runners-config/*.args): one --option=value per line,"
          + " # comments. Options on the command line replace the file's.")
  String getRunnerConfig();

  void setRunnerConfig(String value);

  @Description(
      "Where messages come from: files (a folder of JSON Lines, bounded), kafka (a stream from"
          + " --bootstrapServers), embedded-kafka (an in-process broker fed with --input or with"
          + " generated data) or landing (backfill: rebuild trusted and curated from the lake's"
          + " landing zone alone, bounded). When not given: --input implies files,"
          + " --bootstrapServers implies kafka, neither implies embedded-kafka.")
  String getSource();

  void setSource(String value);

  @Description(
      "A folder holding one sub-folder per dataset (customer, accelerometer, step_trainer) of JSON"
          + " Lines files, one message per line.")
  String getInput();

  void setInput(String value);

  @Description("The data lake's root folder (or URI); zones are folders under it.")
  @Default.String("lake")
  String getLake();

  void setLake(String value);

  @Description("Kafka bootstrap servers, host:port[,host:port].")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description(
      "Dataset to Kafka topic, comma separated dataset=topic pairs. Datasets: customer,"
          + " accelerometer, step_trainer.")
  @Default.String(
      "customer=stedi.customer,accelerometer=stedi.accelerometer,step_trainer=stedi.step_trainer")
  String getTopics();

  void setTopics(String value);

  @Description(
      "Also read every topic matching this regular expression; matching topics not named in"
          + " --topics land under _unrouted.")
  String getTopicPattern();

  void setTopicPattern(String value);

  @Description(
      "Kafka consumer group. Offsets are committed when the runner finalises a checkpoint of the"
          + " read, so a restart resumes there (see README, Delivery). Empty: no group, no commits.")
  @Default.String("zonestream")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "Where to start reading when the consumer group has no committed offset: earliest or latest.")
  @Default.String("earliest")
  String getStartFrom();

  void setStartFrom(String value);

  @Description(
      "A Java properties file of extra Kafka consumer settings (TLS, SASL), for example"
          + " security.protocol=SASL_SSL. Kept out of the command line so secrets stay off ps.")
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

  @Description("Gzip the landing files (true) or write plain JSON Lines (false).")
  @Default.Boolean(true)
  Boolean getLandingGzip();

  void setLandingGzip(Boolean value);

  @Description(
      "Which readings of a consenting customer enter trusted: after-consent (taken at or after"
          + " shareWithResearchAsOfDate) or all-readings.")
  @Default.String("after-consent")
  String getConsentScope();

  void setConsentScope(String value);

  @Description(
      "Streams only: how long, in broker time, a reading waits for its customer (and each join"
          + " for its other side), in seconds. Messages of one customer that arrive further apart"
          + " are decided separately; a backfill (--source=landing) decides them together."
          + " Default: 600, or 20 with embedded-kafka, which publishes its whole data set at once.")
  Long getConsentWaitSeconds();

  void setConsentWaitSeconds(Long value);

  @Description("Payloads larger than this many bytes are rejected from trusted (they still land).")
  @Default.Integer(65536)
  Integer getMaxPayloadBytes();

  void setMaxPayloadBytes(Integer value);

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
      "Embedded default only: give up (exit 1) when not every published message has landed after"
          + " this many seconds.")
  @Default.Long(600)
  Long getRunTimeoutSeconds();

  void setRunTimeoutSeconds(Long value);
}
