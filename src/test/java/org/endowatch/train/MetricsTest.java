package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void perfectAndInvertedSeparation() {
    assertThat(Metrics.auc(new double[] {0.1, 0.2}, new double[] {0.3, 0.4})).isEqualTo(1.0);
    assertThat(Metrics.auc(new double[] {0.3, 0.4}, new double[] {0.1, 0.2})).isEqualTo(0.0);
  }

  @Test
  void handCheckedWithTies() {
    // pairs (a > n): a=0.5 beats 0.1, ties 0.5 (half), loses to 0.9 -> 1.5; a=0.9 beats 0.1 and 0.5, ties 0.9 -> 2.5
    // AUC = (1.5 + 2.5) / (2 * 3) = 4/6
    assertThat(Metrics.auc(new double[] {0.1, 0.5, 0.9}, new double[] {0.5, 0.9})).isCloseTo(4.0 / 6, within(1e-12));
  }

  @Test
  void allEqualScoresGiveOneHalf() {
    assertThat(Metrics.auc(new double[] {0.3, 0.3, 0.3}, new double[] {0.3, 0.3})).isEqualTo(0.5);
  }

  @Test
  void anEmptyClassIsAClearError() {
    assertThatThrownBy(() -> Metrics.auc(new double[] {}, new double[] {1}))
        .hasMessage("AUC needs both classes: got 0 normal and 1 anomalous scores");
    assertThatThrownBy(() -> Metrics.auc(new double[] {1}, new double[] {}))
        .hasMessage("AUC needs both classes: got 1 normal and 0 anomalous scores");
  }

  @Test
  void rocRunsFromOriginToOneOne() {
    double[][] roc = Metrics.roc(new double[] {0.1, 0.5}, new double[] {0.5, 0.9});
    assertThat(roc).hasDimensions(4, 2);
    assertThat(roc[0]).containsExactly(0, 0);
    assertThat(roc[1]).containsExactly(0, 0.5);   // t = 0.9
    assertThat(roc[2]).containsExactly(0.5, 1);   // t = 0.5
    assertThat(roc[3]).containsExactly(1, 1);     // t = 0.1
  }

  @Test
  void thresholdLetsAtMostTheRateOfNormalsThrough() {
    double[] scores = new double[200];
    for (int i = 0; i < 200; i++) {
      scores[i] = i;
    }
    assertThat(Metrics.thresholdForFalseAlarmRate(scores, 0.01)).isEqualTo(197); // 198, 199 exceed: 1 %
    assertThat(Metrics.thresholdForFalseAlarmRate(scores, 0.0)).isEqualTo(199);
    assertThat(Metrics.thresholdForFalseAlarmRate(new double[] {5}, 0.01)).isEqualTo(5);
    assertThatThrownBy(() -> Metrics.thresholdForFalseAlarmRate(scores, 1.0)).hasMessage("false-alarm rate must be in [0,1), got 1.0");
    // Which highest it is: 197 is the 3rd highest of 0..199.
    assertThat(Metrics.thresholdRank(200, 0.01)).isEqualTo(3);
    assertThat(Metrics.thresholdRank(200, 0.0)).isEqualTo(1);
    assertThat(Metrics.thresholdRank(145, 0.01)).isEqualTo(2);
  }

  @Test
  void aSteadyThresholdNeedsItsTenthHighestAndRatesReadAsPeopleWriteThem() {
    assertThat(Metrics.imagesForSteadyThreshold(0.01)).isEqualTo(900);
    assertThat(Metrics.thresholdRank(900, 0.01)).isEqualTo(Metrics.STEADY_THRESHOLD_RANK);
    assertThat(Metrics.thresholdRank(899, 0.01)).isEqualTo(Metrics.STEADY_THRESHOLD_RANK - 1);
    assertThat(Metrics.imagesForSteadyThreshold(0.002)).isEqualTo(4500);
    assertThat(Metrics.imagesForSteadyThreshold(0.03)).isEqualTo(300);
    assertThat(Metrics.percent(0.01)).isEqualTo("1 %");
    assertThat(Metrics.percent(0.005)).isEqualTo("0.5 %");
    assertThat(Metrics.percent(0.0123456)).isEqualTo("1.23 %");
    assertThat(Metrics.percent(0.1)).isEqualTo("10 %");
    assertThat(java.util.stream.IntStream.of(1, 2, 3, 4, 11, 12, 13, 21, 22, 111, 112).mapToObj(Metrics::ordinal))
        .containsExactly("1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th", "112th");
  }

  @Test
  void iouHandChecked() {
    boolean t = true;
    boolean f = false;
    assertThat(Metrics.iou(new boolean[] {t, t, f, f}, new boolean[] {t, f, t, f})).isEqualTo(1.0 / 3);
    assertThat(Metrics.iou(new boolean[] {f, f}, new boolean[] {f, f})).isEqualTo(1.0);
    assertThat(Metrics.iou(new boolean[] {t, f}, new boolean[] {f, t})).isEqualTo(0.0);
    assertThatThrownBy(() -> Metrics.iou(new boolean[1], new boolean[2])).hasMessage("IoU needs masks of one size: 1 vs 2");
  }

  @Test
  void meanAndStd() {
    assertThat(Metrics.meanStd(new double[] {1, 3})).containsExactly(2, 1);
  }
}
