package org.endowatch.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelManifestTest {
  private static ModelManifest trained(String version) {
    return new ModelManifest(ModelArtifact.FORMAT, "unit-a", version, MemMcMaeTest.SMALL, "complementary-4", "mean",
        null, null, null, Map.of("images", 10), null, null, null, "parameters.params", "abc");
  }

  @Test
  void everyCalibrationIsANewVersionOfTheSameTrainedNetwork() {
    Instant t = Instant.parse("2026-11-27T19:10:05.123Z");
    ModelManifest first = trained("unit-a-20261126T030901").withThresholds(0.4, 0.7, Map.of("images", 300), t);
    assertThat(first.version()).isEqualTo("unit-a-20261126T030901+cal20261127T191005");
    assertThat(first.imageThreshold()).isEqualTo(0.4);
    assertThat(first.patchThreshold()).isEqualTo(0.7);
    assertThat(first.parametersSha256()).isEqualTo("abc");

    // Recalibrated later: the calibration part is replaced, not appended to.
    ModelManifest later = first.withThresholds(0.5, 0.8, Map.of(), Instant.parse("2026-11-28T08:00:00Z"));
    assertThat(later.version()).isEqualTo("unit-a-20261126T030901+cal20261128T080000");

    // Twice in one second: the millisecond keeps the two apart.
    ModelManifest again = first.withThresholds(0.41, 0.7, Map.of(), t);
    assertThat(again.version()).isEqualTo("unit-a-20261126T030901+cal20261127T191005123");
  }
}
