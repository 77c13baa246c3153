package dev.zonestream.lake;

import dev.zonestream.model.JsonPayload;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.LandingLine;
import dev.zonestream.model.Rejected;
import dev.zonestream.model.Tables;
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

  /**
   * A reject's row is its landing line with {@code reason} appended as the last field. The line is
   * not parsed again: it holds the payload one level deeper than the payload itself, so a payload
   * at the parser's nesting limit (accepted when it landed) would exceed it here and stop the job.
   */
  static final class RejectedToRowFn extends DoFn<Rejected, TableRow> {
    @ProcessElement
    public void processElement(@Element Rejected rejected, OutputReceiver<TableRow> out)
        throws IOException {
      out.output(
          new TableRow(
              Tables.REJECTED + "/" + rejected.message().dataset(),
              rejected.message().brokerTimestamp(),
              withReason(LandingLine.of(rejected.message()).json(), rejected.reason())));
    }

    /** {@code line} (one JSON object) with {@code "reason": reason} as its last field. */
    static String withReason(String line, String reason) throws IOException {
      int end = line.lastIndexOf('}');
      if (!line.startsWith("{") || end < 0) {
        throw new IllegalArgumentException("a landing line is one JSON object: " + line);
      }
      String body = line.substring(1, end).strip();
      return "{"
          + body
          + (body.isEmpty() ? "" : ",")
          + "\"reason\":"
          + JsonPayload.MAPPER.writeValueAsString(reason)
          + "}";
    }
  }
}
