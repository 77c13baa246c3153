package dev.zonestream.trusted;

import com.google.auto.value.AutoValue;
import dev.zonestream.model.AccelerometerReading;
import dev.zonestream.model.ConsentScope;
import dev.zonestream.model.Customer;
import dev.zonestream.model.DeviceOwner;
import dev.zonestream.model.JsonRecordCoder;
import dev.zonestream.model.MetricNames;
import dev.zonestream.model.Parsed;
import dev.zonestream.model.Parsed.ParsedCoder;
import dev.zonestream.model.Rejected;
import dev.zonestream.model.ResearchConsent;
import dev.zonestream.model.Tables;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.DoFn.MultiOutputReceiver;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TimestampedValue.TimestampedValueCoder;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The consent rule: keeps the customers whose record in force consents to research use, the
 * accelerometer readings of those customers (all, or only those at or after consent: {@link
 * ConsentScope}), each reading once, and the customers with at least one such reading.
 *
 * <p>Input: a tuple of {@link ParseRecords#CUSTOMERS} and {@link ParseRecords#ACCELEROMETER}. A
 * customer's record in force is the newest one seen ({@link Customer#NEWEST}).
 *
 * <p><b>How a reading is decided.</b> Readings are first de-duplicated ({@link
 * DeduplicateRecords}), then each looks its customer up in a side input of customers by email
 * ({@link ViewReferenceData}): readings are never grouped or shuffled by customer on this path.
 *
 * <ul>
 *   <li>Bounded input: the view is complete before any reading is read, so the newest record of the
 *       whole input decides every reading: a withdrawal withdraws all of a customer's readings,
 *       whenever they were taken. A reading whose user has no customer record at all goes to {@link
 *       #REJECTED} with the reason {@value #NO_CUSTOMER}.
 *   <li>Unbounded input: the view holds every customer seen since the job started, so a reading is
 *       decided by the newest record of its customer <em>seen so far</em>. A record that gives or
 *       withdraws consent applies to every reading decided after the runner has seen it; readings
 *       admitted before a withdrawal stay in the (append-only) tables until a backfill rebuilds
 *       them. A reading whose customer is not in the view yet waits, keyed by email, in a small
 *       stateful step that also receives every customer record: it is decided as soon as its
 *       customer arrives, or rejected with {@value #NO_CUSTOMER} once its wait has ended without
 *       one: with {@link WaitClock#WATERMARK} (the default) when the step's input, customers
 *       included, has been processed {@code wait} of broker time past the reading, with {@link
 *       WaitClock#PROCESSING_TIME} {@code wait} of the runner's clock after it began to wait. A
 *       reading its customer's record in force excludes takes the same step and wait (a newer
 *       record, consent given later and published with the readings, may be on its way): a newer
 *       record within the wait that admits it admits it, as a bounded run deciding by the newest
 *       record would; when the wait is over it is excluded.
 * </ul>
 *
 * <p>Customer tables. Bounded: {@link #CUSTOMER_TRUSTED} holds the newest record of each consenting
 * customer, {@link #CUSTOMER_CURATED} those with at least one trusted reading. A stream writes a
 * row each time a customer's record in force changes (a redelivered or older record changes
 * nothing); the stateful step remembers each customer's newest record for the life of the job
 * (about 300 bytes a customer).
 *
 * <p>Outputs: {@link #CUSTOMER_TRUSTED}, {@link #ACCELEROMETER_TRUSTED}, {@link #CUSTOMER_CURATED},
 * {@link #OWNERS} (every customer as a device owner, for the step-trainer rule; a stream emits a
 * new status on each change) and {@link #REJECTED}. Every unique reading is counted once: trusted
 * ({@link MetricNames#TABLE_ROWS}), excluded ({@link MetricNames#EXCLUDED}), rejected ({@link
 * MetricNames#REJECTED}) or, for a stream, still waiting ({@link MetricNames#WAITED} minus {@link
 * MetricNames#RELEASED}).
 */
@AutoValue
public abstract class ApplyConsent extends PTransform<PCollectionTuple, PCollectionTuple> {
  public static final TupleTag<Customer> CUSTOMER_TRUSTED = new TupleTag<>() {};
  public static final TupleTag<AccelerometerReading> ACCELEROMETER_TRUSTED = new TupleTag<>() {};
  public static final TupleTag<Customer> CUSTOMER_CURATED = new TupleTag<>() {};
  public static final TupleTag<DeviceOwner> OWNERS = new TupleTag<>() {};
  public static final TupleTag<Rejected> REJECTED = new TupleTag<>() {};

  /**
   * Optional stream input: customer records earlier jobs read ({@link ReadKnownRecords}). They
   * enter the view and the per-customer state as if this job had read them, and write no rows.
   */
  public static final TupleTag<Customer> KNOWN_CUSTOMERS = new TupleTag<>() {};

  /** Optional stream input: emails of customers earlier jobs curated; they write no rows. */
  public static final TupleTag<String> KNOWN_CURATED = new TupleTag<>() {};

  /**
   * Optional stream input: readings earlier jobs trusted within the de-duplication horizon; their
   * repeats are dropped as repeats within this job are.
   */
  public static final TupleTag<AccelerometerReading> KNOWN_READINGS = new TupleTag<>() {};

  /** Why a reading without a customer is rejected. */
  public static final String NO_CUSTOMER =
      "user: no customer record with this email (a stream waits for one for the consent wait)";

  /** Hand-over name of the owner statuses, for the step-trainer rule's stateful step. */
  public static final String OWNER_STATUSES = "device_owners";

  /** Hand-over name of the marks "this customer has a trusted reading". */
  public static final String CURATED_MARKS = "curated_marks";

  /** Inner outputs: the newest record per email, readings that wait, customers to curate. */
  private static final TupleTag<KV<String, Customer>> NEWEST_RECORD = new TupleTag<>() {};

  private static final TupleTag<KV<String, Parsed<AccelerometerReading>>> WAITING =
      new TupleTag<>() {};
  private static final TupleTag<String> MARKS = new TupleTag<>() {};

  private static final String DATASET = "accelerometer";
  private static final String CUSTOMER = "customer";

  /** A customer record that no email matches: the view's placeholder. */
  private static final Customer PLACEHOLDER =
      new Customer("", ViewReferenceData.PLACEHOLDER_KEY, "", "", "", 0, 0, null, null, null);

  abstract ConsentScope scope();

  abstract Duration consentWait();

  abstract Duration dedupHorizon();

  abstract WaitClock waitClock();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setScope(ConsentScope scope);

    abstract Builder setConsentWait(Duration consentWait);

    abstract Builder setDedupHorizon(Duration dedupHorizon);

    abstract Builder setWaitClock(WaitClock waitClock);

    abstract ApplyConsent build();
  }

  /**
   * Defaults: {@link ConsentScope#AFTER_CONSENT}; a streamed reading waits 10 minutes of broker
   * time ({@link WaitClock#WATERMARK}) for its customer; a stream remembers readings for 24 hours
   * to drop repeats.
   */
  public static ApplyConsent create() {
    return new AutoValue_ApplyConsent.Builder()
        .setScope(ConsentScope.AFTER_CONSENT)
        .setConsentWait(Duration.standardMinutes(10))
        .setDedupHorizon(Duration.standardHours(24))
        .setWaitClock(WaitClock.WATERMARK)
        .build();
  }

  public ApplyConsent withScope(ConsentScope value) {
    if (value == null) {
      throw new IllegalArgumentException("consent scope must be given");
    }
    return toBuilder().setScope(value).build();
  }

  /**
   * How long a streamed reading waits for a customer it cannot find, on the {@link #withWaitClock
   * wait clock}.
   */
  public ApplyConsent withWait(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("wait must be positive, got " + value);
    }
    return toBuilder().setConsentWait(value).build();
  }

  /** How long (processing time) a stream remembers a reading to drop its repeats. */
  public ApplyConsent withDedupHorizon(Duration value) {
    if (value == null || value.getMillis() <= 0) {
      throw new IllegalArgumentException("de-duplication horizon must be positive, got " + value);
    }
    return toBuilder().setDedupHorizon(value).build();
  }

  /** What ends a streamed reading's wait: the data's progress (default) or the runner's clock. */
  public ApplyConsent withWaitClock(WaitClock value) {
    if (value == null) {
      throw new IllegalArgumentException("wait clock must be given");
    }
    return toBuilder().setWaitClock(value).build();
  }

  @Override
  public PCollectionTuple expand(PCollectionTuple input) {
    PCollection<Customer> customers = input.get(ParseRecords.CUSTOMERS);
    PCollection<Parsed<AccelerometerReading>> readings = input.get(ParseRecords.ACCELEROMETER);
    boolean stream =
        customers.isBounded() == PCollection.IsBounded.UNBOUNDED
            || readings.isBounded() == PCollection.IsBounded.UNBOUNDED;
    PCollection<KV<String, Customer>> byEmail =
        customers.apply(
            "KeyCustomersByEmail",
            WithKeys.of(Customer::email).withKeyType(TypeDescriptors.strings()));
    PCollection<KV<String, Customer>> known =
        stream && input.has(KNOWN_CUSTOMERS)
            ? input
                .get(KNOWN_CUSTOMERS)
                .apply(
                    "KeyKnownByEmail",
                    WithKeys.of(Customer::email).withKeyType(TypeDescriptors.strings()))
            : null;

    // Bounded: the newest record per email is the whole view. A stream's view holds every
    // record seen; readers pick the newest.
    PCollectionTuple newest =
        stream
            ? null
            : byEmail
                .apply("GroupRecordsByEmail", GroupByKey.create())
                .apply(
                    "PickNewestRecord",
                    ParDo.of(new PickNewestFn())
                        .withOutputTags(NEWEST_RECORD, TupleTagList.of(CUSTOMER_TRUSTED)));
    PCollectionView<Iterable<ReferenceSnapshot<ResearchConsent>>> view =
        (stream
                ? (known == null
                    ? byEmail
                    : PCollectionList.of(byEmail)
                        .and(known)
                        .apply("SeenAndKnown", Flatten.pCollections()))
                : newest.get(NEWEST_RECORD))
            .apply(
                "CustomersByEmail",
                ViewReferenceData.newestPerIdentity(
                    PLACEHOLDER,
                    Customer::email,
                    (a, b) -> Customer.NEWEST.compare(a, b),
                    ResearchConsent::of,
                    ResearchConsent.ConsentCoder.of()));

    PCollectionTuple decided =
        readings
            .apply(
                "DeduplicateReadings",
                DeduplicateRecords.of(JsonRecordCoder.of(AccelerometerReading.class))
                    .withHorizon(dedupHorizon())
                    .withKnown(input.has(KNOWN_READINGS) ? input.get(KNOWN_READINGS) : null))
            .apply(
                "LookUpCustomer",
                ParDo.of(new LookUpCustomerFn(view, scope(), stream))
                    .withSideInputs(view)
                    .withOutputTags(
                        ACCELEROMETER_TRUSTED, TupleTagList.of(WAITING).and(MARKS).and(REJECTED)));
    decided.get(WAITING).setCoder(KvCoder.of(StringUtf8Coder.of(), readings.getCoder()));
    decided.get(MARKS).setCoder(StringUtf8Coder.of());

    PCollection<String> knownCurated =
        stream && input.has(KNOWN_CURATED) ? input.get(KNOWN_CURATED) : null;
    return stream
        ? trackCustomers(byEmail, known, knownCurated, decided, readings.getCoder())
        : curateBounded(newest, decided);
  }

  /** Bounded: curated customers and owners from the newest records and the marks. */
  private PCollectionTuple curateBounded(PCollectionTuple newest, PCollectionTuple decided) {
    TupleTag<Customer> recordTag = new TupleTag<>();
    TupleTag<String> markTag = new TupleTag<>();
    PCollectionTuple curated =
        KeyedPCollectionTuple.of(recordTag, newest.get(NEWEST_RECORD))
            .and(
                markTag,
                decided
                    .get(MARKS)
                    .apply(
                        "KeyMarksByEmail",
                        WithKeys.of((String email) -> email)
                            .withKeyType(TypeDescriptors.strings())))
            .apply("GroupMarksByEmail", CoGroupByKey.create())
            .apply(
                "CurateCustomers",
                ParDo.of(new CurateFn(recordTag, markTag))
                    .withOutputTags(CUSTOMER_CURATED, TupleTagList.of(OWNERS)));
    return PCollectionTuple.of(CUSTOMER_TRUSTED, newest.get(CUSTOMER_TRUSTED))
        .and(ACCELEROMETER_TRUSTED, decided.get(ACCELEROMETER_TRUSTED))
        .and(CUSTOMER_CURATED, curated.get(CUSTOMER_CURATED))
        .and(OWNERS, curated.get(OWNERS))
        .and(REJECTED, decided.get(REJECTED));
  }

  /** A stream: customers, waiting readings and marks meet in one stateful step per email. */
  private PCollectionTuple trackCustomers(
      PCollection<KV<String, Customer>> byEmail,
      @Nullable PCollection<KV<String, Customer>> known,
      @Nullable PCollection<String> knownCurated,
      PCollectionTuple decided,
      Coder<Parsed<AccelerometerReading>> readingCoder) {
    UnionCoder union =
        UnionCoder.of(
            List.of(
                JsonRecordCoder.of(Customer.class),
                readingCoder,
                StringUtf8Coder.of(),
                JsonRecordCoder.of(Customer.class),
                StringUtf8Coder.of()));
    KvCoder<String, RawUnionValue> coder = KvCoder.of(StringUtf8Coder.of(), union);
    PCollection<KV<String, RawUnionValue>> records =
        byEmail.apply("TagRecords", ParDo.of(new TagUnionFn<Customer>(0))).setCoder(coder);
    PCollection<KV<String, RawUnionValue>> waiting =
        decided
            .get(WAITING)
            .apply("TagWaiting", ParDo.of(new TagUnionFn<Parsed<AccelerometerReading>>(1)))
            .setCoder(coder);
    PCollection<KV<String, RawUnionValue>> marks =
        decided
            .get(MARKS)
            .apply(
                "KeyMarks",
                WithKeys.of((String email) -> email).withKeyType(TypeDescriptors.strings()))
            .apply("TagMarks", ParDo.of(new TagUnionFn<String>(2)))
            .setCoder(coder);
    PCollectionList<KV<String, RawUnionValue>> inputs =
        PCollectionList.of(records).and(waiting).and(marks);
    if (known != null) {
      inputs =
          inputs.and(
              known.apply("TagKnown", ParDo.of(new TagUnionFn<Customer>(3))).setCoder(coder));
    }
    if (knownCurated != null) {
      inputs =
          inputs.and(
              knownCurated
                  .apply(
                      "KeyKnownCurated",
                      WithKeys.of((String email) -> email).withKeyType(TypeDescriptors.strings()))
                  .apply("TagKnownCurated", ParDo.of(new TagUnionFn<String>(4)))
                  .setCoder(coder));
    }
    PCollectionTuple tracked =
        inputs
            .apply("ByEmail", Flatten.pCollections())
            .apply(
                "TrackCustomers",
                ParDo.of(new TrackCustomersFn(scope(), consentWait(), waitClock()))
                    .withOutputTags(
                        CUSTOMER_TRUSTED,
                        TupleTagList.of(ACCELEROMETER_TRUSTED)
                            .and(CUSTOMER_CURATED)
                            .and(OWNERS)
                            .and(REJECTED)));
    return PCollectionTuple.of(CUSTOMER_TRUSTED, tracked.get(CUSTOMER_TRUSTED))
        .and(
            ACCELEROMETER_TRUSTED,
            PCollectionList.of(decided.get(ACCELEROMETER_TRUSTED))
                .and(tracked.get(ACCELEROMETER_TRUSTED))
                .apply("AllTrustedReadings", Flatten.pCollections()))
        .and(CUSTOMER_CURATED, tracked.get(CUSTOMER_CURATED))
        .and(OWNERS, tracked.get(OWNERS))
        .and(
            REJECTED,
            PCollectionList.of(decided.get(REJECTED))
                .and(tracked.get(REJECTED))
                .apply("AllRejected", Flatten.pCollections()));
  }

  /** Whether {@code customer}'s record admits {@code reading} under {@code scope}. */
  static boolean admits(Customer customer, AccelerometerReading reading, ConsentScope scope) {
    return ResearchConsent.of(customer).admits(scope, reading.timestamp());
  }

  /** Bounded: the newest record of each email, with the counts of the others. */
  static final class PickNewestFn
      extends DoFn<KV<String, Iterable<Customer>>, KV<String, Customer>> {
    @ProcessElement
    public void processElement(
        @Element KV<String, Iterable<Customer>> records, MultiOutputReceiver out) {
      Set<Customer> distinct = new HashSet<>();
      long all = 0;
      for (Customer record : records.getValue()) {
        distinct.add(record);
        all++;
      }
      Customer newest = Customer.newest(distinct);
      Metrics.counter(MetricNames.DUPLICATE, CUSTOMER).inc(all - distinct.size());
      Metrics.counter(MetricNames.UNIQUE, CUSTOMER).inc(distinct.size());
      Metrics.counter(MetricNames.SUPERSEDED, CUSTOMER).inc(distinct.size() - 1);
      out.get(NEWEST_RECORD).output(KV.of(records.getKey(), newest));
      if (newest.consentsToResearch()) {
        Metrics.counter(MetricNames.TABLE_ROWS, Tables.CUSTOMER_TRUSTED).inc();
        out.get(CUSTOMER_TRUSTED).output(newest);
      } else {
        Metrics.counter(MetricNames.EXCLUDED, CUSTOMER).inc();
      }
    }
  }

  /**
   * The hot path: each unique reading looks its customer up in the view; admitted readings are
   * trusted, and the first one per customer (per worker) marks the customer as curated.
   */
  static final class LookUpCustomerFn
      extends DoFn<Parsed<AccelerometerReading>, AccelerometerReading> {
    /** Marks already sent by this worker; a repeat is harmless, only wasted. */
    private static final int MAX_REMEMBERED_MARKS = 100_000;

    private final PCollectionView<Iterable<ReferenceSnapshot<ResearchConsent>>> view;
    private final ConsentScope scope;
    private final boolean stream;
    private transient Set<String> marked;

    LookUpCustomerFn(
        PCollectionView<Iterable<ReferenceSnapshot<ResearchConsent>>> view,
        ConsentScope scope,
        boolean stream) {
      this.view = view;
      this.scope = scope;
      this.stream = stream;
    }

    @Setup
    public void setup() {
      marked = new HashSet<>();
    }

    @ProcessElement
    public void processElement(
        @Element Parsed<AccelerometerReading> parsed,
        MultiOutputReceiver out,
        ProcessContext context) {
      AccelerometerReading reading = parsed.record();
      Metrics.counter(MetricNames.UNIQUE, DATASET).inc();
      List<ResearchConsent> consent =
          ReferenceSnapshot.latest(context.sideInput(view)).get(reading.user());
      if (consent.isEmpty()) {
        if (stream) {
          Metrics.counter(MetricNames.WAITED, DATASET).inc();
          out.get(WAITING).output(KV.of(reading.user(), parsed));
        } else {
          Metrics.counter(MetricNames.REJECTED, DATASET).inc();
          out.get(REJECTED).output(new Rejected(NO_CUSTOMER, parsed.message()));
        }
        return;
      }
      if (!consent.get(0).admits(scope, reading.timestamp())) {
        if (stream) {
          // The customer's newer record (a consent given later, in flight with the reading) may
          // still come: the customer's stateful step decides when the wait is over, as a batch
          // run decides with the newest record it read.
          Metrics.counter(MetricNames.WAITED, DATASET).inc();
          out.get(WAITING).output(KV.of(reading.user(), parsed));
        } else {
          Metrics.counter(MetricNames.EXCLUDED, DATASET).inc();
        }
        return;
      }
      Metrics.counter(MetricNames.TABLE_ROWS, Tables.ACCELEROMETER_TRUSTED).inc();
      out.get(ACCELEROMETER_TRUSTED).output(reading);
      if (marked.size() > MAX_REMEMBERED_MARKS) {
        marked.clear();
      }
      if (marked.add(reading.user())) {
        Metrics.counter(MetricNames.HANDED_ON, CURATED_MARKS).inc();
        out.get(MARKS).output(reading.user());
      }
    }
  }

  /** Bounded: a customer with a mark and a consenting newest record is curated. */
  static final class CurateFn extends DoFn<KV<String, CoGbkResult>, Customer> {
    private final TupleTag<Customer> recordTag;
    private final TupleTag<String> markTag;

    CurateFn(TupleTag<Customer> recordTag, TupleTag<String> markTag) {
      this.recordTag = recordTag;
      this.markTag = markTag;
    }

    @ProcessElement
    public void processElement(@Element KV<String, CoGbkResult> group, MultiOutputReceiver out) {
      long marks = 0;
      for (String ignored : group.getValue().getAll(markTag)) {
        marks++;
      }
      Metrics.counter(MetricNames.TAKEN_OVER, CURATED_MARKS).inc(marks);
      Customer customer = Customer.newest(group.getValue().getAll(recordTag));
      if (customer == null) {
        return;
      }
      boolean curated = marks > 0 && customer.consentsToResearch();
      if (curated) {
        Metrics.counter(MetricNames.TABLE_ROWS, Tables.CUSTOMER_CURATED).inc();
        out.get(CUSTOMER_CURATED).output(customer);
      }
      emitOwner(out, customer, curated);
    }
  }

  private static void emitOwner(MultiOutputReceiver out, Customer customer, boolean curated) {
    Metrics.counter(MetricNames.HANDED_ON, OWNER_STATUSES).inc();
    out.get(OWNERS).output(ownerOf(customer, curated));
  }

  static DeviceOwner ownerOf(Customer customer, boolean curated) {
    return new DeviceOwner(
        customer.email(),
        customer.serialNumber(),
        customer.shareWithResearchAsOfDate(),
        customer.lastUpdateDate(),
        curated);
  }

  /**
   * A stream's customers, one key per email: the newest record seen (kept for the life of the job),
   * whether the customer is curated, and the readings waiting for a first record.
   */
  static final class TrackCustomersFn extends DoFn<KV<String, RawUnionValue>, Customer> {
    private final ConsentScope scope;
    private final Duration wait;
    private final WaitClock clock;

    @StateId("newest")
    private final StateSpec<ValueState<Customer>> newestSpec =
        StateSpecs.value(JsonRecordCoder.of(Customer.class));

    @StateId("curated")
    private final StateSpec<ValueState<Boolean>> curatedSpec = StateSpecs.value();

    /** Readings without a customer yet, each stamped with the end of its wait. */
    @StateId("waiting")
    private final StateSpec<BagState<TimestampedValue<Parsed<AccelerometerReading>>>> waitingSpec =
        StateSpecs.bag(
            TimestampedValueCoder.of(
                ParsedCoder.of(JsonRecordCoder.of(AccelerometerReading.class))));

    /** When the timer is due: the earliest end of a wait. */
    @StateId("due")
    private final StateSpec<ValueState<Instant>> dueSpec = StateSpecs.value(InstantCoder.of());

    /** Its time domain is the wait clock's: an instance field, read by the runner. */
    @TimerId("waitEnds")
    private final TimerSpec waitEndsSpec;

    /** Whether the wait in progress was given once more after its timer fired late. */
    @StateId("extended")
    private final StateSpec<ValueState<Boolean>> extendedSpec = StateSpecs.value(BooleanCoder.of());

    TrackCustomersFn(ConsentScope scope, Duration wait, WaitClock clock) {
      this.scope = scope;
      this.wait = wait;
      this.clock = clock;
      this.waitEndsSpec = TimerSpecs.timer(clock.domain());
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, RawUnionValue> element,
        @StateId("newest") ValueState<Customer> newest,
        @StateId("curated") ValueState<Boolean> curated,
        @StateId("waiting") BagState<TimestampedValue<Parsed<AccelerometerReading>>> waiting,
        @StateId("due") ValueState<Instant> due,
        @TimerId("waitEnds") Timer waitEnds,
        @Timestamp Instant timestamp,
        MultiOutputReceiver out) {
      RawUnionValue value = element.getValue();
      switch (value.getUnionTag()) {
        case 0 -> onRecord((Customer) value.getValue(), newest, curated, waiting, out);
        case 1 -> {
          @SuppressWarnings("unchecked")
          Parsed<AccelerometerReading> reading = (Parsed<AccelerometerReading>) value.getValue();
          Customer customer = newest.read();
          if (customer != null && admits(customer, reading.record(), scope)) {
            Metrics.counter(MetricNames.RELEASED, DATASET).inc();
            decide(customer, reading.record(), curated, out);
          } else {
            // No record yet, or a newest record that does not admit it: a newer one may still
            // come until the wait is over.
            WaitingRecords.add(waiting, due, waitEnds, clock, wait, timestamp, reading);
          }
        }
        case 2 -> {
          Metrics.counter(MetricNames.TAKEN_OVER, CURATED_MARKS).inc();
          markCurated(newest.read(), curated, out);
        }
        case 3 -> onKnownRecord((Customer) value.getValue(), newest, curated, waiting, out);
        case 4 -> {
          // Curated by an earlier job: its row exists; only the owner status is this job's.
          if (!Boolean.TRUE.equals(curated.read())) {
            curated.write(true);
            Customer customer = newest.read();
            if (customer != null) {
              emitOwner(out, customer, true);
            }
          }
        }
        default -> throw new IllegalStateException("unknown input " + value.getUnionTag());
      }
    }

    private void onRecord(
        Customer record,
        ValueState<Customer> newest,
        ValueState<Boolean> curated,
        BagState<TimestampedValue<Parsed<AccelerometerReading>>> waiting,
        MultiOutputReceiver out) {
      Customer seen = newest.read();
      if (record.equals(seen)) {
        Metrics.counter(MetricNames.DUPLICATE, CUSTOMER).inc();
        return;
      }
      Metrics.counter(MetricNames.UNIQUE, CUSTOMER).inc();
      if (seen != null && Customer.NEWEST.compare(record, seen) < 0) {
        Metrics.counter(MetricNames.SUPERSEDED, CUSTOMER).inc();
        return;
      }
      newest.write(record);
      boolean isCurated = Boolean.TRUE.equals(curated.read());
      if (record.consentsToResearch()) {
        Metrics.counter(MetricNames.TABLE_ROWS, Tables.CUSTOMER_TRUSTED).inc();
        out.get(CUSTOMER_TRUSTED).output(record);
        if (isCurated) {
          Metrics.counter(MetricNames.TABLE_ROWS, Tables.CUSTOMER_CURATED).inc();
          out.get(CUSTOMER_CURATED).output(record);
        }
      } else {
        Metrics.counter(MetricNames.EXCLUDED, CUSTOMER).inc();
      }
      emitOwner(out, record, isCurated);
      releaseWaiting(record, curated, waiting, out);
    }

    /**
     * A record an earlier job read: it becomes the newest record if it is newer than what this job
     * has seen, writes no row and counts nothing (this job did not read it); owners and waiting
     * readings learn of it as of any record.
     */
    private void onKnownRecord(
        Customer record,
        ValueState<Customer> newest,
        ValueState<Boolean> curated,
        BagState<TimestampedValue<Parsed<AccelerometerReading>>> waiting,
        MultiOutputReceiver out) {
      Customer seen = newest.read();
      if (seen != null && Customer.NEWEST.compare(record, seen) <= 0) {
        return;
      }
      newest.write(record);
      emitOwner(out, record, Boolean.TRUE.equals(curated.read()));
      releaseWaiting(record, curated, waiting, out);
    }

    /**
     * Admits the waiting readings that {@code record}, the customer's newest, admits; the others
     * wait on until their wait is over (a newer record may still come).
     */
    private void releaseWaiting(
        Customer record,
        ValueState<Boolean> curated,
        BagState<TimestampedValue<Parsed<AccelerometerReading>>> waiting,
        MultiOutputReceiver out) {
      if (waiting.isEmpty().read()) {
        return;
      }
      List<TimestampedValue<Parsed<AccelerometerReading>>> still = new ArrayList<>();
      boolean released = false;
      for (TimestampedValue<Parsed<AccelerometerReading>> reading : waiting.read()) {
        if (admits(record, reading.getValue().record(), scope)) {
          Metrics.counter(MetricNames.RELEASED, DATASET).inc();
          decide(record, reading.getValue().record(), curated, out);
          released = true;
        } else {
          still.add(reading);
        }
      }
      if (released) {
        waiting.clear();
        still.forEach(waiting::add);
      }
    }

    private void decide(
        Customer customer,
        AccelerometerReading reading,
        ValueState<Boolean> curated,
        MultiOutputReceiver out) {
      if (!admits(customer, reading, scope)) {
        Metrics.counter(MetricNames.EXCLUDED, DATASET).inc();
        return;
      }
      Metrics.counter(MetricNames.TABLE_ROWS, Tables.ACCELEROMETER_TRUSTED).inc();
      out.get(ACCELEROMETER_TRUSTED).output(reading);
      markCurated(customer, curated, out);
    }

    /** The first trusted reading of a customer makes them curated, once. */
    private static void markCurated(
        @Nullable Customer customer, ValueState<Boolean> curated, MultiOutputReceiver out) {
      if (Boolean.TRUE.equals(curated.read())) {
        return;
      }
      curated.write(true);
      if (customer == null) {
        return; // the record follows; it is curated on arrival
      }
      if (customer.consentsToResearch()) {
        Metrics.counter(MetricNames.TABLE_ROWS, Tables.CUSTOMER_CURATED).inc();
        out.get(CUSTOMER_CURATED).output(customer);
      }
      emitOwner(out, customer, true);
    }

    @OnTimer("waitEnds")
    public void onWaitEnds(
        OnTimerContext context,
        @TimerId("waitEnds") Timer waitEnds,
        @StateId("extended") ValueState<Boolean> extended,
        @StateId("newest") ValueState<Customer> newest,
        @StateId("curated") ValueState<Boolean> curated,
        @StateId("waiting") BagState<TimestampedValue<Parsed<AccelerometerReading>>> waiting,
        @StateId("due") ValueState<Instant> due,
        MultiOutputReceiver out) {
      if (clock == WaitClock.PROCESSING_TIME
          && ProcessingTimeWaits.waitOnceMore(
              !waiting.isEmpty().read(), waitEnds, context.fireTimestamp(), wait, extended)) {
        due.clear(); // the job was down: its customer may be on the way
        return;
      }
      Customer customer = newest.read();
      for (Parsed<AccelerometerReading> reading :
          WaitingRecords.takeDue(waiting, due, waitEnds, context.fireTimestamp())) {
        Metrics.counter(MetricNames.RELEASED, DATASET).inc();
        if (customer != null) {
          decide(customer, reading.record(), curated, out); // excluded by the newest record
        } else {
          Metrics.counter(MetricNames.REJECTED, DATASET).inc();
          out.get(REJECTED).output(new Rejected(NO_CUSTOMER, reading.message()));
        }
      }
    }
  }
}
