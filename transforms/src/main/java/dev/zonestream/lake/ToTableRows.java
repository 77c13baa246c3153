package dev.zonestream.lake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.zonestream.landing.LandingLine;
import dev.zonestream.model.JsonPayload;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.Rejected;
import java.io.IOException;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;

/**
 * Turns typed records into rows of one table: the record's JSON (field names as in the source data,
 * absent consents left out), partitioned by the time {@code partitionTime} picks.
 */
public final class ToTableRows<T extends Record>
    extends PTransform<PCollection<T>, PCollection<TableRow>> {
  private final String table;
  private final SerializableFunction<T, Long> partitionTime;

  private ToTableRows(String table, SerializableFunction<T, Long> partitionTime) {
    this.table = table;
    this.partitionTime = partitionTime;
  }

  public static <T extends Record> ToTableRows<T> of(
      String table, SerializableFunction<T, Long> partitionTime) {
    return new ToTableRows<>(table, partitionTime);
  }

  /** Rejects: their landing line plus {@code reason}, under {@code trusted/_rejected/<dataset>}. */
  public static RejectedRows rejected() {
    return new RejectedRows();
  }

  /** See {@link #rejected()}. */
  public static final class RejectedRows
      extends PTransform<PCollection<Rejected>, PCollection<TableRow>> {
    @Override
    public PCollection<TableRow> expand(PCollection<Rejected> input) {
      return input.apply("ToRejectRows", ParDo.of(new RejectedToRowFn()));
    }
  }

  @Override
  public PCollection<TableRow> expand(PCollection<T> input) {
    return input.apply("ToRows", ParDo.of(new RecordToRowFn<>(table, partitionTime)));
  }

  static final class RecordToRowFn<T extends Record> extends DoFn<T, TableRow> {
    private final String table;
    private final SerializableFunction<T, Long> partitionTime;

    RecordToRowFn(String table, SerializableFunction<T, Long> partitionTime) {
      this.table = table;
      this.partitionTime = partitionTime;
    }

    @ProcessElement
    public void processElement(@Element T record, OutputReceiver<TableRow> out) throws IOException {
      out.output(
          new TableRow(
              table,
              partitionTime.apply(record),
              JsonRecordCoder.MAPPER.writeValueAsString(record)));
    }
  }

  static final class RejectedToRowFn extends DoFn<Rejected, TableRow> {
    @ProcessElement
    public void processElement(@Element Rejected rejected, OutputReceiver<TableRow> out)
        throws IOException {
      ObjectNode line =
          (ObjectNode) JsonPayload.MAPPER.readTree(LandingLine.of(rejected.message()).json());
      line.put("reason", rejected.reason());
      out.output(
          new TableRow(
              Tables.REJECTED + "/" + rejected.message().dataset(),
              rejected.message().brokerTimestamp(),
              JsonPayload.MAPPER.writeValueAsString(line)));
    }
  }
}
