package dev.zonestream.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.Customer;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.MachineLearningRow;
import dev.zonestream.model.StepTrainerReading;
import dev.zonestream.model.Tables;
import dev.zonestream.model.UnknownFields;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The declared table schemas follow the records the tables are written from. */
class TableSchemasTest {
  private static final Map<String, Class<? extends Record>> RECORDS =
      Map.of(
          Tables.CUSTOMER_TRUSTED, Customer.class,
          Tables.CUSTOMER_CURATED, Customer.class,
          Tables.ACCELEROMETER_TRUSTED, AccelerometerReading.class,
          Tables.STEP_TRAINER_TRUSTED, StepTrainerReading.class,
          Tables.MACHINE_LEARNING_CURATED, MachineLearningRow.class);

  @Test
  void eachTableHasItsRecordsFieldsInOrderThenTheTypedEventTime() {
    assertThat(TableSchemas.all().keySet(), equalTo(RECORDS.keySet()));
    RECORDS.forEach(
        (table, type) -> {
          List<String> expected = new ArrayList<>();
          // A record's unknown fields (its extra) are the _extra column.
          Arrays.stream(type.getRecordComponents())
              .forEach(
                  c ->
                      expected.add(
                          c.getName().equals("extra") ? UnknownFields.COLUMN : c.getName()));
          expected.add(TableSchemas.EVENT_TIME);
          Schema schema = TableSchemas.of(table).orElseThrow();
          assertThat(
              table,
              schema.getFields().stream().map(Schema.Field::name).toList(),
              equalTo(expected));
          assertThat(
              schema.getField(TableSchemas.EVENT_TIME).schema().getLogicalType().getName(),
              equalTo("timestamp-millis"));
        });
  }

  @Test
  void aRowBecomesARecordAndBackAsTheJsonFormatWritesIt() throws Exception {
    Customer customer =
        new Customer(
            "Ada", "ada@example.com", "555", "1815-12-10", "s-1", 10L, 20L, 15L, null, null);
    String json = JsonRecordCoder.MAPPER.writeValueAsString(customer);
    TableRow row = new TableRow(Tables.CUSTOMER_TRUSTED, 20L, json);

    GenericRecord record =
        TableSchemas.toRecord(TableSchemas.of(Tables.CUSTOMER_TRUSTED).orElseThrow(), row);

    assertThat(record.get(TableSchemas.EVENT_TIME), equalTo(20L));
    assertThat(record.get("shareWithPublicAsOfDate"), equalTo(null));
    assertThat(
        JsonRecordCoder.MAPPER.readTree(TableSchemas.toJson(record)),
        equalTo(JsonRecordCoder.MAPPER.readTree(json)));
  }

  @Test
  void aRowOfTheWrongShapeIsABugNotANull() {
    TableRow row =
        new TableRow(Tables.STEP_TRAINER_TRUSTED, 1L, "{\"sensorReadingTime\":\"soon\"}");
    assertThrows(
        IllegalArgumentException.class,
        () ->
            TableSchemas.toRecord(TableSchemas.of(Tables.STEP_TRAINER_TRUSTED).orElseThrow(), row));
  }
}
