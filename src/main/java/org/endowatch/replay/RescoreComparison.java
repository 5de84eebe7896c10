package org.endowatch.replay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Score;

/**
 * How a re-scoring with another model compares with the live outcome on the same procedure: frame
 * by frame (scores, anomalous flags) and alert by alert (the intervals each raised).
 */
public record RescoreComparison(
    String liveModel,
    String newModel,
    int frames,
    int scoredByBoth,
    int anomalousLive,
    int anomalousNew,
    int flagsAgree,
    double meanAbsScoreDifference,
    List<String> liveAlerts,
    List<String> newAlerts) {

  public static RescoreComparison of(List<Score> live, List<Score> rescored, List<AlertEvent> liveAlerts,
      List<AlertEvent> newAlerts) {
    Map<Long, Score> byIndex = new HashMap<>();
    live.forEach(s -> byIndex.put(s.frameIndex(), s));
    int both = 0;
    int agree = 0;
    int anomalousLive = 0;
    int anomalousNew = 0;
    double diff = 0;
    for (Score n : rescored) {
      Score l = byIndex.get(n.frameIndex());
      // Both counts over the frames both scored, beside the agreement: a frame live skipped as stale
      // and the new model flags is not a disagreement, nor one more anomalous frame than live saw.
      if (l == null || !l.isScored() || !n.isScored()) {
        continue;
      }
      both++;
      anomalousLive += l.anomalous() ? 1 : 0;
      anomalousNew += n.anomalous() ? 1 : 0;
      agree += l.anomalous() == n.anomalous() ? 1 : 0;
      diff += Math.abs(l.score() - n.score());
    }
    return new RescoreComparison(model(live), model(rescored), rescored.size(), both, anomalousLive, anomalousNew, agree,
        both == 0 ? 0 : diff / both, intervals(liveAlerts), intervals(newAlerts));
  }

  /** Alerts as "start-end" frame ranges, in order of start; an unended alert shows "start-". */
  static List<String> intervals(List<AlertEvent> events) {
    Map<String, long[]> byId = new java.util.TreeMap<>();
    for (AlertEvent e : events) {
      byId.put(e.alertId(), new long[] {e.startFrame(), e.type().equals(AlertEvent.END) ? e.endFrame() : -1});
    }
    List<long[]> sorted = new ArrayList<>(byId.values());
    sorted.sort((a, b) -> Long.compare(a[0], b[0]));
    return sorted.stream().map(a -> a[0] + "-" + (a[1] < 0 ? "" : Long.toString(a[1]))).toList();
  }

  private static String model(List<Score> scores) {
    return scores.stream().map(Score::modelVersion).distinct().reduce((a, b) -> a + "," + b).orElse("-");
  }

  /** The summary a reviewer reads, a few lines. */
  public String describe() {
    return String.format(java.util.Locale.ROOT,
        "frames %d, scored by both %d; of those, anomalous: live (%s) %d, new (%s) %d; flags agree on %d of %d (%.1f %%); "
            + "mean |score difference| %.6f%nalerts live: %s%nalerts new:  %s",
        frames, scoredByBoth, liveModel, anomalousLive, newModel, anomalousNew, flagsAgree, scoredByBoth,
        scoredByBoth == 0 ? 0 : 100.0 * flagsAgree / scoredByBoth, meanAbsScoreDifference, liveAlerts, newAlerts);
  }
}
