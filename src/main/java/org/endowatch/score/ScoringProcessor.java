package org.endowatch.score;

import static org.endowatch.score.ScoringTopology.ALERTS_SINK;
import static org.endowatch.score.ScoringTopology.ALERT_STORE;
import static org.endowatch.score.ScoringTopology.BACKLOG_WAIT_MS;
import static org.endowatch.score.ScoringTopology.CAUGHT_UP_MS;
import static org.endowatch.score.ScoringTopology.CLOCK_AHEAD_MS;
import static org.endowatch.score.ScoringTopology.DLQ_SINK;
import static org.endowatch.score.ScoringTopology.HEATMAPS_SINK;
import static org.endowatch.score.ScoringTopology.IDLE_STATE_SWEEP;
import static org.endowatch.score.ScoringTopology.PENDING_STORE;
import static org.endowatch.score.ScoringTopology.RECORDINGS_STORE;
import static org.endowatch.score.ScoringTopology.SCORES_SINK;
import static org.endowatch.score.ScoringTopology.readRecording;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.ContractException;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.FrameSerde;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;
import org.endowatch.score.ScoringTopology.Pending;
import org.endowatch.score.ScoringTopology.Settings;

/**
 * The processor of {@link ScoringTopology}: decides every record's outcome, scoring each frame as
 * reached or a stream's backlog together, and runs each procedure's alert rule over the scores.
 */
