package org.endowatch.console;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;

/**
 * What the console knows of every procedure, built from the topics: the score timeline, alerts,
 * where each frame sits on the frames topic (so any frame of a recorded procedure can be shown),
 * and the most recent frames and heatmaps themselves. Memory stays bounded per procedure: images
 * are kept for the last {@link #RECENT} frames and alert peaks only. Over time it stays bounded too:
 * {@link #expire} forgets what the topics' retention has deleted (a console that runs for months
 * then holds what a freshly started one would, about 170 bytes per frame of a procedure's timeline
 * and frame offsets, and keeps no patient image longer than the frames topic does). Thread-safe: one
 * consumer thread writes, HTTP threads read.
 */
public final class ConsoleStore {
  /** Frames (and heatmaps) kept in memory per procedure; older ones are read back from Kafka on demand. */
  static final int RECENT = 64;
  /** A procedure whose newest frame was captured longer ago than this is shown as ended (and the scorer ends its open alert). */
  public static final long LIVE_MS = AlertEvent.FRAMES_STOPPED_AFTER_MS;
  /**
   * A live procedure whose newest frame is this much newer than its newest outcome is shown as not
   * scored: the scorer is down or far behind, and no alert can come. Outcomes reach a console tens
   * of ms after capture (BENCHMARKS, "When a console sees it"); a stalled stream thread, a
   * rebalance or a hot swap can hold them for a second or two.
   */
  public static final long UNSCORED_MS = 3_000;

  /** One point of the score timeline; score null when the frame was skipped. */
  public record Point(long index, long captureMs, Double score, boolean anomalous, String skipReason, long latencyMs) {}

  /** A frame the scorer sent to the dead-letter topic instead of scoring, and why: a mark on the timeline. */
  public record Rejection(long index, String reason) {}

  /**
   * The model version and threshold that judged a procedure's frames from {@code fromIndex} on, up
   * to the next span: a model released during a procedure (a hot swap) judges the rest of it by its
   * own threshold, and the timeline must not draw the earlier frames against that one.
   */
  public record ModelSpan(long fromIndex, String model, double threshold) {}

  /**
   * The overview row of a procedure.
   *
   * @param unscoredMs how far its newest frame is ahead of its newest scored frame (0 when scored up
   *     to date, or ended); at {@link #UNSCORED_MS} or more the page says it is not being scored
   * @param skipping whether outcomes do come, but skips (stale: a scorer that cannot catch up, or an
   *     ingest host's clock behind the scorer's): as unscored as no outcome at all, for another reason
   * @param rejectReason why the scorer sends its newest frames to the dead-letter topic instead of
   *     scoring them (a camera sending what cannot be decoded, a misconfigured ingest), when it does:
   *     as unscored again, and the one thing that says what to fix; null otherwise
   * @param rejected frames of it the scorer dead-lettered, over what the console has read
   * @param lastRejectedIndex the frame index of the newest of them whose index is known (-1 for none):
   *     a page fetches the marks it lacks when this moves; a record whose headers were what was wrong
   *     counts in {@code rejected} but has no index to mark
   * @param staleSinceMs for a live procedure whose records the console cannot currently read (its
   *     broker unreachable, a partition of it offline: {@link SourceHealth}), since when what is
   *     shown of it stands still; 0 when current. Such a procedure is judged live, and in alert, as
   *     of that moment: silence from a lost broker is not the end of a procedure or of its alert.
   * @param recording what ingest last said of the recording on {@code procedures} ({@link
   *     ProcedureEvent#STARTED}, {@code ENDED}, {@code FAILED}), null when nothing (an ingest from
   *     before the topic, another producer): a recording ingest says is over is not live from then on
   * @param recordingReason why it ended, or the error it failed with; null while started
   * @param recordingAtMs when ingest said it (0 with no word)
   */
  public record Summary(String id, boolean live, long frames, long lastIndex, double fps, Double lastScore,
      double threshold, boolean alerting, int alerts, long latencyMs, String model, long lastCaptureMs, long unscoredMs,
      boolean skipping, long staleSinceMs, String rejectReason, long rejected, long lastRejectedIndex,
      String recording, String recordingReason, long recordingAtMs) {
    @com.fasterxml.jackson.annotation.JsonProperty
    public boolean unscored() {
      return unscoredMs >= UNSCORED_MS;
    }

    /**
     * Its frames stopped while ingest still calls the recording started: ingest was killed, its host
     * or network lost, or its camera froze; the scope may still be in the patient with nothing
     * watching, unlike a recording that ended. Not while the console itself cannot read Kafka.
     */
    @com.fasterxml.jackson.annotation.JsonProperty
    public boolean framesStopped() {
      return !live && staleSinceMs == 0 && ProcedureEvent.STARTED.equals(recording);
    }
  }

