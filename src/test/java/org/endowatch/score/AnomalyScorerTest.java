package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;
import org.junit.jupiter.api.Test;

class AnomalyScorerTest {
  static final MemMcMaeConfig SMALL =
      new MemMcMaeConfig("test", 32, 8, 3, 32, 3, 2, 16, 2, 2, 4, 5, 0.75, true, true, true);

  private static float[] frames(int n) {
    float[] px = new float[n * 3 * 32 * 32];
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) (0.5 + 0.4 * Math.sin(i * 0.37 + (i / 3072) * 1.3));
    }
    return px;
  }

  @Test
  void sameFrameSameScheduleSameScoreAcrossCallsBatchesAndThreads() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(SMALL);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      AnomalyScorer scorer = new AnomalyScorer(net, m, MaskSchedule.parse("random-10"), "mean");
      float[] two = frames(2);
      float[] first = java.util.Arrays.copyOf(two, 3 * 32 * 32);

      List<AnomalyScorer.Result> batch = scorer.score(two, 2, false);
      AnomalyScorer.Result alone = scorer.score(first, 1, false).get(0);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<AnomalyScorer.Result> a = pool.submit(() -> scorer.score(first, 1, false).get(0));
        Future<AnomalyScorer.Result> b = pool.submit(() -> scorer.score(first, 1, false).get(0));
        assertThat(a.get().imageScore()).isEqualTo(alone.imageScore());
        assertThat(b.get().patchScores()).containsExactly(alone.patchScores());
      } finally {
        pool.shutdown();
      }
      assertThat(batch).hasSize(2);
      assertThat(batch.get(0).patchScores()).hasSize(16);
      assertThat(batch.get(0).gridSize()).isEqualTo(4);
      assertThat(batch.get(0).imageScore()).isCloseTo(alone.imageScore(), org.assertj.core.api.Assertions.within(1e-6));
      double mean = 0;
      for (float v : alone.patchScores()) {
        mean += v / 16.0;
      }
      assertThat(alone.imageScore()).isCloseTo(mean, org.assertj.core.api.Assertions.within(1e-6));
    }
  }

  @Test
  void maxPoolingTakesTheWorstPatchAndReconstructionHasFrameShape() {
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(SMALL);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      AnomalyScorer.Result r = new AnomalyScorer(net, m, MaskSchedule.parse("complementary-4"), "max")
          .score(frames(1), 1, true).get(0);
      assertThat(r.imageScore()).isEqualTo(r.maxPatchScore());
      assertThat(r.reconstruction()).hasSize(3 * 32 * 32);
      for (float v : r.reconstruction()) {
        assertThat(v).isBetween(0f, 1f);
      }
    }
  }
}
