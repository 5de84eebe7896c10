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
}
