package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.endowatch.contract.Frame;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.endowatch.testing.TestFrames;
import org.endowatch.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFrameScorerTest {
  @Test
  void refusesAMaskScheduleItsThresholdWasNotCalibratedFor(@TempDir Path dir) {
    Path model = TestModels.calibratedMicro(dir.resolve("m"));   // calibrated with complementary-4
    ModelArtifact.Loaded loaded = ModelArtifact.load(model, "cpu");
    try {
      assertThatThrownBy(() -> new ModelFrameScorer(loaded, "random-10"))
          .isInstanceOf(ModelArtifact.ModelException.class)
          .hasMessage("model it-1 is calibrated for mask schedule complementary-4, not random-10: "
              + "run 'endowatch calibrate --mask-schedule random-10' on a copy of the model first");
    } finally {
      loaded.close();
    }
  }

  @Test
  void scoresWithTheMapResolutionInItsManifest(@TempDir Path dir) {
    Path model = TestModels.calibratedMicro(dir.resolve("m"));
    ModelManifest m = ModelArtifact.readManifest(model);
    assertThat(m.mapHalvings()).isNull();
    assertThat(m.mapHalvingsOrZero()).isZero();
    ModelArtifact.writeManifest(model, m.withScoring(m.maskSchedule(), m.imagePooling(), 1));
    assertThat(ModelArtifact.readManifest(model).mapHalvings()).isEqualTo(1);

    Frame frame = TestFrames.jpeg("p", 0, 0, 160, 120);
    try (ModelFrameScorer scorer = new ModelFrameScorer(ModelArtifact.load(model, "cpu"), null);
         ModelArtifact.Loaded same = ModelArtifact.load(model, "cpu")) {
      float[] input = scorer.input(frame);
      MaskSchedule c4 = MaskSchedule.parse("complementary-4");
      AnomalyScorer.Result half = new AnomalyScorer(same.network(), same.manager(), c4, "mean", 1).score(input, 1, false).get(0);
      AnomalyScorer.Result full = new AnomalyScorer(same.network(), same.manager(), c4, "mean", 0).score(input, 1, false).get(0);
      FrameScorer.Scored live = scorer.score(frame);
      assertThat(live.score()).isCloseTo(half.imageScore(), within(1e-6));
      assertThat(live.patchScores()).containsExactly(half.patchScores(), within(1e-6f));
      // The half-size map is a different measurement: were it ignored, these would be equal.
      assertThat(Math.abs(full.imageScore() - half.imageScore())).isGreaterThan(1e-4);
    }
  }

  @Test
  void refusesAMapResolutionThatSplitsPatchesOrLeavesNoWindow(@TempDir Path dir) {
    Path model = TestModels.calibratedMicro(dir.resolve("m"));
    try (ModelArtifact.Loaded loaded = ModelArtifact.load(model, "cpu")) {
      // micro: 128 px, 16 px patches; a fourth halving leaves 8 px, under the 11 px window.
      assertThatThrownBy(() -> new AnomalyScorer(loaded.network(), loaded.manager(), MaskSchedule.parse("complementary-4"),
          "mean", 4))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("map halvings must be 0..3 for 128 px images with 16 px patches, got 4");
    }
  }
}
