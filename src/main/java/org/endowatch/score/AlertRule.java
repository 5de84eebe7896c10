package org.endowatch.score;

import java.util.ArrayList;
import java.util.List;
import org.endowatch.contract.AlertEvent;

/**
 * Hysteresis and debounce over one procedure's frame scores, as a pure function of (state, score):
 * an alert starts when at least {@code raiseK} of the last {@code windowN} scored frames are over
 * the threshold, and ends after {@code clearM} consecutive scored frames under the lower clear level
 * ({@code clearFraction} x threshold). While it lasts, a new peak score emits an update. Skipped
 * frames carry no evidence and change nothing. An alert whose procedure stops sending frames is
 * ended by {@link #stopped} (the scorer decides when; this rule only says what the end looks like).
 */
public record AlertRule(int raiseK, int windowN, int clearM, double clearFraction) {
  public static final AlertRule DEFAULT = new AlertRule(3, 5, 5, 0.95);
  /** Peak of an inactive alert; finite so the state stays plain JSON in the store's changelog. */
  static final double NO_PEAK = -Double.MAX_VALUE;

  /**
   * {@code "K/N"} as typed on a command line: K of the last N scored frames over the threshold raise
   * an alert; how an alert ends stays {@link #DEFAULT}'s.
   *
   * @throws IllegalArgumentException with a one-line message when malformed
   */
  public static AlertRule parse(String kn) {
    String[] parts = kn.trim().split("/", -1);
    try {
      if (parts.length == 2) {
        return new AlertRule(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()), DEFAULT.clearM(),
            DEFAULT.clearFraction());
      }
    } catch (IllegalArgumentException e) {
      // falls through to the one message below
    }
    throw new IllegalArgumentException("alert rule must be K/N with 1 <= K <= N <= 63 (K of the last N scored frames over "
        + "the threshold raise an alert, e.g. " + DEFAULT.raiseK() + "/" + DEFAULT.windowN() + "), got '" + kn + "'");
  }

  public AlertRule {
    if (raiseK < 1 || windowN < raiseK || windowN > 63 || clearM < 1 || clearFraction <= 0 || clearFraction > 1) {
      throw new IllegalArgumentException("alert rule needs 1 <= k <= n <= 63, m >= 1, 0 < clear fraction <= 1; got k="
          + raiseK + " n=" + windowN + " m=" + clearM + " clear=" + clearFraction);
    }
  }

  /**
   * One procedure's alert state, small enough for a changelogged store.
   *
   * @param recentOver bit i set when the i-th most recent scored frame was over the threshold
   * @param recentCount scored frames seen, capped at 63
   * @param active an alert is open
   * @param startFrame its first frame (the earliest over-threshold frame in the window that raised it)
   * @param startTs that frame's capture time
   * @param lastFrame last frame counted in it
   * @param peakFrame frame with the highest score
   * @param peakScore that score
   * @param region bounding box at the peak, or null
   * @param belowRun consecutive frames under the clear level
   * @param overFrames frame indices and capture times of the over-threshold frames in the window
   */
  public record State(long recentOver, int recentCount, boolean active, long startFrame, long startTs, long lastFrame,
      long peakFrame, double peakScore, AlertEvent.Region region, int belowRun, List<long[]> overFrames) {
    public static State empty() {
      return new State(0, 0, false, -1, 0, -1, -1, NO_PEAK, null, 0, List.of());
    }

    /**
     * Whether the next frame would be judged as if there were no state: no open alert, and no
     * over-threshold frame left in the window ({@code recentCount} decides nothing). Not named
     * is/get, so the store's JSON does not carry it.
     */
    public boolean nothingToKeep() {
      return !active && recentOver == 0 && overFrames.isEmpty();
    }
  }

  /** The new state and the events this frame caused (usually none). */
  public record Step(State state, List<AlertEvent> events) {}

  public Step apply(State s, String procedureId, long frame, long captureTs, double score, double threshold,
      AlertEvent.Region region, String modelVersion) {
    if (restarted(s, frame)) {
      // Indices only grow within a recording: this one is a new recording under a procedure id used
      // before (ingest run again without --resume). The old window is no evidence for it, and an
      // alert still open on the old recording ends there, as if its frames had stopped.
      Step fresh = apply(State.empty(), procedureId, frame, captureTs, score, threshold, region, modelVersion);
      List<AlertEvent> events = new ArrayList<>(stopped(s, procedureId, captureTs, modelVersion, AlertEvent.FRAMES_STOPPED).events());
      events.addAll(fresh.events());
      return new Step(fresh.state(), events);
    }
    boolean over = score > threshold;
    long mask = (1L << windowN) - 1;
    long recent = ((s.recentOver() << 1) | (over ? 1 : 0)) & mask;
    int count = Math.min(63, s.recentCount() + 1);
    List<long[]> overFrames = new ArrayList<>();
    for (long[] f : s.overFrames()) {
      if (frame - f[0] < windowN) {
        overFrames.add(f);
      }
    }
    if (over) {
      overFrames.add(new long[] {frame, captureTs});
    }
    List<AlertEvent> events = new ArrayList<>();
    if (!s.active()) {
      if (over && Long.bitCount(recent) >= raiseK) {
        // The earliest over-threshold frame still in the window starts the alert (this one if the
        // window holds no other, e.g. after a gap of skipped frames).
        long[] first = overFrames.isEmpty() ? new long[] {frame, captureTs} : overFrames.get(0);
        State started = new State(recent, count, true, first[0], first[1], frame, frame, score, region, 0, overFrames);
        events.add(event(AlertEvent.START, started, procedureId, captureTs, modelVersion, null));
        return new Step(started, events);
      }
      return new Step(new State(recent, count, false, -1, 0, -1, -1, NO_PEAK, null, 0, overFrames), events);
    }
    boolean below = score < clearFraction * threshold;
    int belowRun = below ? s.belowRun() + 1 : 0;
    boolean newPeak = score > s.peakScore();
    State next = new State(recent, count, true, s.startFrame(), s.startTs(), frame, newPeak ? frame : s.peakFrame(),
        newPeak ? score : s.peakScore(), newPeak ? region : s.region(), belowRun, overFrames);
    if (belowRun >= clearM) {
      events.add(event(AlertEvent.END, next, procedureId, captureTs, modelVersion, AlertEvent.SCORES_FELL));
      // A new alert needs fresh evidence: the window starts empty after an end.
      return new Step(new State(0, 0, false, -1, 0, -1, -1, NO_PEAK, null, 0, List.of()), events);
    }
    if (newPeak) {
      events.add(event(AlertEvent.UPDATE, next, procedureId, captureTs, modelVersion, null));
    }
    return new Step(next, events);
  }

  private static boolean restarted(State s, long frame) {
    boolean behindOpenAlert = s.active() && frame <= s.lastFrame();
    boolean behindWindow = !s.overFrames().isEmpty() && frame <= s.overFrames().get(s.overFrames().size() - 1)[0];
    return behindOpenAlert || behindWindow;
  }

  /**
   * Ends an open alert whose procedure's frames stopped arriving (the video ended, the camera or the
   * ingest went away while the lesion was in view): its last scored frame is its end, {@code atMs}
   * the event's time, as there is no frame to take one from. The next frames, if any come, need
   * fresh evidence, as after any end. A closed alert stays as it is, with no event.
   *
   * @param reason {@link AlertEvent#FRAMES_STOPPED} (then {@code atMs} is the scorer's clock when it
   *     gave up waiting) or {@link AlertEvent#RECORDING_ENDED} (when ingest said so, on its clock)
   */
  public Step stopped(State s, String procedureId, long atMs, String modelVersion, String reason) {
    if (!s.active()) {
      return new Step(s, List.of());
    }
    return new Step(State.empty(), List.of(event(AlertEvent.END, s, procedureId, atMs, modelVersion, reason)));
  }

  private static AlertEvent event(String type, State s, String procedureId, long ts, String modelVersion, String endReason) {
    return new AlertEvent(type, procedureId + "/" + s.startFrame(), procedureId, s.startFrame(), s.lastFrame(),
        s.peakFrame(), s.peakScore(), s.region(), s.startTs(), ts, modelVersion, endReason);
  }
}