  /**
   * How long each topic keeps its records (the broker's {@code retention.ms}; {@link Long#MAX_VALUE}
   * for ever). A procedure's part from a topic is forgotten once its newest record is older than
   * that topic keeps records: all of it at once, where the broker deletes old segments piecemeal,
   * so a long procedure is kept up to its own length longer than its first frames.
   */
  public record Retention(long framesMs, long heatmapsMs, long scoresMs, long alertsMs) {
    public static final Retention FOREVER = new Retention(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    /** A topic's {@code retention.ms} as the broker reports it: -1 (or any negative) means for ever. */
    public static long millis(String retentionMs) {
      long ms = Long.parseLong(retentionMs.trim());
      return ms < 0 ? Long.MAX_VALUE : ms;
    }

    long longest() {
      return Math.max(Math.max(framesMs, heatmapsMs), Math.max(scoresMs, alertsMs));
    }
  }

  /** Called after each change of a procedure (scores, alerts) with its new summary. */
  public interface Listener {
    void changed(Summary summary, AlertEvent alert);

    /** The procedure is gone from the topics and from the store ({@link #expire}). */
    default void forgotten(String id) {}

    /** Whether what the console shows is current changed ({@link SourceHealth}). */
    default void source(SourceHealth.State state) {}
  }

  private final Map<String, Procedure> procedures = new HashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final LongSupplier clock;
  private final Retention retention;
  private volatile SourceHealth health = SourceHealth.none();
  private SourceHealth.State pushedSource = SourceHealth.State.UP_TO_DATE;
  private long pushedSourceAtMs;

  /** A store that forgets nothing (tests, short-lived tools). */
  public ConsoleStore(LongSupplier clock) {
    this(clock, Retention.FOREVER);
  }

  public ConsoleStore(LongSupplier clock, Retention retention) {
    this.clock = clock;
    this.retention = retention;
  }

  public Retention retention() {
    return retention;
  }

  /** Where the store learns whether its records are current: the feed that fills it. */
  void watchedBy(SourceHealth health) {
    this.health = health;
  }

  /** Whether what the store holds is current, as the page's banner says it. */
  public SourceHealth.State source() {
    return health.state();
  }

  public void listen(Listener l) {
    listeners.add(l);
  }

  public void unlisten(Listener l) {
    listeners.remove(l);
  }

  /**
   * Ingest said the recording started, ended or failed. One that ended or failed is not live from
   * then on (no 15 s of waiting for frames that will not come); the row says which it was.
   */
  public void recording(ProcedureEvent e) {
    Summary summary;
    synchronized (this) {
      Procedure p = procedure(e.procedureId());
      p.seen(e.atMs());
      p.recording = e;
      summary = p.shown() ? summarize(p) : null;
      if (summary != null) {
        p.pushed(summary);
      }
    }
    if (summary != null) {
      listeners.forEach(l -> l.changed(summary, null));
    }
  }

  /** A frame arrived at {@code partition}/{@code offset} of the frames topic. */
  public void frame(Frame f, int partition, long offset) {
    synchronized (this) {
      Procedure p = procedure(f.procedureId());
      p.seen(f.captureTimestampMs());
      p.firstFrameMs = Math.min(p.firstFrameMs, f.captureTimestampMs());
      p.lastFrameMs = Math.max(p.lastFrameMs, f.captureTimestampMs());
      p.offsets.put(f.frameIndex(), offset);
      p.partition = partition;
      p.recentFrames.put(f.frameIndex(), f.image());
      p.frames++;
      p.captures.add(f.captureTimestampMs());
      if (p.captures.size() > 30) {
        p.captures.remove(0);
      }
    }
  }

