package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.endowatch.score.AnomalyScorer;
import org.junit.jupiter.api.Test;

/** eval's threshold-free localisation: which patches are lesion, and the patch AUC over them. */
class EvaluationTest {
  private static boolean[] maskWithLesion(int w, int h, int x0, int y0, int x1, int y1) {
    boolean[] m = new boolean[w * h];
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        m[y * w + x] = true;
      }
    }
    return m;
  }

  @Test
  void aPatchIsLesionWhenAtLeastHalfItsPixelsAre() {
    // 8 x 8 mask, 2 x 2 grid of 4 x 4 patches. Lesion columns 0-3 of rows 0-1 (top-left patch: 8 of 16 = half),
    // and columns 4-6 of rows 4-6 (bottom-right patch: 9 of 16).
    boolean[] m = maskWithLesion(8, 8, 0, 0, 4, 2);
    boolean[] second = maskWithLesion(8, 8, 4, 4, 7, 7);
    for (int i = 0; i < m.length; i++) {
      m[i] |= second[i];
    }
    assertThat(Evaluation.lesionPatches(new Evaluation.Mask(m, 8, 8), 2)).containsExactly(true, false, false, true);
    // 7 of 16 is not half.
    boolean[] small = maskWithLesion(8, 8, 0, 0, 7, 1);
    assertThat(Evaluation.lesionPatches(new Evaluation.Mask(small, 8, 8), 2)).containsExactly(false, false, false, false);
  }

  private static List<Evaluation.Case> casesWithIou(double... ious) {
    return java.util.Arrays.stream(ious).mapToObj(iou -> new Evaluation.Case(null, iou, 0, new boolean[0])).toList();
  }

  /** The paper's protocol: five random groups of 100 anomalous images; one group of all of them when there are 100 or fewer. */
  @Test
  void iouIsAveragedOverFiveRandomGroupsOfAHundredOrOneGroupOfFewer() {
    double[] eighty = new double[80];
    for (int i = 0; i < eighty.length; i++) {
      eighty[i] = i % 2 == 0 ? 0.25 : 0.75;
    }
    assertThat(Evaluation.groupMeans(casesWithIou(eighty), Evaluation.Case::iou)).containsExactly(0.5);

    double[] same = new double[150];
    java.util.Arrays.fill(same, 0.375);
    assertThat(Evaluation.groupMeans(casesWithIou(same), Evaluation.Case::iou)).containsExactly(0.375, 0.375, 0.375, 0.375, 0.375);

    // 100 images of IoU 0 and one of 100: a group's mean is 1 when it drew that one, else 0; the
    // groups are drawn with a fixed seed, so a second evaluation draws the same ones.
    double[] oneHigh = new double[101];
    oneHigh[37] = 100;
    double[] groups = Evaluation.groupMeans(casesWithIou(oneHigh), Evaluation.Case::iou);
    assertThat(java.util.Arrays.stream(groups).boxed().toList()).hasSize(5).allSatisfy(m -> assertThat(m).isIn(0.0, 1.0));
    assertThat(Evaluation.groupMeans(casesWithIou(oneHigh), Evaluation.Case::iou)).containsExactly(groups);
  }

  private static Evaluation.Case caseOf(float[] patchScores, boolean... lesion) {
    var result = new AnomalyScorer.Result(0, patchScores, 2, null);
    return new Evaluation.Case(new FolderScorer.Scored(Path.of("x.png"), 8, 8, result), 0, 0, lesion);
  }

  @Test
  void patchAucPoolsCasesAndIsNullWithOneKindOfPatch() {
    Evaluation.Case a = caseOf(new float[] {0.9f, 0.4f, 0.1f, 0.4f}, true, true, false, false);
    Evaluation.Case b = caseOf(new float[] {0.2f, 0.3f, 0.3f, 0.3f}, true, false, false, false);
    // Within a: lesion {0.9, 0.4} vs other {0.1, 0.4}: 0.9 beats both (2), 0.4 beats 0.1 and ties 0.4 (1.5) -> 3.5 / 4.
    assertThat(Evaluation.patchAuc(List.of(a))).isEqualTo(3.5 / 4);
    // Pooled: lesion {0.9, 0.4, 0.2} vs other {0.1, 0.4, 0.3, 0.3, 0.3}: 0.9 -> 5; 0.4 -> 1 + 0.5 + 3 = 4.5; 0.2 -> 1.
    assertThat(Evaluation.patchAuc(List.of(a, b))).isEqualTo(10.5 / 15);
    assertThat(a.mixed()).isTrue();
    Evaluation.Case allLesion = caseOf(new float[] {1, 2, 3, 4}, true, true, true, true);
    assertThat(allLesion.mixed()).isFalse();
    assertThat(Evaluation.patchAuc(List.of(allLesion))).isNull();
  }

  private static java.util.Map<String, Object> report(double auc, int nNormal, double fpr, int nAnomalous, double tpr,
      Double calibratedRate) {
    java.util.Map<String, Object> r = new java.util.LinkedHashMap<>();
    r.put("auc", auc);
    r.put("n_normal", nNormal);
    r.put("n_anomalous", nAnomalous);
    r.put("threshold", 0.359274);
    r.put("true_positive_rate_at_threshold", tpr);
    r.put("false_positive_rate_at_threshold", fpr);
    if (calibratedRate != null) {
      r.put("false_alarm_rate_calibrated", calibratedRate);
    }
    return r;
  }

  @Test
  void theReadingSaysWhatTheNumbersMean() {
    // demo-micro on `synth frames` (still images, where it was calibrated on video frames): the ranking is
    // good, the threshold is not.
    var stills = report(0.9987, 200, 127 / 200.0, 50, 1.0, 0.01);
    stills.put("patch_auc", 0.98245);
    stills.put("iou_mean", 0.5581);
    stills.put("iou_flag_all_mean", 0.0492);
    assertThat(Evaluation.reading(stills)).containsExactly(
        "AUC 0.999: an anomalous image scores above a normal one 99.9 % of the time (0.5 is chance, 1 perfect).",
        "At the calibrated threshold 0.3593: 50 of 50 anomalous images flagged, 127 of 200 normal ones "
            + "(calibrated for 1 % false alarms).",
        "Normal images here go over the threshold 64x as often as calibrated for: these images are unlike the "
            + "calibration frames (another unit, light source or processor). Calibrate on more normal frames like these "
            + "before relying on live alerts.",
        "Heatmap: a lesion patch scores above another patch 98.2 % of the time (patch AUC 0.982; 0.5 is chance); "
            + "IoU 0.558 at the patch threshold, against 0.049 for flagging every pixel.");
  }

  @Test
  void aModelWorseThanChanceIsSaidSoAndSoIsAThresholdNoLesionReaches() {
    var barelyTrained = report(0.0972, 200, 0.0, 50, 0.0, 0.005);
    barelyTrained.put("patch_auc", 0.4446);
    barelyTrained.put("iou_mean", 0.0001);
    barelyTrained.put("iou_flag_all_mean", 0.0492);
    assertThat(Evaluation.reading(barelyTrained)).containsExactly(
        "AUC 0.097 is below chance (0.5): these anomalous images score lower than the normal ones. The model has not "
            + "learned what this normal tissue looks like (too little training, or training images unlike these), these "
            + "anomalies hold less structure than normal tissue and rebuild more easily, or the two folders are the wrong "
            + "way round.",
        "At the calibrated threshold 0.3593: 0 of 50 anomalous images flagged, 0 of 200 normal ones "
            + "(calibrated for 0.5 % false alarms).",
        "No anomalous image reaches the threshold: live alerts would not fire on lesions like these.",
        "Heatmap: a lesion patch scores above another patch 44.5 % of the time (patch AUC 0.445; 0.5 is chance, below "
            + "it the map favours other patches over the lesion's); IoU 0.000 at the patch threshold, against 0.049 for "
            + "flagging every pixel.");
  }

  @Test
  void aFewFalseAlarmsOverTheRateAreNotYetASign() {
    // 2 of 100 at a 1 % calibration: fewer than 3, not called out. 3 of 100 is exactly 3x: not over it either.
    assertThat(Evaluation.reading(report(0.8, 100, 0.02, 10, 0.5, 0.01))).hasSize(2);
    assertThat(Evaluation.reading(report(0.8, 100, 0.03, 10, 0.5, 0.01))).hasSize(2);
    assertThat(Evaluation.reading(report(0.8, 100, 0.04, 10, 0.5, 0.01)).get(2)).startsWith("Normal images here go over "
        + "the threshold 4x as often");
    // kvasir-micro on kvasir-crops' test split: 26 of 594 normal images over a 1 % threshold set on 145 held-out
    // images, where it is their second-highest score: too few images is said first.
    var kvasir = report(0.7128, 594, 26 / 594.0, 293, 37 / 293.0, 0.01);
    kvasir.put("calibration_images", 145);
    assertThat(Evaluation.reading(kvasir).get(2)).isEqualTo("Normal images here go over the threshold 4x as often as "
        + "calibrated for: 145 calibration images were too few to place it (it is their 2nd highest score), or these "
        + "images are unlike the calibration frames (another unit, light source or processor). Calibrate on more normal "
        + "frames like these before relying on live alerts.");
    // 1,000 images put it on their 11th highest: enough, not said.
    kvasir.put("calibration_images", 1000);
    assertThat(Evaluation.reading(kvasir).get(2)).startsWith("Normal images here go over the threshold 4x as often as "
        + "calibrated for: these images are unlike");
    // Calibrated for 0 %: no multiple to state.
    assertThat(Evaluation.reading(report(0.8, 100, 0.05, 10, 0.5, 0.0))).containsExactly(
        "AUC 0.800: an anomalous image scores above a normal one 80.0 % of the time (0.5 is chance, 1 perfect).",
        "At the calibrated threshold 0.3593: 5 of 10 anomalous images flagged, 5 of 100 normal ones (calibrated for 0 % "
            + "false alarms).");
    // A manifest from before the rate was recorded: no rate to compare with, no masks: two lines.
    assertThat(Evaluation.reading(report(0.8, 100, 0.5, 10, 0.5, null))).containsExactly(
        "AUC 0.800: an anomalous image scores above a normal one 80.0 % of the time (0.5 is chance, 1 perfect).",
        "At the calibrated threshold 0.3593: 5 of 10 anomalous images flagged, 50 of 100 normal ones.");
  }
}
