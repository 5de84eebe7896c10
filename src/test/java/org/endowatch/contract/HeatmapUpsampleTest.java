package org.endowatch.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HeatmapUpsampleTest {
  @Test
  void twoByTwoToFourByFourIsBilinearBetweenPatchCentres() {
    // Grid [[0, 1], [2, 3]] at 4x4: pixel centres 0.5,1.5,2.5,3.5 map to grid coords -0.25 (clamped 0),
    // 0.25, 0.75, 1.25 (clamped 1). Row 0: 0, 0.25, 0.75, 1. Row 1 (gy 0.25): + 0.5.
    float[] up = Heatmap.upsample(new float[] {0, 1, 2, 3}, 2, 2, 4, 4);
    assertThat(up).containsExactly(new float[] {
        0f, 0.25f, 0.75f, 1f,
        0.5f, 0.75f, 1.25f, 1.5f,
        1.5f, 1.75f, 2.25f, 2.5f,
        2f, 2.25f, 2.75f, 3f}, within(1e-6f));
  }

  @Test
  void aConstantGridStaysConstantAtAnySize() {
    Heatmap h = new Heatmap("p", 0, 0, "m", 50, 30, 0.5f, 3, 2, new float[] {7, 7, 7, 7, 7, 7});
    float[] up = h.upsample(50, 30);
    assertThat(up).hasSize(1500);
    for (float v : up) {
      assertThat(v).isEqualTo(7f);
    }
  }
}