  public void score(Score s) {
    Summary summary;
    synchronized (this) {
      Procedure p = procedure(s.procedureId());
      p.seen(s.captureTimestampMs());
      p.lastOutcomeMs = Math.max(p.lastOutcomeMs, s.captureTimestampMs());
      if (s.isScored()) {
        p.lastScoredMs = Math.max(p.lastScoredMs, s.captureTimestampMs());
      }
      p.timeline.add(new Point(s.frameIndex(), s.captureTimestampMs(), s.score(), s.anomalous(), s.skipReason(), s.latencyMs()));
      p.threshold = s.threshold();
      p.model = s.modelVersion();
      ModelSpan span = p.models.isEmpty() ? null : p.models.get(p.models.size() - 1);
      if (span == null || !span.model().equals(s.modelVersion()) || span.threshold() != s.threshold()) {
        p.models.add(new ModelSpan(s.frameIndex(), s.modelVersion(), s.threshold()));
      }
      summary = summarize(p);
      p.pushed(summary);
    }
    listeners.forEach(l -> l.changed(summary, null));
  }

  /**
   * The scorer dead-lettered frame {@code frameIndex} of {@code procedureId} (-1 when the record could
   * not be read as a frame, so its index is unknown), captured at {@code captureMs}, for {@code
   * reason}. A frame of the procedure all the same: it makes a row, keeps the procedure live, counts
   * as a frame without a score, and with a known index is marked on the timeline. A camera or ingest
   * whose every record is broken (frames the console cannot read either) shows this way alone, as not
   * scored with the reason to fix.
   */
  public void rejected(String procedureId, String reason, long captureMs, long frameIndex) {
    Summary summary;
    synchronized (this) {
      Procedure p = procedure(procedureId);
      p.seen(captureMs);
      p.rejected++;
      p.firstRejectedMs = Math.min(p.firstRejectedMs, captureMs);
      if (captureMs >= p.lastRejectedMs) {
        p.lastRejectedMs = captureMs;
        p.lastRejectReason = reason;
      }
      if (frameIndex >= 0) {
        p.mark(new Rejection(frameIndex, reason));
      }
      summary = p.shown() ? summarize(p) : null;
      if (summary != null) {
        p.pushed(summary);
      }
    }
    if (summary != null) {
      listeners.forEach(l -> l.changed(summary, null));
    }
  }

  public void heatmap(Heatmap h) {
    synchronized (this) {
      Procedure p = procedure(h.procedureId());
      p.seen(h.captureTimestampMs());
      p.recentHeatmaps.put(h.frameIndex(), h);
    }
  }

  public void alert(AlertEvent a) {
    Summary summary;
    synchronized (this) {
      Procedure p = procedure(a.procedureId());
      p.seen(a.eventTimestampMs());
      p.alerts.put(a.alertId(), a);
      // The peak frame's image and heatmap are kept beyond the recent window: the alert list shows them.
      byte[] peak = p.recentFrames.get(a.peakFrame());
      if (peak != null) {
        p.peakFrames.put(a.peakFrame(), peak);
      }
      Heatmap h = p.recentHeatmaps.get(a.peakFrame());
      if (h != null) {
        p.peakHeatmaps.put(a.peakFrame(), h);
      }
      summary = summarize(p);
      p.pushed(summary);
    }
    listeners.forEach(l -> l.changed(summary, a));
  }

  /**
   * How many procedures were cut off in the last {@code withinMs}: frames stopped with the recording
   * still started, or ingest failed (by when the last frame came, or the failure). For the
   * operators' metric: one such procedure may be a room whose scope is in with nothing watching.
   */
  public synchronized int cutOff(long withinMs) {
    long now = clock.getAsLong();
    int n = 0;
    for (Procedure p : procedures.values()) {
      if (!p.shown() || p.recording == null || p.recording.type().equals(ProcedureEvent.ENDED)) {
        continue;
      }
      Summary s = summarize(p);
      boolean failed = ProcedureEvent.FAILED.equals(s.recording()) && !s.live();
      if ((s.framesStopped() || failed) && now - (failed ? s.recordingAtMs() : s.lastCaptureMs()) < withinMs) {
        n++;
      }
    }
    return n;
  }

  public synchronized List<Summary> summaries() {
    List<Summary> out = new ArrayList<>();
    for (Procedure p : procedures.values()) {
      if (p.shown()) {
        out.add(summarize(p));
      }
    }
    out.sort((a, b) -> Long.compare(b.lastCaptureMs(), a.lastCaptureMs()));
    return out;
  }

  public synchronized Summary summary(String id) {
    Procedure p = procedures.get(id);
    return p == null ? null : summarize(p);
  }

