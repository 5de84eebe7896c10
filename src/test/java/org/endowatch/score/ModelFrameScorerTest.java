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
  void framesScoredSideBySideGetTheScoresOfOneBatchInOrder(@TempDir Path dir) {
    Path model = TestModels.calibratedMicro(dir.resolve("m"));
    try (ModelFrameScorer one = new ModelFrameScorer(ModelArtifact.load(model, "cpu"), null);
         ModelFrameScorer two = new ModelFrameScorer(ModelArtifact.load(model, "cpu"), null, 2)) {
      assertThat(two.frameWorkers()).isEqualTo(2);
      // Five different frames, one undecodable in the middle: parts of 2 and 2 decodable frames.
      java.util.List<Frame> frames = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        frames.add(i == 2 ? new Frame("p", i, 0, 160, 120, Frame.JPEG, "t", new byte[] {1, 2, 3})
            : TestFrames.jpeg("p", i, 0, 160 + 16 * i, 120));
      }
      java.util.List<FrameScorer.Outcome> batch = one.scoreAll(frames);
      java.util.List<FrameScorer.Outcome> sideBySide = two.scoreAll(frames);
      assertThat(sideBySide).hasSize(5);
      assertThat(sideBySide.get(2).scored()).isNull();
      assertThat(sideBySide.get(2).unscorable()).isEqualTo(batch.get(2).unscorable());
      java.util.Set<Double> distinct = new java.util.HashSet<>();
      for (int i : new int[] {0, 1, 3, 4}) {
        FrameScorer.Scored a = batch.get(i).scored();
        FrameScorer.Scored b = sideBySide.get(i).scored();
        assertThat(b.score()).as("frame " + i).isCloseTo(a.score(), within(1e-6));
        assertThat(b.patchScores()).containsExactly(a.patchScores(), within(1e-6f));
        distinct.add(Math.round(a.score() * 1e6) / 1e6);
      }
      // The frames differ, so a mix-up of the order would show.
      assertThat(distinct).hasSize(4);
    }
  }

  @Test
  void frameWorkersMustBeAtLeastOne(@TempDir Path dir) {
    Path model = TestModels.calibratedMicro(dir.resolve("m"));
    try (ModelArtifact.Loaded loaded = ModelArtifact.load(model, "cpu")) {
      assertThatThrownBy(() -> new ModelFrameScorer(loaded, null, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("frame workers must be >= 1, got 0");
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
