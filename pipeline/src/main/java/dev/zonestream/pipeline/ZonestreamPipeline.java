package dev.zonestream.pipeline;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import dev.zonestream.curated.AdmitStepTrainerReadings;
import dev.zonestream.curated.JoinStepTrainerWithAccelerometer;
import dev.zonestream.ingest.CommitLandedKafkaOffsets;
import dev.zonestream.ingest.ReadJsonLinesFiles;
import dev.zonestream.ingest.ReadKafkaMessages;
import dev.zonestream.ingest.ReadKinesisRecords;
import dev.zonestream.ingest.ReadLandingZone;
import dev.zonestream.ingest.ReadSqsMessages;
import dev.zonestream.lake.LandedFile;
import dev.zonestream.lake.TableRow;
import dev.zonestream.lake.ToTableRows;
import dev.zonestream.lake.WriteZoneTables;
import dev.zonestream.landing.LandWindowedFiles;
import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.Customer;
import dev.zonestream.model.Dataset;
import dev.zonestream.model.Envelope;
import dev.zonestream.model.MachineLearningRow;
import dev.zonestream.model.Rejected;
import dev.zonestream.model.StepTrainerReading;
import dev.zonestream.model.Tables;
import dev.zonestream.spec.DatasetRoutes;
import dev.zonestream.spec.LakeSpec;
import dev.zonestream.spec.LakeSpec.DatasetSpec;
import dev.zonestream.spec.SpecRecords;
import dev.zonestream.trusted.ApplyConsent;
import dev.zonestream.trusted.ParseRecords;
import dev.zonestream.trusted.ReadKnownRecords;
import dev.zonestream.trusted.RejectUnknownDatasets;
import dev.zonestream.trusted.TrustDeclaredDataset;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.Partition;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one zonestream graph: read messages from the configured source, land them, and build the
 * trusted and curated zones from them. The entry point and the tests build it through {@link
 * #build}, so both run the same graph; a backfill (source {@code landing}) runs the same trusted
 * and curated transforms over the landing zone instead of a broker, and does not land again. With
 * {@code --zones=landing} the graph is the source and the landing write alone (and, for Kafka and
 * SQS, what acknowledges landed messages to the broker).
 */
public final class ZonestreamPipeline {
  private ZonestreamPipeline() {}

  /** The graph's outputs, for the entry point's summary and for tests. */
  public record Outputs(
      PCollection<Envelope> messages,
      @Nullable PCollection<LandedFile> landed,
      PCollection<LandedFile> tableFiles) {}

  /**
   * Adds the graph for {@code config} to {@code pipeline}. Its landing and table files carry a run
   * id of their own ({@link #newRunId}), so this run never replaces files another run wrote.
   */
  public static Outputs build(Pipeline pipeline, JobConfig config) {
    return build(pipeline, config, newRunId());
  }

  /**
   * As above, naming the files with {@code runId}: a Flink stream restored from its checkpoint
   * takes the run id of the job it resumes, so the files it rewrites replace their first copies.
   */
  public static Outputs build(Pipeline pipeline, JobConfig config, String runId) {
    ReadSqsMessages readSqs = config.source() == SourceType.SQS ? readSqs(config) : null;
    PCollectionTuple sqs = readSqs != null ? pipeline.apply("ReadSqs", readSqs) : null;
    PCollection<Envelope> messages =
        switch (config.source()) {
          case FILES ->
              pipeline.apply(
                  "ReadFiles",
                  ReadJsonLinesFiles.create()
                      .from(config.input())
                      .withRoutes(DatasetRoutes.of(config.spec())));
          case KAFKA, EMBEDDED_KAFKA -> pipeline.apply("ReadKafka", readKafka(config));
          case LANDING ->
              pipeline.apply(
                  "ReadLandingZone", ReadLandingZone.create().from(config.landingRoot()));
          case KINESIS -> pipeline.apply("ReadKinesis", readKinesis(config));
          case SQS -> checkArgumentNotNull(sqs).get(ReadSqsMessages.MESSAGES);
        };
    if (config.source() == SourceType.LANDING) {
      return new Outputs(messages, null, buildZones(messages, config, runId));
    }
    PCollectionTuple landing =
        messages.apply(
            "Land",
            LandWindowedFiles.create()
                .to(config.landingRoot())
                .withWindow(config.zones().window())
                .withAllowedLateness(config.zones().allowedLateness())
                .withShards(config.zones().landingShards())
                .withCompression(config.zones().landingCompression())
                .withRunId(runId));
    // Trusted and curated are built from the final landing files, never from the broker directly.
    PCollection<Envelope> landed = landing.get(LandWindowedFiles.MESSAGES);
    if ((config.source() == SourceType.KAFKA || config.source() == SourceType.EMBEDDED_KAFKA)
        && config.kafka().consumerGroup() != null) {
      messages.apply(
          "CommitLandedOffsets",
          CommitLandedKafkaOffsets.create()
              .whenLanded(landed)
              .forGroup(
                  config.kafka().bootstrapServers(),
                  config.kafka().consumerGroup(),
                  config.kafka().properties()));
    }
    if (readSqs != null && sqs != null) {
      sqs.get(ReadSqsMessages.RECEIPTS)
          .apply("DeleteLandedSqsMessages", readSqs.deleteLanded().whenLanded(landed));
    }
    PCollection<LandedFile> tableFiles =
        config.zones().landingOnly()
            ? pipeline.apply("NoTables", Create.empty(LandedFile.LandedFileCoder.of()))
            : buildZones(landed, config, runId);
    return new Outputs(messages, landing.get(LandWindowedFiles.FILES), tableFiles);
  }

  /**
   * {@code r<UTC time to the second>-<4 random hex digits>}, for example r20261130T043500Z-a3f9.
   */
  static String newRunId() {
    return "r"
        + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(java.time.Instant.now())
        + "-"
        + String.format("%04x", new SecureRandom().nextInt(0x10000));
  }

  /**
   * Trusted and curated from messages, each dataset as the lake spec declares it: the STEDI
   * datasets under the spec's privacy rule through their coded steps (parse, consent, step-trainer
   * ownership, the machine-learning join), every other declared dataset through its schema, rules
   * and identity ({@link TrustDeclaredDataset}); messages of no declared dataset are rejected as of
   * an unknown one.
   */
  static PCollection<LandedFile> buildZones(
      PCollection<Envelope> messages, JobConfig config, String runId) {
    LakeSpec spec = config.spec();
    boolean stedi = runsStedi(spec);
    List<DatasetSpec> declared = declaredDatasets(spec);
    Map<String, Integer> parts = new HashMap<>();
    if (stedi) {
      for (Dataset dataset : Dataset.values()) {
        parts.put(dataset.folder(), STEDI_PART);
      }
    }
    for (int i = 0; i < declared.size(); i++) {
      parts.put(declared.get(i).name(), FIRST_DECLARED_PART + i);
    }
    PCollectionList<Envelope> byDataset =
        messages.apply(
            "ByDataset",
            Partition.of(
                FIRST_DECLARED_PART + declared.size(),
                (Envelope message, int n) -> parts.getOrDefault(message.dataset(), UNKNOWN_PART)));
    PCollectionList<TableRow> rows = PCollectionList.empty(messages.getPipeline());
    PCollectionList<Rejected> rejected =
        PCollectionList.of(
            byDataset
                .get(UNKNOWN_PART)
                .apply("RejectUnknownDatasets", RejectUnknownDatasets.create()));
    if (stedi) {
      StediZones coded = buildStediZones(byDataset.get(STEDI_PART), config, runId);
      rows = rows.and(coded.rows().getAll());
      rejected = rejected.and(coded.rejected());
    }
    Map<String, Schema> schemas = new LinkedHashMap<>();
    for (int i = 0; i < declared.size(); i++) {
      DatasetSpec dataset = declared.get(i);
      TrustDeclaredDataset trust =
          TrustDeclaredDataset.of(dataset)
              .withMaxPayloadBytes(config.zones().maxPayloadBytes())
              .withDedupHorizon(config.zones().dedupHorizon())
              .withKnownFrom(config.lake(), runId);
      PCollectionTuple trusted =
          byDataset.get(FIRST_DECLARED_PART + i).apply("Trust_" + dataset.name(), trust);
      rows = rows.and(trusted.get(TrustDeclaredDataset.ROWS));
      rejected = rejected.and(trusted.get(TrustDeclaredDataset.REJECTED));
      schemas.put(TrustDeclaredDataset.table(dataset), SpecRecords.tableSchema(dataset));
    }
    rows =
        rows.and(
            rejected
                .apply("AllRejected", Flatten.pCollections())
                .apply("RejectedRows", ToTableRows.rejected()));
    return rows.apply(
        "WriteZoneTables",
        WriteZoneTables.create()
            .to(config.lake())
            .withWindow(config.zones().window())
            .withCompression(config.zones().landingCompression())
            .withFormat(config.zones().tableFormat())
            .withDeclaredSchemas(schemas)
            .withRunId(runId));
  }

  /**
   * Whether the spec's STEDI datasets run through their coded steps: it declares the privacy rule
   * (which {@link JobConfig#readSpec} has found to be STEDI's).
   */
  static boolean runsStedi(LakeSpec spec) {
    return spec.consent() != null;
  }

  /** The datasets trusted by their schema, rules and identity alone, in the spec's order. */
  static List<DatasetSpec> declaredDatasets(LakeSpec spec) {
    List<DatasetSpec> declared = new ArrayList<>();
    for (DatasetSpec dataset : spec.datasets().values()) {
      if (!(runsStedi(spec) && Dataset.fromFolder(dataset.name()).isPresent())) {
        declared.add(dataset);
      }
    }
    return declared;
  }

  private static final int STEDI_PART = 0;
  private static final int UNKNOWN_PART = 1;
  private static final int FIRST_DECLARED_PART = 2;

  /**
   * The STEDI tables' rows, each table as its step windows it (they meet only in {@link
   * WriteZoneTables}), and their rejects.
   */
  record StediZones(PCollectionList<TableRow> rows, PCollection<Rejected> rejected) {}

  /**
   * The STEDI datasets' trusted and curated rows (parse, consent, step-trainer ownership, the ML
   * join) and their rejects.
   */
  static StediZones buildStediZones(
      PCollection<Envelope> messages, JobConfig config, String runId) {
    PCollectionTuple parsed =
        messages.apply(
            "ParseRecords",
            ParseRecords.create().withMaxPayloadBytes(config.zones().maxPayloadBytes()));
    PCollectionTuple known = null;
    PCollectionTuple consentInput =
        PCollectionTuple.of(ParseRecords.CUSTOMERS, parsed.get(ParseRecords.CUSTOMERS))
            .and(ParseRecords.ACCELEROMETER, parsed.get(ParseRecords.ACCELEROMETER));
    if (messages.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      // A stream (a new job, or a restart after a crash) starts from what earlier jobs kept.
      known =
          messages
              .getPipeline()
              .apply(
                  "ReadKnownRecords",
                  ReadKnownRecords.create()
                      .from(config.lake(), config.landingRoot())
                      .withHorizon(config.zones().dedupHorizon())
                      .withMaxPayloadBytes(config.zones().maxPayloadBytes())
                      .withScope(config.zones().consentScope())
                      .skippingRun(runId));
      consentInput =
          consentInput
              .and(ApplyConsent.KNOWN_CUSTOMERS, known.get(ReadKnownRecords.CUSTOMERS))
              .and(ApplyConsent.KNOWN_CURATED, known.get(ReadKnownRecords.CURATED))
              .and(ApplyConsent.KNOWN_READINGS, known.get(ReadKnownRecords.READINGS));
    }
    PCollectionTuple consented =
        consentInput.apply(
            "ApplyConsent",
            ApplyConsent.create()
                .withScope(config.zones().consentScope())
                .withWait(config.zones().consentWait())
                .withWaitClock(config.zones().waitClock())
                .withDedupHorizon(config.zones().dedupHorizon()));
    PCollectionTuple stepInput =
        PCollectionTuple.of(ApplyConsent.OWNERS, consented.get(ApplyConsent.OWNERS))
            .and(ParseRecords.STEP_TRAINER, parsed.get(ParseRecords.STEP_TRAINER));
    if (known != null) {
      stepInput =
          stepInput.and(AdmitStepTrainerReadings.KNOWN_READINGS, known.get(ReadKnownRecords.STEPS));
    }
    PCollectionTuple stepTrainer =
        stepInput.apply(
            "AdmitStepTrainerReadings",
            AdmitStepTrainerReadings.create()
                .withScope(config.zones().consentScope())
                .withWait(config.zones().consentWait())
                .withWaitClock(config.zones().waitClock())
                .withDedupHorizon(config.zones().dedupHorizon()));
    PCollectionTuple joinInput =
        PCollectionTuple.of(
                AdmitStepTrainerReadings.OWNED_READINGS,
                stepTrainer.get(AdmitStepTrainerReadings.OWNED_READINGS))
            .and(
                ApplyConsent.ACCELEROMETER_TRUSTED,
                consented.get(ApplyConsent.ACCELEROMETER_TRUSTED));
    if (known != null) {
      joinInput =
          joinInput
              .and(
                  JoinStepTrainerWithAccelerometer.KNOWN_STEPS,
                  known.get(ReadKnownRecords.OWNED_STEPS))
              .and(
                  JoinStepTrainerWithAccelerometer.KNOWN_PHONES,
                  known.get(ReadKnownRecords.READINGS));
    }
    PCollection<MachineLearningRow> machineLearning =
        joinInput.apply(
            "JoinStepTrainerWithAccelerometer",
            JoinStepTrainerWithAccelerometer.create()
                .withHorizon(config.zones().joinHorizon())
                .withWaitClock(config.zones().waitClock()));

    PCollectionList<TableRow> rows =
        PCollectionList.of(
                consented
                    .get(ApplyConsent.CUSTOMER_TRUSTED)
                    .apply(
                        "CustomerTrustedRows",
                        ToTableRows.of(Tables.CUSTOMER_TRUSTED, Customer::lastUpdateDate)))
            .and(
                consented
                    .get(ApplyConsent.ACCELEROMETER_TRUSTED)
                    .apply(
                        "AccelerometerTrustedRows",
                        ToTableRows.of(
                            Tables.ACCELEROMETER_TRUSTED, AccelerometerReading::timestamp)))
            .and(
                stepTrainer
                    .get(AdmitStepTrainerReadings.STEP_TRAINER_TRUSTED)
                    .apply(
                        "StepTrainerTrustedRows",
                        ToTableRows.of(
                            Tables.STEP_TRAINER_TRUSTED, StepTrainerReading::sensorReadingTime)))
            .and(
                consented
                    .get(ApplyConsent.CUSTOMER_CURATED)
                    .apply(
                        "CustomerCuratedRows",
                        ToTableRows.of(Tables.CUSTOMER_CURATED, Customer::lastUpdateDate)))
            .and(
                machineLearning.apply(
                    "MachineLearningRows",
                    ToTableRows.of(
                        Tables.MACHINE_LEARNING_CURATED, MachineLearningRow::sensorReadingTime)));
    PCollection<Rejected> rejected =
        PCollectionList.of(parsed.get(ParseRecords.REJECTED))
            .and(consented.get(ApplyConsent.REJECTED))
            .and(stepTrainer.get(AdmitStepTrainerReadings.REJECTED))
            .apply("StediRejected", Flatten.pCollections());
    return new StediZones(rows, rejected);
  }

  private static ReadKafkaMessages readKafka(JobConfig config) {
    ReadKafkaMessages read =
        ReadKafkaMessages.create()
            .withBootstrapServers(config.kafka().bootstrapServers())
            .withTopics(config.kafka().topics())
            .withTopicPatternRoutes(config.kafka().topicPatternRoutes())
            .withStartPosition(config.kafka().startPosition())
            .withConsumerProperties(config.kafka().properties())
            .withMaxBrokerDelay(config.brokers().maxDelay());
    if (config.kafka().topicPattern() != null) {
      read = read.withTopicPattern(config.kafka().topicPattern());
    }
    if (config.kafka().consumerGroup() != null) {
      read = read.withConsumerGroup(config.kafka().consumerGroup());
    }
    return read;
  }

  private static ReadKinesisRecords readKinesis(JobConfig config) {
    AwsSourceConfig aws = config.aws();
    ReadKinesisRecords read =
        ReadKinesisRecords.create()
            .withStreams(aws.streams())
            .withMaxDelay(config.brokers().maxDelay());
    read =
        aws.kinesisStartTimestamp() != null
            ? read.withStartTimestamp(aws.kinesisStartTimestamp())
            : read.withStartPosition(aws.kinesisStart());
    if (!aws.kinesisStreamStarts().isEmpty()) {
      read = read.withStreamStartTimestamps(aws.kinesisStreamStarts());
    }
    if (aws.kinesisEndpoint() != null) {
      read = read.withEndpoint(aws.kinesisEndpoint());
    }
    if (aws.maxMessages() != null) {
      read = read.withMaxNumRecords(aws.maxMessages());
    }
    if (aws.maxReadTime() != null) {
      read = read.withMaxReadTime(aws.maxReadTime());
    }
    return read;
  }

  private static ReadSqsMessages readSqs(JobConfig config) {
    AwsSourceConfig aws = config.aws();
    ReadSqsMessages read =
        ReadSqsMessages.create()
            .withQueues(aws.queues())
            .withMaxDelay(config.brokers().maxDelay())
            .withVisibilityTimeout(aws.sqsVisibilityTimeout());
    if (aws.sqsEndpoint() != null) {
      read = read.withEndpoint(aws.sqsEndpoint());
    }
    if (aws.maxMessages() != null) {
      read = read.withMaxNumRecords(aws.maxMessages());
    }
    if (aws.maxReadTime() != null) {
      read = read.withMaxReadTime(aws.maxReadTime());
    }
    return read;
  }
}
