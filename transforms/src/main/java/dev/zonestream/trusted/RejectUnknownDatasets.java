package dev.zonestream.trusted;

import dev.zonestream.model.Envelope;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.Rejected;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Messages of no dataset the lake declares (an unmapped topic, stream, queue or folder), each a
 * reject with {@link RecordRules#UNKNOWN_DATASET}: they stay in landing, and the rejects say why
 * they go no further. Counted per dataset folder in {@link MetricNames#REJECTED}.
 */
public final class RejectUnknownDatasets
    extends PTransform<PCollection<Envelope>, PCollection<Rejected>> {
  private RejectUnknownDatasets() {}

  public static RejectUnknownDatasets create() {
    return new RejectUnknownDatasets();
  }

  @Override
  public PCollection<Rejected> expand(PCollection<Envelope> messages) {
    return messages.apply("Reject", ParDo.of(new RejectFn()));
  }

  static final class RejectFn extends DoFn<Envelope, Rejected> {
    @ProcessElement
    public void processElement(@Element Envelope message, OutputReceiver<Rejected> out) {
      Metrics.counter(MetricNames.REJECTED, message.dataset()).inc();
      out.output(new Rejected(RecordRules.UNKNOWN_DATASET, message));
    }
  }
}
