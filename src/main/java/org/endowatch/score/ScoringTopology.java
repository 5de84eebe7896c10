package org.endowatch.score;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.ContractException;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.FrameSerde;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;

/**
 * The scoring topology, the one production runs and tests drive: every record of {@code frames}
 * gets exactly one outcome, a score (plus its heatmap, plus any alert events) or a skip, or a
 * dead letter. Each frame is scored synchronously inside the processor, so an exactly-once commit
 * covers input offset, outputs and alert state together (buffering frames in memory across commits
 * loses them when the process dies).
 */
public final class ScoringTopology {
  public static final String SOURCE = "frames-source";
  public static final String PROCESSOR = "score";
  public static final String ALERT_STORE = "alert-state";
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
   */
  public record Settings(String input, Outputs outputs, long budgetMs, AlertRule rule) {
    public static Settings live(long budgetMs) {
      return new Settings(Topics.FRAMES.name(), Outputs.LIVE, budgetMs, AlertRule.DEFAULT);
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
    Topology t = new Topology();
    t.addSource(SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), s.input());
    t.addProcessor(PROCESSOR, () -> new ScoringProcessor(s, scorer, clock, metrics), SOURCE);
    t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERT_STORE), Serdes.String(),
        JsonSerde.of(AlertRule.State.class)), PROCESSOR);
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

  /** Scores one frame per record and decides its outcome. */
  static final class ScoringProcessor implements Processor<String, byte[], String, Object> {
    private final Settings settings;
    private final Supplier<FrameScorer> scorer;
    private final LongSupplier clock;
    private final Counter scored;
    private final Counter skipped;
    private final Counter deadLettered;
    private final Counter alertsRaised;
    private final Timer latency;
    private final Timer inference;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, AlertRule.State> alerts;

    ScoringProcessor(Settings settings, Supplier<FrameScorer> scorer, LongSupplier clock, MeterRegistry m) {
      this.settings = settings;
      this.scorer = scorer;
      this.clock = clock;
      this.scored = Counter.builder("endowatch.frames.scored").register(m);
      this.skipped = Counter.builder("endowatch.frames.skipped").tag("reason", "stale").register(m);
      this.deadLettered = Counter.builder("endowatch.frames.dead_lettered").register(m);
      this.alertsRaised = Counter.builder("endowatch.alerts.raised").register(m);
      this.latency = Timer.builder("endowatch.capture_to_score").publishPercentiles(0.5, 0.99)
          .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(10)).register(m);
      this.inference = Timer.builder("endowatch.inference").publishPercentiles(0.5, 0.99).register(m);
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
      this.context = context;
      this.alerts = context.getStateStore(ALERT_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
      Frame frame;
      try {
        if (record.value() == null) {
          throw new ContractException("frame record has no value");
        }
        frame = FrameSerde.read(record.headers(), record.value());
      } catch (ContractException e) {
        deadLetter(record, e.getMessage());
        return;
      }
      if (!frame.procedureId().equals(record.key())) {
        deadLetter(record, "record key '" + record.key() + "' differs from procedure header '" + frame.procedureId() + "'");
        return;
      }
      FrameScorer model = scorer.get();
      long now = clock.getAsLong();
      if (settings.budgetMs() > 0 && now - frame.captureTimestampMs() > settings.budgetMs()) {
        emit(SCORES_SINK, record, frame.procedureId(), Score.skipped(frame.procedureId(), frame.frameIndex(),
            frame.captureTimestampMs(), now, model.imageThreshold(), model.modelVersion(), "stale"));
        skipped.increment();
        return;
      }
      FrameScorer.Scored result;
      long t0 = System.nanoTime();
      try {
        result = model.score(frame);
      } catch (FrameScorer.UnscorableFrameException e) {
        deadLetter(record, e.getMessage());
        return;
      }
      inference.record(Duration.ofNanos(System.nanoTime() - t0));
      long done = clock.getAsLong();
      Score score = Score.scored(frame.procedureId(), frame.frameIndex(), frame.captureTimestampMs(), done,
          result.score(), model.imageThreshold(), model.modelVersion());
      emit(SCORES_SINK, record, frame.procedureId(), score);
      emit(HEATMAPS_SINK, record, frame.procedureId(), new Heatmap(frame.procedureId(), frame.frameIndex(),
          frame.captureTimestampMs(), model.modelVersion(), frame.width(), frame.height(), model.patchThreshold(),
          result.gridSize(), result.gridSize(), result.patchScores()));
      scored.increment();
      latency.record(Duration.ofMillis(Math.max(0, done - frame.captureTimestampMs())));

      AlertRule.State state = alerts.get(frame.procedureId());
      AlertRule.Step step = settings.rule().apply(state == null ? AlertRule.State.empty() : state, frame.procedureId(),
          frame.frameIndex(), frame.captureTimestampMs(), result.score(), model.imageThreshold(),
          region(result, model.patchThreshold(), frame.width(), frame.height()), model.modelVersion());
      alerts.put(frame.procedureId(), step.state());
      for (AlertEvent e : step.events()) {
        if (e.type().equals(AlertEvent.START)) {
          alertsRaised.increment();
        }
        emit(ALERTS_SINK, record, frame.procedureId(), e);
      }
    }

    private void emit(String sink, Record<String, byte[]> in, String key, Object value) {
      // Outputs carry no input headers: frame metadata belongs to frames, not to scores.
      context.forward(new Record<String, Object>(key, value, in.timestamp(), new RecordHeaders()), sink);
    }

    private void deadLetter(Record<String, byte[]> record, String reason) {
      RecordMetadata md = context.recordMetadata().orElse(null);
      List<DeadLetter.RawHeader> headers = new ArrayList<>();
      for (Header h : record.headers()) {
        headers.add(new DeadLetter.RawHeader(h.key(), h.value()));
      }
      DeadLetter d = new DeadLetter(reason, md == null ? settings.input() : md.topic(), md == null ? -1 : md.partition(),
          md == null ? -1 : md.offset(), clock.getAsLong(), headers, record.value());
      context.forward(new Record<String, Object>(record.key(), d, record.timestamp(), new RecordHeaders()), DLQ_SINK);
      deadLettered.increment();
    }
  }

  /** Bounding box, in frame pixels, of the patches over the patch threshold; null if none is. */
  static AlertEvent.Region region(FrameScorer.Scored r, float patchThreshold, int frameWidth, int frameHeight) {
    int g = r.gridSize();
    int minRow = g;
    int minCol = g;
    int maxRow = -1;
    int maxCol = -1;
    for (int row = 0; row < g; row++) {
      for (int col = 0; col < g; col++) {
        if (r.patchScores()[row * g + col] > patchThreshold) {
          minRow = Math.min(minRow, row);
          maxRow = Math.max(maxRow, row);
          minCol = Math.min(minCol, col);
          maxCol = Math.max(maxCol, col);
        }
      }
    }
    if (maxRow < 0) {
      return null;
    }
    int x0 = minCol * frameWidth / g;
    int y0 = minRow * frameHeight / g;
    int x1 = (maxCol + 1) * frameWidth / g;
    int y1 = (maxRow + 1) * frameHeight / g;
    return new AlertEvent.Region(x0, y0, x1 - x0, y1 - y0);
  }
}
