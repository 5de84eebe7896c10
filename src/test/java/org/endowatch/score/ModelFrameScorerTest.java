package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.endowatch.model.ModelArtifact;
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
}