  /** The timeline from frame {@code fromIndex} on (0 = all). */
  public synchronized List<Point> timeline(String id, long fromIndex) {
    Procedure p = procedures.get(id);
    if (p == null) {
      return List.of();
    }
    return p.timeline.stream().filter(t -> t.index() >= fromIndex).toList();
  }

  /** The frames of a procedure the scorer rejected, from frame {@code fromIndex} on, in frame order. */
  public synchronized List<Rejection> rejections(String id, long fromIndex) {
    Procedure p = procedures.get(id);
    if (p == null) {
      return List.of();
    }
    return p.rejections.stream().filter(r -> r.index() >= fromIndex).toList();
  }

  /** Which model version and threshold judged which of a procedure's frames, in frame order. */
  public synchronized List<ModelSpan> models(String id) {
    Procedure p = procedures.get(id);
    return p == null ? List.of() : List.copyOf(p.models);
  }

  /** The latest event of every alert of a procedure, oldest first. */
  public synchronized List<AlertEvent> alerts(String id) {
    Procedure p = procedures.get(id);
    if (p == null) {
      return List.of();
    }
    List<AlertEvent> out = new ArrayList<>(p.alerts.values());
    out.sort((a, b) -> Long.compare(a.startFrame(), b.startFrame()));
    return out;
  }

  /** The image of a frame if in memory. */
  public synchronized byte[] image(String id, long index) {
    Procedure p = procedures.get(id);
    if (p == null) {
      return null;
    }
    byte[] b = p.recentFrames.get(index);
    return b != null ? b : p.peakFrames.get(index);
  }

  public synchronized Heatmap heatmapOf(String id, long index) {
    Procedure p = procedures.get(id);
    if (p == null) {
      return null;
    }
    Heatmap h = p.recentHeatmaps.get(index);
    return h != null ? h : p.peakHeatmaps.get(index);
  }

  /** Where a frame is on the frames topic: {partition, offset}, or null if never seen. */
  public synchronized long[] location(String id, long index) {
    Procedure p = procedures.get(id);
    if (p == null || !p.offsets.containsKey(index)) {
      return null;
    }
    return new long[] {p.partition, p.offsets.get(index)};
  }

  /**
   * Tells the listeners about every procedure whose state changed without a score saying so: one
   * that ended (it sends nothing, so no record carries the news and open pages showed it live for
   * good), one whose frames keep coming with no outcomes (the scorer is down: no alert can come),
   * and one scored again; one whose records stopped or resumed reaching the console; and the
   * console's own {@link SourceHealth}, when it changes (records still to read at most once a second).
   * Called often (the feed does after every poll); quiet when nothing changed.
   */
  public void announceChanges() {
    List<Summary> changed = new ArrayList<>();
    SourceHealth.State source = health.state();
    boolean sourceChanged;
    synchronized (this) {
      long nowMs = clock.getAsLong();
      for (Procedure p : procedures.values()) {
        // Only one shown live, or with a frame within the live window, can have changed: the store
        // keeps weeks of ended procedures, and this runs after every poll.
        if (p.pushedLive || (p.newestFrameMs() != Long.MIN_VALUE && nowMs - p.newestFrameMs() < LIVE_MS)) {
          Summary now = summarize(p);
          if (now.live() != p.pushedLive || now.unscored() != p.pushedUnscored || now.staleSinceMs() != p.pushedStaleSinceMs
              || (now.unscored() && (now.skipping() != p.pushedSkipping
                  || !java.util.Objects.equals(now.rejectReason(), p.pushedRejectReason)))) {
            p.pushed(now);
            changed.add(now);
          }
        }
      }
      SourceHealth.State was = pushedSource;
      sourceChanged = source.status() != was.status() || source.sinceMs() != was.sinceMs()
          || !source.message().equals(was.message()) || !source.offline().equals(was.offline())
          || (source.behind() != was.behind() && nowMs - pushedSourceAtMs >= 1_000);
      if (sourceChanged) {
        pushedSource = source;
        pushedSourceAtMs = nowMs;
      }
    }
    for (Summary summary : changed) {
      listeners.forEach(l -> l.changed(summary, null));
    }
    if (sourceChanged) {
      listeners.forEach(l -> l.source(source));
    }
  }