final class ScoringProcessor implements Processor<String, byte[], String, Object> {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScoringProcessor.class);

  /** What the processor keeps in memory of a procedure with an open alert (see {@link #openAlerts}). */
  record OpenAlert(long lastReachedMs, long lastIndex) {}

  private final Settings settings;
  private final Supplier<FrameScorer> scorer;
  private final LongSupplier clock;
  private final FailedFrames failed;
  private final Counter scored;
  private final Counter skipped;
  private final Counter deadLettered;
  private final Counter capturedAhead;
  /** Procedures already said to come from a clock ahead (bounded: cleared when it grows large). */
  private final java.util.Set<String> saidAhead = new java.util.HashSet<>();
  private final Counter alertsRaised;
  private final Counter endedByScores;
  private final Counter endedByStop;
  private final Counter endedByRecording;
  private final Timer latency;
  private final Timer inference;
  private final io.micrometer.core.instrument.DistributionSummary batchSizes;
  private ProcessorContext<String, Object> context;
  private KeyValueStore<String, AlertRule.State> alerts;
  private KeyValueStore<String, Pending> pending;
  /** The latest word on each recording; null without {@link Settings#recordings()}. */
  private KeyValueStore<String, byte[]> recordings;
  private int pendingCount;
  private long firstPendingAtMs;
  /**
   * Each procedure with an open alert: when a frame of it last reached this processor (scorer's
   * clock), and the highest frame index given an outcome (whether the last frame of an ended
   * recording has been dealt with). Kept in memory, not in the store: after a restart or a
   * rebalance every open alert gets a full wait from the moment its state is back, so a scorer that
   * was away ends nothing for that; its last frame stands for the last one dealt with (frames
   * skipped or dead-lettered after it before the move are not known: then the alert ends after the
   * wait, as before).
   */
  private final Map<String, OpenAlert> openAlerts = new HashMap<>();
  /**
   * When (this scorer's clock) each stored alert state was last written: not the frames' capture
   * times, which a re-scoring of last week's procedure has from last week.
   */
  private final Map<String, Long> stateWritten = new HashMap<>();

  ScoringProcessor(Settings settings, Supplier<FrameScorer> scorer, LongSupplier clock, MeterRegistry m,
      FailedFrames failed) {
    this.settings = settings;
    this.scorer = scorer;
    this.clock = clock;
    this.failed = failed;
    this.scored = Counter.builder("endowatch.frames.scored").register(m);
    this.skipped = Counter.builder("endowatch.frames.skipped").tag("reason", "stale").register(m);
    this.deadLettered = Counter.builder("endowatch.frames.dead_lettered").register(m);
    this.capturedAhead = Counter.builder("endowatch.frames.captured_ahead")
        .description("frames captured more than 1 s ahead of the scorer's clock: an ingest host's clock runs ahead").register(m);
    this.alertsRaised = Counter.builder("endowatch.alerts.raised").register(m);
    this.endedByScores = Counter.builder("endowatch.alerts.ended").tag("reason", AlertEvent.SCORES_FELL).register(m);
    this.endedByStop = Counter.builder("endowatch.alerts.ended").tag("reason", AlertEvent.FRAMES_STOPPED).register(m);
    this.endedByRecording = Counter.builder("endowatch.alerts.ended").tag("reason", AlertEvent.RECORDING_ENDED).register(m);
    this.latency = Timer.builder("endowatch.capture_to_score").publishPercentiles(0.5, 0.99)
        .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(10)).register(m);
    this.inference = Timer.builder("endowatch.inference").publishPercentiles(0.5, 0.99).register(m);
    this.batchSizes = io.micrometer.core.instrument.DistributionSummary.builder("endowatch.backlog.batch_size").register(m);
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    // Kafka Streams calls init again on this same processor when it revives a task whose stores it
    // wiped and restored (a corrupted task): what is kept in memory starts again from the stores.
    openAlerts.clear();
    stateWritten.clear();
    pendingCount = 0;
    this.alerts = context.getStateStore(ALERT_STORE);
    try (var it = alerts.all()) {
      it.forEachRemaining(kv -> {
        if (kv.value.active()) {
          openAlerts.put(kv.key, new OpenAlert(clock.getAsLong(), kv.value.lastFrame()));
        }
      });
    }
    if (settings.recordings() != null) {
      this.recordings = context.getStateStore(RECORDINGS_STORE);
    }
    context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, ignored -> endStoppedAlerts());
    context.schedule(IDLE_STATE_SWEEP, PunctuationType.WALL_CLOCK_TIME, ignored -> deleteIdleStates());
    if (settings.backlogBatch() > 1) {
      this.pending = context.getStateStore(PENDING_STORE);
      // Frames that were waiting when the process stopped come back with the store.
      List<Long> restored = new ArrayList<>();
      try (var it = pending.all()) {
        while (it.hasNext()) {
          restored.add(it.next().value.offset());
          pendingCount++;
        }
      }
      // Each frame's way through the scorer at DEBUG (ENDOWATCH_LOG_LEVEL=DEBUG), by where it is: what
      // ScorerFailoverIT prints for a frame without an outcome.
      LOG.debug("task {} starts with {} waiting frames, offsets {}", context.taskId(), pendingCount, restored);
      firstPendingAtMs = context.currentSystemTimeMs();
      context.schedule(Duration.ofMillis(1), PunctuationType.WALL_CLOCK_TIME, now -> {
        if (pendingCount > 0 && now - firstPendingAtMs >= BACKLOG_WAIT_MS) {
          flush();
        }
      });
    }
  }

  @Override
  public void process(Record<String, byte[]> record) {
    if (!settings.takes(record.key())) {
      return;
    }
    if (record.key() != null) {
      // Any record of the procedure counts, a stale or broken one too: its stream is alive.
      openAlerts.computeIfPresent(record.key(), (k, o) -> new OpenAlert(clock.getAsLong(), o.lastIndex()));
    }
    Pending p = Pending.of(record, context.recordMetadata().orElse(null), settings.input());
    Frame frame = frameOrDeadLetter(p);
    if (frame == null) {
      return;
    }
    checkClock(p, frame);
    String failedBefore = failed.reasonFor(p);
    if (failedBefore != null) {
      // Frames that wait came before it (restored with the store, from the batch that failed):
      // they go first, so a procedure's frames reach the alert rule in their order.
      flush();
      retryAlone(p, frame, failedBefore);
      return;
    }
    if (skippedAsStale(p, frame)) {
      return;
    }
    if (pending == null || (pendingCount == 0 && clock.getAsLong() - frame.captureTimestampMs() < CAUGHT_UP_MS)) {
      LOG.debug("frame at {}-{}@{} scored at once", p.topic(), p.partition(), p.offset());
      FrameScorer model = scorer.get();
      long t0 = System.nanoTime();
      FrameScorer.Outcome outcome = scoreAll(model, List.of(p), List.of(frame)).get(0);
      inference.record(Duration.ofNanos(System.nanoTime() - t0));
      decide(p, frame, model, outcome);
      return;
    }
    pending.put(p.storeKey(), p);
    LOG.debug("frame at {}-{}@{} waits, behind {}", p.topic(), p.partition(), p.offset(), pendingCount);
    if (pendingCount == 0) {
      firstPendingAtMs = context.currentSystemTimeMs();
    }
    if (++pendingCount >= settings.backlogBatch()) {
      flush();
    }
  }

  /** Scores every waiting frame (still fresh) in one batch and decides each outcome in arrival order. */
  private void flush() {
    if (pendingCount == 0) {
      return;
    }
    List<Pending> waiting = new ArrayList<>();
    try (var it = pending.all()) {
      it.forEachRemaining(kv -> waiting.add(kv.value));
    }
    waiting.forEach(p -> pending.delete(p.storeKey()));
    if (LOG.isDebugEnabled()) {
      LOG.debug("task {} takes its waiting frames to be scored, offsets {}", context.taskId(),
          waiting.stream().map(Pending::offset).toList());
    }
    pendingCount = 0;
    List<Pending> fresh = new ArrayList<>();
    List<Frame> frames = new ArrayList<>();
    for (Pending p : waiting) {
      Frame f = frameOrDeadLetter(p);
      String failedBefore = f == null ? null : failed.reasonFor(p);
      if (failedBefore != null) {
        // The frames before it first, so a procedure's frames reach the alert rule in their order.
        scoreTogether(fresh, frames);
        fresh = new ArrayList<>();
        frames = new ArrayList<>();
        retryAlone(p, f, failedBefore);
      } else if (f != null && !skippedAsStale(p, f)) {
        fresh.add(p);
        frames.add(f);
      }
    }
    scoreTogether(fresh, frames);
  }

  /** Scores waiting frames in one batch and decides each outcome in their order. */
  private void scoreTogether(List<Pending> fresh, List<Frame> frames) {
    if (frames.isEmpty()) {
      return;
    }
    FrameScorer model = scorer.get();
    long t0 = System.nanoTime();
    List<FrameScorer.Outcome> outcomes = scoreAll(model, fresh, frames);
    inference.record(Duration.ofNanos((System.nanoTime() - t0) / frames.size()));
    batchSizes.record(frames.size());
    for (int i = 0; i < frames.size(); i++) {
      decide(fresh.get(i), frames.get(i), model, outcomes.get(i));
    }
  }

  /**
   * The model's outcomes for {@code frames}; if it throws, the frames are remembered and the
   * exception fails the stream thread, whose replacement reads them again (FailedFrames).
   */
  private List<FrameScorer.Outcome> scoreAll(FrameScorer model, List<Pending> ps, List<Frame> frames) {
    try {
      return model.scoreAll(frames);
    } catch (RuntimeException e) {
      failed.remember(ps, e);
      throw e;
    }
  }

  /**
   * A frame whose scoring threw before the stream thread was replaced: scored once more on its own,
   * or sent to the dead-letter topic with the reason if it throws again or is stale by now (a live
   * scorer would skip it; the reason says more than "stale").
   */
  private void retryAlone(Pending p, Frame frame, String failedBefore) {
    if (stale(frame)) {
      deadLetter(p, "scoring failed (" + failedBefore + ") and the frame was older than the " + settings.budgetMs()
          + " ms budget once the scorer had recovered");
      dealtWith(frame);
      return;
    }
    FrameScorer model = scorer.get();
    FrameScorer.Outcome outcome;
    try {
      outcome = model.scoreAll(List.of(frame)).get(0);
    } catch (RuntimeException e) {
      String why = FailedFrames.oneLine(e);
      LOG.warn("scoring the frame at {}-{}@{} failed again ({}); sent to the dead-letter topic", p.topic(), p.partition(),
          p.offset(), why);
      deadLetter(p, "scoring failed twice: " + why);
      dealtWith(frame);
      return;
    }
    decide(p, frame, model, outcome);
  }

  /** The frame in a record, or null after dead-lettering a record that breaks the contract. */
  private Frame frameOrDeadLetter(Pending p) {
    try {
      if (p.value() == null) {
        throw new ContractException("frame record has no value");
      }
      Frame frame = FrameSerde.read(p.recordHeaders(), p.value());
      if (!frame.procedureId().equals(p.key())) {
        deadLetter(p, "record key '" + p.key() + "' differs from procedure header '" + frame.procedureId() + "'");
        return null;
      }
      return frame;
    } catch (ContractException e) {
      deadLetter(p, e.getMessage());
      return null;
    }
  }

  private void checkClock(Pending p, Frame frame) {
    long ahead = frame.captureTimestampMs() - clock.getAsLong();
    if (ahead <= CLOCK_AHEAD_MS) {
      return;
    }
    capturedAhead.increment();
    if (saidAhead.size() > 10_000) {
      saidAhead.clear();
    }
    if (saidAhead.add(frame.procedureId())) {
      // Said once per procedure, named by where its frame is: logs name no procedure.
      LOG.warn("the frame at {}-{}@{} was captured {} ms ahead of this scorer's clock: its ingest host's clock runs ahead"
          + " (check NTP on both); such frames are never skipped as stale, so a backlog of them is scored however late",
          p.topic(), p.partition(), p.offset(), ahead);
    }
  }

  /** Whether the frame is older than the budget now (never with no budget). */
  private boolean stale(Frame frame) {
    return settings.budgetMs() > 0 && clock.getAsLong() - frame.captureTimestampMs() > settings.budgetMs();
  }

  /** Emits a skip (the frame's outcome) when the frame is older than the budget now. */
  private boolean skippedAsStale(Pending p, Frame frame) {
    if (!stale(frame)) {
      return false;
    }
    long now = clock.getAsLong();
    LOG.debug("frame at {}-{}@{} skipped, {} ms old", p.topic(), p.partition(), p.offset(), now - frame.captureTimestampMs());
    FrameScorer model = scorer.get();
    emit(SCORES_SINK, p, frame.procedureId(), Score.skipped(frame.procedureId(), frame.frameIndex(),
        frame.captureTimestampMs(), now, model.imageThreshold(), model.modelVersion(), "stale"));
    skipped.increment();
    dealtWith(frame);
    return true;
  }

  private void decide(Pending p, Frame frame, FrameScorer model, FrameScorer.Outcome outcome) {
    if (outcome.scored() == null) {
      deadLetter(p, outcome.unscorable());
      dealtWith(frame);
      return;
    }
    FrameScorer.Scored result = outcome.scored();
    long done = clock.getAsLong();
    Score score = Score.scored(frame.procedureId(), frame.frameIndex(), frame.captureTimestampMs(), done,
        result.score(), model.imageThreshold(), model.modelVersion());
    emit(SCORES_SINK, p, frame.procedureId(), score);
    emit(HEATMAPS_SINK, p, frame.procedureId(), new Heatmap(frame.procedureId(), frame.frameIndex(),
        frame.captureTimestampMs(), model.modelVersion(), frame.width(), frame.height(), model.patchThreshold(),
        result.gridSize(), result.gridSize(), result.patchScores()));
    scored.increment();
    latency.record(Duration.ofMillis(Math.max(0, done - frame.captureTimestampMs())));

    AlertRule.State state = alerts.get(frame.procedureId());
    AlertRule.Step step = settings.rule().apply(state == null ? AlertRule.State.empty() : state, frame.procedureId(),
        frame.frameIndex(), frame.captureTimestampMs(), result.score(), model.imageThreshold(),
        region(result, model.patchThreshold(), frame.width(), frame.height()), model.modelVersion());
    keep(frame.procedureId(), state, step.state());
    if (step.state().active()) {
      openAlerts.merge(frame.procedureId(), new OpenAlert(clock.getAsLong(), frame.frameIndex()),
          (o, n) -> new OpenAlert(n.lastReachedMs(), Math.max(o.lastIndex(), n.lastIndex())));
    } else {
      openAlerts.remove(frame.procedureId());
    }
    for (AlertEvent e : step.events()) {
      emitAlert(new Record<>(frame.procedureId(), e, p.timestamp(), new RecordHeaders()));
    }
    dealtWith(frame);
  }

  /**
   * A frame has its outcome (scored, skipped or dead-lettered): if its procedure has an open alert,
   * it counts towards the recording's last frame, and may have been it.
   */
  private void dealtWith(Frame frame) {
    if (openAlerts.computeIfPresent(frame.procedureId(),
        (k, o) -> new OpenAlert(o.lastReachedMs(), Math.max(o.lastIndex(), frame.frameIndex()))) != null) {
      endIfRecordingEnded(frame.procedureId());
    }
  }

  /**
   * Ends the procedure's open alert once ingest said its recording ended and its last frame has an
   * outcome. A recording that failed is left to the wait: ingest may be started again with
   * {@code --resume} within seconds, and its frames would carry the alert on. A word older than the
   * alert's start (both on ingest's clock) is about an earlier recording under the same id.
   */
  private void endIfRecordingEnded(String procedure) {
    if (recordings == null) {
      return;
    }
    OpenAlert open = openAlerts.get(procedure);
    ProcedureEvent word = open == null ? null : recording(procedure);
    if (word == null || !word.type().equals(ProcedureEvent.ENDED) || open.lastIndex() < word.nextIndex() - 1) {
      return;
    }
    AlertRule.State state = alerts.get(procedure);
    if (state == null || !state.active() || word.atMs() < state.startTs()) {
      return;
    }
    openAlerts.remove(procedure);
    AlertRule.Step step = settings.rule().stopped(state, procedure, word.atMs(), scorer.get().modelVersion(),
        AlertEvent.RECORDING_ENDED);
    keep(procedure, state, step.state());
    for (AlertEvent e : step.events()) {
      emitAlert(new Record<>(procedure, e, clock.getAsLong(), new RecordHeaders()));
    }
  }

  /**
   * The latest word on the procedure's recording, or null. The store holds procedure events only,
   * unless Kafka Streams restored it by copying the topic past {@link ScoringTopology.RecordingsUpdate}: such a
   * record is read as none here too.
   */
  private ProcedureEvent recording(String procedure) {
    byte[] raw = recordings.get(procedure);
    return raw == null ? null : readRecording(raw);
  }

  /**
   * Ends every open alert whose recording ingest said ended after its last frame's outcome (the word
   * may come after the frame), then every one whose procedure sent no frame for
   * {@link AlertEvent#FRAMES_STOPPED_AFTER_MS}.
   */
  private void endStoppedAlerts() {
    if (recordings != null) {
      openAlerts.keySet().stream().sorted().toList().forEach(this::endIfRecordingEnded);
    }
    long now = clock.getAsLong();
    List<String> stopped = openAlerts.entrySet().stream()
        .filter(e -> now - e.getValue().lastReachedMs() >= AlertEvent.FRAMES_STOPPED_AFTER_MS).map(Map.Entry::getKey)
        .sorted().toList();
    for (String procedure : stopped) {
      openAlerts.remove(procedure);
      AlertRule.State state = alerts.get(procedure);
      if (state == null) {
        continue;
      }
      AlertRule.Step step = settings.rule().stopped(state, procedure, now, scorer.get().modelVersion(),
          AlertEvent.FRAMES_STOPPED);
      keep(procedure, state, step.state());
      for (AlertEvent e : step.events()) {
        emitAlert(new Record<>(procedure, e, now, new RecordHeaders()));
      }
    }
  }

  /** See {@link ScoringTopology#IDLE_STATE_SWEEP}; an open alert is ended by {@link #endStoppedAlerts} instead. */
  private void deleteIdleStates() {
    long now = clock.getAsLong();
    List<String> idle = new ArrayList<>();
    try (var it = alerts.all()) {
      it.forEachRemaining(kv -> {
        Long written = stateWritten.get(kv.key);
        if (!kv.value.active() && (written == null || now - written >= IDLE_STATE_SWEEP.toMillis())) {
          idle.add(kv.key);
        }
      });
    }
    idle.forEach(procedure -> {
      alerts.delete(procedure);
      stateWritten.remove(procedure);
    });
  }

  /**
   * Stores a procedure's new alert state, or deletes it once it holds nothing the next frame needs
   * (no open alert, no over-threshold frame in the window): the store then holds the procedures
   * near an alert, not every procedure ever scored, and a normal frame writes nothing to the
   * changelog (a state that was not there stays absent; one that was leaves a tombstone, which
   * compaction drops).
   */
  private void keep(String procedure, AlertRule.State before, AlertRule.State after) {
    if (!after.nothingToKeep()) {
      alerts.put(procedure, after);
      stateWritten.put(procedure, clock.getAsLong());
    } else if (before != null) {
      alerts.delete(procedure);
      stateWritten.remove(procedure);
    }
  }

  private void emitAlert(Record<String, Object> r) {
    AlertEvent e = (AlertEvent) r.value();
    switch (e.type()) {
      case AlertEvent.START -> alertsRaised.increment();
      case AlertEvent.END -> (switch (String.valueOf(e.endReason())) {
        case AlertEvent.FRAMES_STOPPED -> endedByStop;
        case AlertEvent.RECORDING_ENDED -> endedByRecording;
        default -> endedByScores;
      }).increment();
      default -> { }
    }
    context.forward(r, ALERTS_SINK);
    if (!e.type().equals(AlertEvent.UPDATE)) {
      // Under exactly once, consoles see an output only when its transaction commits, by default
      // up to commit.interval.ms later: ask for the commit now, so an alert's start and end reach
      // the room without that wait (they are rare; updates are not worth a commit each).
      context.commit();
    }
  }

  private void emit(String sink, Pending in, String key, Object value) {
    // Outputs carry no input headers: frame metadata belongs to frames, not to scores.
    context.forward(new Record<String, Object>(key, value, in.timestamp(), new RecordHeaders()), sink);
  }

  private void deadLetter(Pending p, String reason) {
    DeadLetter d = new DeadLetter(reason, p.topic(), p.partition(), p.offset(), clock.getAsLong(), p.headers(), p.value());
    context.forward(new Record<String, Object>(p.key(), d, p.timestamp(), new RecordHeaders()), DLQ_SINK);
    deadLettered.increment();
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
