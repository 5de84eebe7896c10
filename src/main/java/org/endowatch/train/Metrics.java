package org.endowatch.train;

import java.util.Arrays;

/** Detection and localisation metrics, computed here so their edge cases are ours and tested. */
public final class Metrics {
  private Metrics() {}

  /**
   * Image-level ROC AUC = P(score of a random anomalous image > score of a random normal one), ties
   * counting one half (the Mann-Whitney U statistic over n_a * n_n).
   */
  public static double auc(double[] normal, double[] anomalous) {
    if (normal.length == 0 || anomalous.length == 0) {
      throw new IllegalArgumentException("AUC needs both classes: got " + normal.length + " normal and "
          + anomalous.length + " anomalous scores");
    }
    double[] n = normal.clone();
    Arrays.sort(n);
    double u = 0;
    for (double a : anomalous) {
      int below = lowerBound(n, a);
      int notAbove = upperBound(n, a);
      u += below + 0.5 * (notAbove - below);
    }
    return u / ((double) normal.length * anomalous.length);
  }

  /** ROC points (false positive rate, true positive rate) at every distinct threshold, from (0,0) to (1,1). */
  public static double[][] roc(double[] normal, double[] anomalous) {
    double[] all = new double[normal.length + anomalous.length];
    System.arraycopy(normal, 0, all, 0, normal.length);
    System.arraycopy(anomalous, 0, all, normal.length, anomalous.length);
    double[] thresholds = Arrays.stream(all).distinct().sorted().toArray();
    double[][] points = new double[thresholds.length + 1][];
    points[0] = new double[] {0, 0};
    double[] n = normal.clone();
    double[] a = anomalous.clone();
    Arrays.sort(n);
    Arrays.sort(a);
    for (int i = 0; i < thresholds.length; i++) {
      double t = thresholds[thresholds.length - 1 - i];
      // predicted anomalous: score >= t
      double fpr = (n.length - lowerBound(n, t)) / (double) n.length;
      double tpr = (a.length - lowerBound(a, t)) / (double) a.length;
      points[i + 1] = new double[] {fpr, tpr};
    }
    return points;
  }

  /**
   * Below this rank the threshold rests on too few scores: a handful of images decide it, and new
   * normal images may go over it far more (or less) often than the rate. A judgement: at 10 the
   * 1 % threshold needs 900 images, the "several hundred frames or more" the operations guide asks for.
   */
  public static final int STEADY_THRESHOLD_RANK = 10;

  /** How many normal images put the threshold at {@link #STEADY_THRESHOLD_RANK} (900 at 1 %). */
  public static int imagesForSteadyThreshold(double falseAlarmRate) {
    // The smallest n with floor(rate * n) >= rank - 1; the epsilon keeps 9 / 0.01 from rounding up to 901.
    return (int) Math.ceil((STEADY_THRESHOLD_RANK - 1) / falseAlarmRate - 1e-9);
  }

  /** A rate as a person reads it: 0.01 as "1 %", 0.005 as "0.5 %" (three significant digits at most). */
  public static String percent(double rate) {
    return new java.math.BigDecimal(rate * 100).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString()
        + " %";
  }

  /** 1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st. */
  public static String ordinal(int n) {
    return n + (n % 100 / 10 == 1 ? "th" : switch (n % 10) {
      case 1 -> "st";
      case 2 -> "nd";
      case 3 -> "rd";
      default -> "th";
    });
  }

  /** Which highest score {@link #thresholdForFalseAlarmRate} picks: 1 for the highest, floor(rate * n) + 1. */
  public static int thresholdRank(int n, double falseAlarmRate) {
    return (int) Math.floor(falseAlarmRate * n) + 1;
  }

  /**
   * The threshold that at most {@code falseAlarmRate} of the normal scores exceed: the
   * (n - 1 - floor(rate * n))-th smallest score.
   */
  public static double thresholdForFalseAlarmRate(double[] normalScores, double falseAlarmRate) {
    if (normalScores.length == 0) {
      throw new IllegalArgumentException("calibration needs at least one normal score");
    }
    if (falseAlarmRate < 0 || falseAlarmRate >= 1) {
      throw new IllegalArgumentException("false-alarm rate must be in [0,1), got " + falseAlarmRate);
    }
    double[] s = normalScores.clone();
    Arrays.sort(s);
    int allowed = (int) Math.floor(falseAlarmRate * s.length);
    return s[s.length - 1 - allowed];
  }

  /** Intersection over union of two binary masks of one size; two empty masks agree perfectly (1). */
  public static double iou(boolean[] predicted, boolean[] truth) {
    if (predicted.length != truth.length) {
      throw new IllegalArgumentException("IoU needs masks of one size: " + predicted.length + " vs " + truth.length);
    }
    int inter = 0;
    int union = 0;
    for (int i = 0; i < predicted.length; i++) {
      inter += predicted[i] && truth[i] ? 1 : 0;
      union += predicted[i] || truth[i] ? 1 : 0;
    }
    return union == 0 ? 1.0 : inter / (double) union;
  }

  /** Mean and (population) standard deviation. */
  public static double[] meanStd(double[] values) {
    double mean = Arrays.stream(values).average().orElse(Double.NaN);
    double var = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).average().orElse(Double.NaN);
    return new double[] {mean, Math.sqrt(var)};
  }

  private static int lowerBound(double[] sorted, double v) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int upperBound(double[] sorted, double v) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