  /**
   * Forgets, procedure by procedure, what the topics no longer hold: images, frame offsets and
   * heatmaps with the frames and heatmaps topics, the timeline with scores, alerts with alerts, the
   * whole procedure once nothing of it is left. Returns how many procedures were forgotten entirely.
   */
  public int expire() {
    List<String> forgotten = new ArrayList<>();
    synchronized (this) {
      long now = clock.getAsLong();
      for (var it = procedures.values().iterator(); it.hasNext(); ) {
        Procedure p = it.next();
        long age = now - p.newestMs;
        if (age > retention.longest()) {
          it.remove();
          forgotten.add(p.id);
          continue;
        }
        forgetParts(p, age);
      }
    }
    forgotten.forEach(id -> listeners.forEach(l -> l.forgotten(id)));
    return forgotten.size();
  }

  /** Called with the store's lock held. */
  private void forgetParts(Procedure p, long age) {
    // New, empty collections rather than clear(): a cleared map or list keeps its capacity, which
    // for an hour-long procedure's offsets and timeline is most of what it held.
    if (age > retention.framesMs() && !p.offsets.isEmpty()) {
      p.recentFrames = Procedure.bounded();
      p.peakFrames = new HashMap<>();
      p.offsets = new HashMap<>();
    }
    if (age > retention.heatmapsMs() && !(p.recentHeatmaps.isEmpty() && p.peakHeatmaps.isEmpty())) {
      p.recentHeatmaps = Procedure.bounded();
      p.peakHeatmaps = new HashMap<>();
    }
    // The rejection marks go with the timeline they are drawn on (the count stays in the row).
    if (age > retention.scoresMs() && !(p.timeline.isEmpty() && p.rejections.isEmpty())) {
      p.timeline = new ArrayList<>();
      p.models = new ArrayList<>();
      p.rejections = new ArrayList<>();
    }
    if (age > retention.alertsMs() && !p.alerts.isEmpty()) {
      p.alerts = new LinkedHashMap<>();
    }
  }

  public synchronized Collection<String> ids() {
    return List.copyOf(procedures.keySet());
  }

  private Procedure procedure(String id) {
    return procedures.computeIfAbsent(id, Procedure::new);
  }

  private Summary summarize(Procedure p) {
    Point last = p.timeline.isEmpty() ? null : p.timeline.get(p.timeline.size() - 1);
    // Live means frames captured just now, not records read just now (a console starting up
    // reads hours of recorded procedures in seconds).
    long newestFrame = p.newestFrameMs();
    long newest = Math.max(last == null ? 0 : last.captureMs(), newestFrame);
    long stale = health.staleSince(p.id, p.partition);
    ProcedureEvent recording = p.recording;
    // Over is over once ingest says so; frames still to be read of it do not make it live again
    // (a recording started again under its id says STARTED first).
    boolean live = newest > 0 && Math.min(clock.getAsLong(), stale) - newest < LIVE_MS
        && (recording == null || !recording.over());
    // Scored, not any outcome: a procedure whose every frame is skipped as stale gets outcomes and
    // can raise no alert all the same (it showed "live" with no score).
    long unscoredMs = !live || newestFrame == Long.MIN_VALUE ? 0
        : Math.max(0, newestFrame - Math.max(p.lastScoredMs, Math.min(p.firstFrameMs, p.firstRejectedMs)));
    // Skips that still come: once they stop too, the scorer is behind or gone, as with no outcome.
    boolean skipping = p.lastOutcomeMs > p.lastScoredMs && newestFrame - p.lastOutcomeMs < UNSCORED_MS;
    // Rejections that still come, newer than its newest scored frame: what to fix is their reason.
    String rejectReason = p.lastRejectedMs > p.lastScoredMs && newestFrame - p.lastRejectedMs < UNSCORED_MS
        ? p.lastRejectReason : null;
    // Only a live procedure is in alert: the scorer ends an open alert as its frames stop, and one
    // it could not end (a scorer stopped for good with the procedure) is history, not an alarm.
    boolean alerting = live && p.alerts.values().stream().anyMatch(a -> !a.type().equals(AlertEvent.END));
    return new Summary(p.id, live, p.frames, last == null ? -1 : last.index(), fps(p.captures),
        last == null ? null : last.score(), p.threshold, alerting, p.alerts.size(), last == null ? 0 : last.latencyMs(),
        p.model, newest, unscoredMs, skipping, live && stale != SourceHealth.CURRENT ? stale : 0, rejectReason, p.rejected,
        p.rejections.isEmpty() ? -1 : p.lastRejectedIndex, recording == null ? null : recording.type(),
        recording == null ? null : recording.reason(), recording == null ? 0 : recording.atMs());
  }

