package org.endowatch.score;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;

/**
 * The scoring topology, the one production runs and tests drive: every record of {@code frames}
 * gets exactly one outcome, a score (plus its heatmap, plus any alert events) or a skip, or a
 * dead letter. Frames are scored inside the processor ({@link ScoringProcessor}), so an
 * exactly-once commit covers input offset, outputs and alert state together. With a backlog batch
 * above 1, a reached frame waits in
 * a changelogged store (in the same transaction as its offset: a plain Java list would lose it
 * when the process dies) until that many have gathered or the first of them has waited
 * {@link #BACKLOG_WAIT_MS} (a wall-clock punctuation); then all waiting frames are scored in one
 * call. A frame that finds nothing waiting and arrives within {@link #CAUGHT_UP_MS} of its capture
 * is scored at once: the scorer is keeping up and no company is coming. One that falls behind
 * scores the frames that arrived during its last call together, side by side on a CPU's frame
 * workers ({@link ModelFrameScorer}), which costs less per frame than one by one. A second
 * wall-clock punctuation, once a second, ends the open alert of any procedure whose frames stopped
 * coming ({@link AlertEvent#FRAMES_STOPPED_AFTER_MS}): with no frames there are no scores to end it.
 * Where ingest says on {@code procedures} that a recording ended, an alert open at its last frame ends
 * as soon as that frame has its outcome ({@link AlertEvent#RECORDING_ENDED}), without the wait: every
 * scorer keeps the latest word on every recording in a global store (a procedure's frames and its
 * word may sit on different partitions once a topic's partition count is changed).
 */
