package org.endowatch.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CLI's {@code --set KEY=VALUE} overrides of a preset. */
class MemMcMaeConfigTest {
  @Test
  void patchSizeChangesTheGridAndKeepsTheRest() {
    MemMcMaeConfig c = MemMcMaeConfig.MICRO.with(Map.of("patchSize", "8"));

    assertThat(c.patchSize()).isEqualTo(8);
    assertThat(c.gridSize()).isEqualTo(16);
    assertThat(c.patches()).isEqualTo(256);
    assertThat(c.visible()).isEqualTo(64);              // 256 * (1 - 0.75)
    assertThat(c.patchValues()).isEqualTo(8 * 8 * 3);
    assertThat(c).isEqualTo(new MemMcMaeConfig("micro", 128, 8, 3, 128, 6, 4, 128, 3, 4, 4, 32, 0.75, true, true, true));
  }

  @Test
  void overridesApplyInOrderAndCombine() {
    Map<String, String> set = new LinkedHashMap<>();
    set.put("patchSize", "32");
    set.put("memory", "off");
    set.put("channels", "1");
    MemMcMaeConfig c = MemMcMaeConfig.TINY.with(set);

    assertThat(c.patchSize()).isEqualTo(32);
    assertThat(c.patches()).isEqualTo(49);               // 224 / 32 = 7 per side
    assertThat(c.memory()).isFalse();
    assertThat(c.channels()).isEqualTo(1);
  }

  @Test
  void maskRatioSetsHowManyPatchesTheEncoderSees() {
    MemMcMaeConfig half = MemMcMaeConfig.MICRO.with(Map.of("maskRatio", "0.5"));
    assertThat(half.visible()).isEqualTo(32);                       // 64 patches, half hidden
    assertThat(MaskSchedule.parse("complementary-2").masks(half).idsKeep()).hasNumberOfRows(2);
    assertThat(MemMcMaeConfig.MICRO.with(Map.of("maskRatio", "0.875")).visible()).isEqualTo(8);
    assertThatThrownBy(() -> MaskSchedule.parse("complementary-4").masks(half))
        .hasMessage("complementary-4 shows L/4 = 16.0 patches per pass, but the model's mask ratio 0.50 shows 32");
    assertThatThrownBy(() -> MemMcMaeConfig.MICRO.with(Map.of("maskRatio", "1")))
        .hasMessage("maskRatio must be in (0,1), got 1.0");
  }

  @Test
  void eachSettingChangesItsOwnComponentOnly() {
    MemMcMaeConfig m = MemMcMaeConfig.MICRO; // micro, 128, 16, 3, 128, 6, 4, 128, 3, 4, 4, 32, 0.75, on, on, on, off
    assertThat(m.with(Map.of("memory", "off")))
        .isEqualTo(new MemMcMaeConfig("micro", 128, 16, 3, 128, 6, 4, 128, 3, 4, 4, 32, 0.75, false, true, true, false));
    assertThat(m.with(Map.of("multiLevel", "false")))
        .isEqualTo(new MemMcMaeConfig("micro", 128, 16, 3, 128, 6, 4, 128, 3, 4, 4, 32, 0.75, true, false, true, false));
    assertThat(m.with(Map.of("unetSkips", "0")))
        .isEqualTo(new MemMcMaeConfig("micro", 128, 16, 3, 128, 6, 4, 128, 3, 4, 4, 32, 0.75, true, true, false, false));
    assertThat(m.with(Map.of("memorySlots", "8")))
        .isEqualTo(new MemMcMaeConfig("micro", 128, 16, 3, 128, 6, 4, 128, 3, 4, 4, 8, 0.75, true, true, true, false));
    assertThat(m.with(Map.of("channels", " 1 ")))
        .isEqualTo(new MemMcMaeConfig("micro", 128, 16, 1, 128, 6, 4, 128, 3, 4, 4, 32, 0.75, true, true, true, false));
    assertThat(m.with(Map.of("maskRatio", "0.875")))
        .isEqualTo(new MemMcMaeConfig("micro", 128, 16, 3, 128, 6, 4, 128, 3, 4, 4, 32, 0.875, true, true, true, false));
    assertThat(m.with(Map.of("inputNorm", "ON")))
        .isEqualTo(new MemMcMaeConfig("micro", 128, 16, 3, 128, 6, 4, 128, 3, 4, 4, 32, 0.75, true, true, true, true));
    assertThatThrownBy(() -> m.with(Map.of("memory", "maybe"))).hasMessage("memory must be on or off, got 'maybe'");
    assertThatThrownBy(() -> m.with(Map.of("memorySlots", "many"))).hasMessage("memorySlots must be a whole number, got 'many'");
    assertThatThrownBy(() -> m.with(Map.of("maskRatio", "3/4"))).hasMessage("maskRatio must be a number, got '3/4'");
  }

  @Test
  void aPatchSizeThatDoesNotDivideTheImageOrAnUnknownKeyIsNamed() {
    assertThatThrownBy(() -> MemMcMaeConfig.MICRO.with(Map.of("patchSize", "7")))
        .hasMessage("imageSize 128 must be a positive multiple of patchSize 7");
    assertThatThrownBy(() -> MemMcMaeConfig.MICRO.with(Map.of("patch", "8")))
        .hasMessage("unknown model setting 'patch' (known: memory, multiLevel, unetSkips, memorySlots, channels, patchSize, maskRatio, inputNorm)");
  }

  @Test
  void inputNormIsOffInThePresetsAndInManifestsWrittenBeforeIt() throws Exception {
    MemMcMaeConfig on = MemMcMaeConfig.MICRO.with(Map.of("inputNorm", "on"));
    String json = ModelArtifact.JSON.writeValueAsString(on);
    // A manifest from before the setting existed: the same JSON without the key.
    String old = ModelArtifact.JSON.writeValueAsString(MemMcMaeConfig.MICRO).replaceAll(",\\s*\"inputNorm\"\\s*:\\s*false", "");

    assertThat(MemMcMaeConfig.MICRO.inputNorm()).isFalse();
    assertThat(MemMcMaeConfig.TINY.inputNorm()).isFalse();
    assertThat(on.inputNorm()).isTrue();
    assertThat(on.withMemory(false).inputNorm()).isTrue();           // other settings keep it
    assertThat(ModelArtifact.JSON.readValue(json, MemMcMaeConfig.class)).isEqualTo(on);
    assertThat(old).doesNotContain("inputNorm");
    assertThat(ModelArtifact.JSON.readValue(old, MemMcMaeConfig.class)).isEqualTo(MemMcMaeConfig.MICRO);
  }
}
