package org.endowatch.replay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.endowatch.contract.AlertEvent;
import org.endowatch.ingest.GroundTruth;

/**
 * How one model's alerts on a recorded procedure meet its annotated lesions: what a unit checks
 * before it trusts a retrained model with patients. A lesion counts as alerted when an alert's
 * frames (its first over the threshold .. the one that raised it) overlap it
 * ({@link GroundTruth#match}); its delay runs from the lesion's first frame to the raising frame,
 * never below 0 (an alert raised before the lesion's first frame does not overlap it).
 * An alert overlapping no lesion is a false alert.
 *
 * @param lesions annotated lesions
 * @param alerted those with an alert of their own
 * @param framesToAlert each alerted lesion's frames from its onset to the raising frame, in lesion order
 * @param falseAlerts alerts overlapping no lesion
 * @param seconds how long the procedure's frames last, at the annotation's frame rate
 * @param fps the annotation's frame rate (NaN for a {@link #sum} over several)
 */
public record LesionOutcome(int lesions, int alerted, List<Long> framesToAlert, int falseAlerts, double seconds,
    double fps) {

  /** {@code alerts}: a model's alert events on the procedure (starts, updates, ends, in any order). */
  public static LesionOutcome of(GroundTruth truth, List<AlertEvent> alerts, long frames) {
    // In the order they were raised, as the matching expects: a lesion's first alert is its own.
    List<AlertEvent> starts = alerts.stream().filter(a -> AlertEvent.START.equals(a.type()))
        .sorted(Comparator.comparingLong(AlertEvent::endFrame)).toList();
    GroundTruth.AlertMatch match = truth.match(starts);
    List<Long> delays = new ArrayList<>();
    for (GroundTruth.Interval in : truth.anomalyIntervals()) {
      AlertEvent first = match.firstAlert().get(in);
      if (first != null) {
        delays.add(first.endFrame() - in.start());
      }
    }
    return new LesionOutcome(truth.anomalyIntervals().size(), delays.size(), delays, match.falseAlerts(),
        frames / truth.fps(), truth.fps());
  }

  /**
   * Several procedures' outcomes as one: lesions, delays and false alerts added up over their added
   * lengths. Delays are counted in frames; where the frame rates differ, a median in frames has no one
   * duration, so the sum's rate is NaN and {@link #describe} gives frames alone.
   */
  public static LesionOutcome sum(List<LesionOutcome> outcomes) {
    List<Long> delays = new ArrayList<>();
    int lesions = 0;
    int alerted = 0;
    int falseAlerts = 0;
    double seconds = 0;
    for (LesionOutcome o : outcomes) {
      lesions += o.lesions();
      alerted += o.alerted();
      delays.addAll(o.framesToAlert());
      falseAlerts += o.falseAlerts();
      seconds += o.seconds();
    }
    double fps = outcomes.stream().mapToDouble(LesionOutcome::fps).distinct().count() == 1 ? outcomes.get(0).fps() : Double.NaN;
    return new LesionOutcome(lesions, alerted, delays, falseAlerts, seconds, fps);
  }

  /** One line: {@code 5 of 6 lesions alerted, a median 3 frames (120 ms) after onset; 1 false alert in 40.0 s}. */
  public String describe() {
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%d of %d lesion%s alerted", alerted, lesions,
        lesions == 1 ? "" : "s"));
    if (!framesToAlert.isEmpty()) {
      long[] sorted = framesToAlert.stream().mapToLong(Long::longValue).sorted().toArray();
      // The lower median of an even count: a frame count the reader can find in the video.
      long median = sorted[(sorted.length - 1) / 2];
      s.append(String.format(Locale.ROOT, ", a median %d frame%s%s after onset", median, median == 1 ? "" : "s",
          Double.isNaN(fps) ? "" : String.format(Locale.ROOT, " (%.0f ms)", median * 1000 / fps)));
    }
    s.append(String.format(Locale.ROOT, "; %d false alert%s in ", falseAlerts, falseAlerts == 1 ? "" : "s"));
    s.append(seconds < 60 ? String.format(Locale.ROOT, "%.1f s", seconds)
        : String.format(Locale.ROOT, "%.1f min (%.2f per minute)", seconds / 60, falseAlerts / (seconds / 60)));
    return s.toString();
  }
}
