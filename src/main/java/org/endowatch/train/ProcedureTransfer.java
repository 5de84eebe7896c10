package org.endowatch.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Whether a threshold calibrated on some procedures holds on another. Consecutive frames of a
 * procedure are nearly the same image, so a calibration folder of a few procedures is a few samples,
 * however many frames it holds: on generated procedures the shipped demo model's 1 % threshold from
 * ten normal procedures put 2.5 % of twenty other procedures' normal frames over it
 * (docs/BENCHMARKS.md, "The first alert over many lesions"). Leaving each procedure out in turn,
 * calibrating on the others and counting its frames over that threshold measures this from the
 * calibration frames themselves.
 *
 * @param procedures how many procedures (frame sources) the calibration frames came from
 * @param overRateMin the lowest share of a left-out procedure's frames over the others' threshold
 * @param overRateMedian the median over the procedures (the mean of the middle two for an even count)
 * @param overRateMax the highest
 * @param worst the procedure with the highest (the first of them on a tie): the one to look at
 * @param overRateAll all left-out frames over their threshold, over all frames: the rate to hold
 *     against the target false-alarm rate
 */
public record ProcedureTransfer(int procedures, double overRateMin, double overRateMedian, double overRateMax,
    String worst, double overRateAll) {

  /**
   * Leave-one-procedure-out over {@code scoresBySource} (image scores by the video or procedure their
   * frames came from), each left-out procedure judged by the threshold that {@code falseAlarmRate}
   * gives on all the others; null with fewer than two procedures.
   */
  static ProcedureTransfer leaveOneOut(Map<String, double[]> scoresBySource, double falseAlarmRate) {
    if (scoresBySource.size() < 2) {
      return null;
    }
    List<String> names = new ArrayList<>(scoresBySource.keySet());
    List<double[]> groups = new ArrayList<>(scoresBySource.values());
    int worst = 0;
    double[] rates = new double[groups.size()];
    long over = 0;
    long frames = 0;
    for (int g = 0; g < groups.size(); g++) {
      List<double[]> others = new ArrayList<>(groups);
      others.remove(g);
      double threshold = Metrics.thresholdForFalseAlarmRate(
          others.stream().flatMapToDouble(Arrays::stream).toArray(), falseAlarmRate);
      double[] left = groups.get(g);
      long n = Arrays.stream(left).filter(s -> s > threshold).count();   // "over" as a live Score counts it
      rates[g] = n / (double) left.length;
      worst = rates[g] > rates[worst] ? g : worst;
      over += n;
      frames += left.length;
    }
    double[] sorted = rates.clone();
    Arrays.sort(sorted);
    int k = sorted.length;
    double median = k % 2 == 1 ? sorted[k / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
    return new ProcedureTransfer(k, sorted[0], median, sorted[k - 1], names.get(worst), over / (double) frames);
  }

  /**
   * Whether a new procedure should expect clearly more false alarms than the target: more than twice
   * it over all left-out frames, or more than five times it in some procedure (on the demo's ten
   * calibration procedures the 1 % threshold held over all frames, 1.1 %, while one procedure had
   * 10.4 % over it, and twenty other procedures had 2.5 %: the worst procedure is the warning).
   */
  boolean doesNotCarry(double falseAlarmRate) {
    return overRateAll > 2 * falseAlarmRate || overRateMax > 5 * falseAlarmRate;
  }
}