public final class ScoringTopology {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScoringTopology.class);
  public static final String SOURCE = "frames-source";
  public static final String PROCESSOR = "score";
  public static final String ALERT_STORE = "alert-state";
  public static final String PENDING_STORE = "pending-frames";
  /** The latest {@code procedures} record of each recording, raw (global: every scorer reads all of them). */
  public static final String RECORDINGS_STORE = "recordings";
  static final String RECORDINGS_SOURCE = "recordings-source";
  static final String RECORDINGS_UPDATE = "recordings-update";
  /**
   * The configs of the stores' changelog topics (Kafka Streams sets only cleanup.policy=compact).
   * A starting scorer, and one taking over another's procedures, rebuilds its in-memory stores by
   * reading their changelogs from the start, and Kafka compacts a topic only once its active
   * segment rolls: at the broker's defaults (1 GiB or 7 days) a day of procedures (an alert state
   * per scored frame, ~10 kB/s per live procedure; a put and a delete of every frame that waits, its
   * JPEG included) stays uncompacted and is read at every restore, about 2 s per GiB from a local
   * broker (docs/BENCHMARKS.md, "What a restart reads"). Rolling every minute (or 16 MiB) lets the
   * cleaner keep each to its live records; a waiting frame's delete marker goes 5 minutes after
   * compaction (Kafka's default keeps it a day), long enough for any restore that began before.
   */
  public static final Map<String, Map<String, String>> CHANGELOG_CONFIGS = Map.of(
      ALERT_STORE, sorted(Map.of("segment.ms", "60000", "segment.bytes", "16777216")),
      PENDING_STORE, sorted(Map.of("segment.ms", "60000", "segment.bytes", "16777216", "delete.retention.ms", "300000")));

  /** Read-only, in key order (so `topics check` names differences in a stable order). */
  private static Map<String, String> sorted(Map<String, String> m) {
    return java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(m));
  }
  /**
   * How long the first waiting frame of a backlog waits for company: long enough for the stream
   * thread to move every record of its last poll into the pending store (each takes well under a
   * millisecond), short next to a frame's scoring time. Kafka Streams punctuates after every record
   * while it is catching up, so "the round is over" cannot be seen directly.
   */
  public static final long BACKLOG_WAIT_MS = 5;
  /**
   * A frame that reaches the scorer this soon after its capture, with nothing waiting, finds it
   * keeping up: it is scored at once rather than waiting {@link #BACKLOG_WAIT_MS} for company that
   * is not coming (the next live frame is 17-40 ms away; the wait added 4-5 ms to every frame's
   * latency, docs/BENCHMARKS.md). Camera to scorer takes a few milliseconds; a frame that waited
   * through another's scoring is older than this and waits for company as before. The capture time
   * comes from the ingest host's clock: if it runs ahead of the scorer's, frames look fresh and are
   * scored one by one (as with a backlog batch of 1); if behind, they always wait (as before).
   */
  public static final long CAUGHT_UP_MS = 10;
  /**
   * A frame captured further than this ahead of the scorer's clock comes from an ingest host whose
   * clock runs ahead (capture and scoring are milliseconds apart, never seconds the wrong way). Such
   * frames look fresher than they are: a backlog of them is never skipped as stale, so the budget
   * no longer bounds how late an alert comes. Counted and said once per procedure; still scored.
   */
  public static final long CLOCK_AHEAD_MS = 1_000;
  /**
   * The live scorer's backlog batch (`score`, `demo`): 2, scored side by side by the frame workers of
   * {@link ModelFrameScorer} on a CPU. On 2 cores it scored 27.8 against 23.6 frames/s of a 30 fps
   * procedure, skipped 8 against 21 % and alerted a little sooner (medians of six rounds), at a
   * higher p99 of the scored frames (179 against 151 ms); docs/BENCHMARKS.md, "A backlog's frames
   * side by side".
   */
  public static final int LIVE_BACKLOG_BATCH = 2;
  /**
   * An alert state with no open alert that this scorer has not written for this long (or not since
   * it started: restored, perhaps from an earlier release) belongs to a procedure that stopped
   * sending frames with an over-threshold one in its window (a live one moves its window on within
   * seconds): a sweep this often deletes it, so the store does not keep such a procedure for good.
   */
  static final Duration IDLE_STATE_SWEEP = Duration.ofMinutes(10);
  static final String SCORES_SINK = "scores-sink";
  static final String HEATMAPS_SINK = "heatmaps-sink";
  static final String ALERTS_SINK = "alerts-sink";
  static final String DLQ_SINK = "dlq-sink";

  /** Where outputs go; re-scoring with another model writes to separate topics. */
  public record Outputs(String scores, String heatmaps, String alerts, String deadLetters) {
    public static final Outputs LIVE = new Outputs(Topics.SCORES.name(), Topics.HEATMAPS.name(), Topics.ALERTS.name(),
        Topics.FRAMES_DLQ.name());

    /** The live topic names with a suffix, e.g. {@code scores.rescore-v2}. */
    public static Outputs suffixed(String suffix) {
      return new Outputs(LIVE.scores + suffix, LIVE.heatmaps + suffix, LIVE.alerts + suffix, LIVE.deadLetters + suffix);
    }
  }

  /**
   * @param input the frames topic
   * @param outputs the output topics
   * @param budgetMs a frame older than this when reached is skipped as stale; 0 scores everything
   * @param rule the alert rule
   * @param backlogBatch up to this many frames of a stream's backlog are scored together; 1 scores
   *     each frame as it is reached
   * @param recordings the topic where ingest says what became of each recording ({@code procedures}),
   *     or null: alerts open when frames stop then end only after {@link AlertEvent#FRAMES_STOPPED_AFTER_MS}
   * @param procedures only the frames of procedures whose ids start with this are this scorer's, or
   *     null: every frame is. The others get no outcome from it (another scorer group's to decide):
   *     the demo scoring its own procedures on a cluster whose live ones have their scorer.
   */
  public record Settings(String input, Outputs outputs, long budgetMs, AlertRule rule, int backlogBatch, String recordings,
      String procedures) {
    public Settings {
      if (backlogBatch < 1) {
        throw new IllegalArgumentException("backlog batch must be >= 1, got " + backlogBatch);
      }
      if (procedures != null && procedures.isEmpty()) {
        throw new IllegalArgumentException("a procedure id prefix must not be empty (null takes every procedure)");
      }
    }

    public Settings(String input, Outputs outputs, long budgetMs, AlertRule rule, int backlogBatch, String recordings) {
      this(input, outputs, budgetMs, rule, backlogBatch, recordings, null);
    }

    public Settings(String input, Outputs outputs, long budgetMs, AlertRule rule, int backlogBatch) {
      this(input, outputs, budgetMs, rule, backlogBatch, null);
    }

    public Settings(String input, Outputs outputs, long budgetMs, AlertRule rule) {
      this(input, outputs, budgetMs, rule, 1);
    }

    public static Settings live(long budgetMs) {
      return new Settings(Topics.FRAMES.name(), Outputs.LIVE, budgetMs, AlertRule.DEFAULT);
    }

    public Settings withBacklogBatch(int frames) {
      return new Settings(input, outputs, budgetMs, rule, frames, recordings, procedures);
    }

    /** These settings, ending alerts when ingest says on {@code topic} that a recording ended. */
    public Settings withRecordings(String topic) {
      return new Settings(input, outputs, budgetMs, rule, backlogBatch, topic, procedures);
    }

    /** These settings, taking only the frames of procedures whose ids start with {@code prefix}. */
    public Settings withProcedures(String prefix) {
      return new Settings(input, outputs, budgetMs, rule, backlogBatch, recordings, prefix);
    }

    /** Whether a record with this key is this scorer's to decide. */
    boolean takes(String key) {
      return procedures == null || (key != null && key.startsWith(procedures));
    }
  }

  private ScoringTopology() {}

  /**
   * Builds the topology.
   *
   * @param scorer the current model (a supplier, so a hot swap takes effect at the next frame)
   * @param clock wall-clock millis, for the staleness budget
   */
  public static Topology build(Settings s, Supplier<FrameScorer> scorer, LongSupplier clock, MeterRegistry metrics) {
    return build(s, scorer, clock, metrics, new FailedFrames());
  }

  /** As above, remembering failed frames in {@code failed} (a test's second driver stands for the replaced thread). */
  static Topology build(Settings s, Supplier<FrameScorer> scorer, LongSupplier clock, MeterRegistry metrics,
      FailedFrames failed) {
    Topology t = new Topology();
    t.addSource(startWithoutOffsets(s), SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), s.input());
    t.addProcessor(PROCESSOR, () -> new ScoringProcessor(s, scorer, clock, metrics, failed), SOURCE);
    // In-memory stores, changelogged like any other (exactly once and restore after a crash are the
    // same): they hold one alert state per procedure and a few waiting frames. RocksDB stores were
    // flushed to disk at every exactly-once commit (every 100 ms) and compacted in the background;
    // in memory won three of three pipeline pairs on every measure (docs/BENCHMARKS.md, "Stores in memory").
    t.addStateStore(alertStore(), PROCESSOR);
    if (s.backlogBatch() > 1) {
      t.addStateStore(pendingStore(), PROCESSOR);
    }
    if (s.recordings() != null) {
      // Raw bytes, checked by RecordingsUpdate: a record that is no procedure event (written by hand,
      // by a newer ingest) is said and dropped there, where a deserializer failing would stop the
      // global thread and with it the scorer. Raw also reads the same whether Kafka Streams restores
      // the store through that processor or by copying the topic's records (it has done both).
      t.addGlobalStore(recordingsStore(), RECORDINGS_SOURCE, Serdes.String().deserializer(),
          Serdes.ByteArray().deserializer(), s.recordings(), RECORDINGS_UPDATE, RecordingsUpdate::new);
    }
    t.addSink(SCORES_SINK, s.outputs().scores(), Topics.SCORES.keySerde().serializer(),
        Topics.SCORES.valueSerde().serializer(), PROCESSOR);
    t.addSink(HEATMAPS_SINK, s.outputs().heatmaps(), Topics.HEATMAPS.keySerde().serializer(),
        Topics.HEATMAPS.valueSerde().serializer(), PROCESSOR);
    t.addSink(ALERTS_SINK, s.outputs().alerts(), Topics.ALERTS.keySerde().serializer(),
        Topics.ALERTS.valueSerde().serializer(), PROCESSOR);
    t.addSink(DLQ_SINK, s.outputs().deadLetters(), Topics.FRAMES_DLQ.keySerde().serializer(),
        Topics.FRAMES_DLQ.valueSerde().serializer(), PROCESSOR);
    return t;
  }

  /**
   * How far back a scorer reads a partition its group has no committed offset for (a new
   * application id, offsets expired after a week without scorers, a partition added to the topic).
   * A live scorer (a staleness budget) looks back {@link #FRESH_START_LOOKBACK}: every frame older
   * than its budget would only be skipped, and Kafka Streams' default (the topic's start) made a new
   * group work through a day of recorded frames, writing a skip for each (a second outcome for the
   * frames an earlier group scored) while the live procedures on those partitions waited behind
   * them. Scoring everything (budget 0: a re-scoring's own copy of a procedure) reads from the start.
   */
  static AutoOffsetReset startWithoutOffsets(Settings s) {
    return s.budgetMs() <= 0 ? AutoOffsetReset.earliest() : AutoOffsetReset.byDuration(FRESH_START_LOOKBACK);
  }

  /**
   * A minute: far more than a failover or a group forming takes (seconds), so frames ingested just
   * before a new group's scorer started still get their outcome.
   */
  public static final Duration FRESH_START_LOOKBACK = Duration.ofMinutes(1);

  /** Each procedure's alert state, in memory and changelogged; also what AlertCommitTest gives its mock context. */
  static StoreBuilder<KeyValueStore<String, AlertRule.State>> alertStore() {
    return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ALERT_STORE), Serdes.String(),
        JsonSerde.of(AlertRule.State.class)).withLoggingEnabled(CHANGELOG_CONFIGS.get(ALERT_STORE));
  }

  /** The frames waiting in a backlog, in memory and changelogged; also what BacklogBatchTest gives its mock context. */
  static StoreBuilder<KeyValueStore<String, Pending>> pendingStore() {
    return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PENDING_STORE), Serdes.String(),
        JsonSerde.of(Pending.class)).withLoggingEnabled(CHANGELOG_CONFIGS.get(PENDING_STORE));
  }

  /** The latest word on each recording, raw (see {@link #build}); a global store, so not changelogged: the topic is its log. */
  static StoreBuilder<KeyValueStore<String, byte[]>> recordingsStore() {
    return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(RECORDINGS_STORE), Serdes.String(), Serdes.ByteArray())
        .withLoggingDisabled();
  }

  /**
   * A reached frame as it arrived (key, raw bytes, headers, where it came from), waiting in the
   * pending store to be scored with its backlog; also what a dead letter is made from.
   */
  public record Pending(String key, byte[] value, List<DeadLetter.RawHeader> headers, long timestamp, String topic,
      int partition, long offset) {
    static Pending of(Record<String, byte[]> r, RecordMetadata md, String fallbackTopic) {
      List<DeadLetter.RawHeader> headers = new ArrayList<>();
      for (Header h : r.headers()) {
        headers.add(new DeadLetter.RawHeader(h.key(), h.value()));
      }
      return new Pending(r.key(), r.value(), headers, r.timestamp(), md == null ? fallbackTopic : md.topic(),
          md == null ? -1 : md.partition(), md == null ? -1 : md.offset());
    }

    RecordHeaders recordHeaders() {
      RecordHeaders h = new RecordHeaders();
      headers.forEach(x -> h.add(x.key(), x.value()));
      return h;
    }

    /** Store key: offsets zero-padded so the store's byte order is arrival order. */
    String storeKey() {
      return String.format(java.util.Locale.ROOT, "%020d", offset);
    }
  }

  /**
   * Keeps the latest record of each recording; a tombstone removes it, and so does a record that is
   * no procedure event (said with where it is: logs name no procedure).
   */
  static final class RecordingsUpdate implements Processor<String, byte[], Void, Void> {
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, byte[]> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      store = context.getStateStore(RECORDINGS_STORE);
    }

    @Override
    public void process(Record<String, byte[]> r) {
      if (r.key() == null) {
        return;
      }
      if (r.value() != null && readRecording(r.value()) != null) {
        store.put(r.key(), r.value());
        return;
      }
      if (r.value() != null) {
        String where = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?");
        LOG.warn("record {} is no procedure event; its procedure's alerts end {} s after its frames stop, as without one",
            where, AlertEvent.FRAMES_STOPPED_AFTER_MS / 1000);
      }
      store.delete(r.key());
    }
  }

  /** The procedure event in a record's value, or null if it is none. */
  static ProcedureEvent readRecording(byte[] value) {
    try {
      return Topics.PROCEDURES.valueSerde().deserializer().deserialize(Topics.PROCEDURES.name(), value);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