  static double fps(List<Long> captures) {
    if (captures.size() < 2) {
      return 0;
    }
    long span = captures.get(captures.size() - 1) - captures.get(0);
    return span <= 0 ? 0 : (captures.size() - 1) * 1000.0 / span;
  }

  private static final class Procedure {
    final String id;
    List<Point> timeline = new ArrayList<>();
    List<ModelSpan> models = new ArrayList<>();
    Map<Long, Long> offsets = new HashMap<>();
    Map<Long, byte[]> recentFrames = bounded();
    Map<Long, Heatmap> recentHeatmaps = bounded();
    Map<Long, byte[]> peakFrames = new HashMap<>();
    Map<Long, Heatmap> peakHeatmaps = new HashMap<>();
    Map<String, AlertEvent> alerts = new LinkedHashMap<>();
    final List<Long> captures = new ArrayList<>();
    /** The frames topic's partition its frames are on; -1 before its first frame. */
    int partition = -1;
    long frames;
    /** What the last summary the listeners heard said. */
    boolean pushedLive;
    boolean pushedUnscored;
    boolean pushedSkipping;
    String pushedRejectReason;
    long pushedStaleSinceMs;
    /** Capture times of its first and newest frame, of its newest outcome (scored or skipped), and of its newest scored frame. */
    long firstFrameMs = Long.MAX_VALUE;
    long lastFrameMs = Long.MIN_VALUE;
    long lastOutcomeMs = Long.MIN_VALUE;
    long lastScoredMs = Long.MIN_VALUE;
    /** Capture times of its first and newest dead-lettered frame, the newest one's reason, and how many were. */
    long firstRejectedMs = Long.MAX_VALUE;
    long lastRejectedMs = Long.MIN_VALUE;
    String lastRejectReason;
    long rejected;
    /** What ingest last said of its recording; null for nothing. */
    ProcedureEvent recording;
    /** Its rejected frames with a known index, in frame order; the index of the one read last. */
    List<Rejection> rejections = new ArrayList<>();
    long lastRejectedIndex = -1;
    /** The newest timestamp of any of its records (capture times; an alert's event time). */
    long newestMs = Long.MIN_VALUE;
    double threshold;
    String model = "";

    Procedure(String id) {
      this.id = id;
    }

    /**
     * Whether it has a row: a frame, an outcome, an alert or a dead letter read. Its heatmaps alone
     * (read before its frames, another topic) make none: a heatmap comes with an outcome.
     */
    boolean shown() {
      return frames > 0 || !timeline.isEmpty() || !alerts.isEmpty() || rejected > 0;
    }

    /**
     * The capture time of its newest frame the console knows of, read or dead-lettered ({@link
     * Long#MIN_VALUE} for none): a frame the scorer rejected came from the camera all the same.
     */
    long newestFrameMs() {
      return Math.max(lastFrameMs, lastRejectedMs);
    }

    /**
     * Adds a rejection mark where its frame belongs. Dead letters of one procedure arrive in frame
     * order (one partition, one scorer task), so this appends; a frame dead-lettered again (its
     * procedure replayed under the same id) keeps the newer reason.
     */
    void mark(Rejection r) {
      lastRejectedIndex = r.index();
      // One reason string for a run of rejections (every frame of a broken camera has the same):
      // each dead letter read brings its own copy, ~100 bytes a frame for an hour of them.
      if (!rejections.isEmpty() && rejections.get(rejections.size() - 1).reason().equals(r.reason())) {
        r = new Rejection(r.index(), rejections.get(rejections.size() - 1).reason());
      }
      int at = rejections.size();
      while (at > 0 && rejections.get(at - 1).index() > r.index()) {
        at--;
      }
      if (at > 0 && rejections.get(at - 1).index() == r.index()) {
        rejections.set(at - 1, r);
      } else {
        rejections.add(at, r);
      }
    }

    void pushed(Summary s) {
      pushedLive = s.live();
      pushedUnscored = s.unscored();
      pushedSkipping = s.skipping();
      pushedRejectReason = s.rejectReason();
      pushedStaleSinceMs = s.staleSinceMs();
    }

    void seen(long timestampMs) {
      newestMs = Math.max(newestMs, timestampMs);
    }

    static <V> Map<Long, V> bounded() {
      return new LinkedHashMap<>(RECENT * 2, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, V> eldest) {
          return size() > RECENT;
        }
      };
    }
  }
}
