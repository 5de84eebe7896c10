package org.endowatch.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MasksTest {
  @Test
  void randomMasksKeepExactlyRoundOfLTimesOneMinusRatio() {
    MemMcMaeConfig micro = MemMcMaeConfig.MICRO;
    Masks m = Masks.random(5, micro.patches(), micro.visible(), new SplittableRandom(1));

    assertThat(micro.patches()).isEqualTo(64);
    assertThat(micro.visible()).isEqualTo(16);
    assertThat(MemMcMaeConfig.TINY.visible()).isEqualTo(49); // round(196 * 0.25)
    for (int k = 0; k < 5; k++) {
      assertThat(m.idsKeep()[k]).hasSize(16).doesNotHaveDuplicates();
      int masked = 0;
      for (boolean b : m.masked()[k]) {
        masked += b ? 1 : 0;
      }
      assertThat(masked).isEqualTo(48);
      for (long kept : m.idsKeep()[k]) {
        assertThat(m.masked()[k][(int) kept]).isFalse();
      }
    }
  }

  @Test
  void idsRestoreInvertsTheShuffle() {
    Masks m = Masks.random(3, 64, 16, new SplittableRandom(7));
    for (int k = 0; k < 3; k++) {
      long[] restore = m.idsRestore()[k];
      // restore[patch] = position of that patch in shuffled order; keep = first V of that order.
      for (int pos = 0; pos < 16; pos++) {
        assertThat(restore[(int) m.idsKeep()[k][pos]]).isEqualTo(pos);
      }
      Set<Long> positions = new HashSet<>();
      for (long r : restore) {
        positions.add(r);
      }
      assertThat(positions).hasSize(64);
    }
  }

  @Test
  void handCheckedSmallCase() {
    // L=4, K=2 complementary with a seed whose shuffle we compute here by the same Fisher-Yates.
    Masks m = Masks.complementary(2, 4, 0);
    boolean[][] masked = m.masked();
    for (int i = 0; i < 4; i++) {
      assertThat(masked[0][i]).isNotEqualTo(masked[1][i]);
    }
    assertThat(m.idsKeep()[0]).hasSize(2);
  }

  @Test
  void complementaryMasksPartitionThePatches() {
    Masks m = Masks.complementary(4, 64, 3);
    int[] timesVisible = new int[64];
    for (int k = 0; k < 4; k++) {
      for (long kept : m.idsKeep()[k]) {
        timesVisible[(int) kept]++;
      }
      assertThat(m.idsKeep()[k]).hasSize(16);
    }
    for (int i = 0; i < 64; i++) {
      assertThat(timesVisible[i]).as("patch %d", i).isEqualTo(1);
    }
  }

  @Test
  void schedulesAreAFunctionOfTheirParameters() {
    MemMcMaeConfig micro = MemMcMaeConfig.MICRO;
    Masks a = MaskSchedule.parse("random-10").masks(micro);
    Masks b = MaskSchedule.parse("random-10").masks(micro);
    Masks c = MaskSchedule.parse("random-10-seed1").masks(micro);

    assertThat(a.idsKeep()).isDeepEqualTo(b.idsKeep());
    assertThat(a.idsKeep()).isNotEqualTo(c.idsKeep());
    assertThat(MaskSchedule.parse("complementary-4").masks(micro).count()).isEqualTo(4);
  }

  @Test
  void badSchedulesAreRefusedWithTheExpectedForm() {
    assertThatThrownBy(() -> MaskSchedule.parse("sometimes-3"))
        .hasMessage("mask schedule must be random or complementary, got 'sometimes'");
    assertThatThrownBy(() -> MaskSchedule.parse("random"))
        .hasMessageContaining("is not of the form random-K[-seedS] or complementary-K");
    assertThatThrownBy(() -> MaskSchedule.parse("complementary-3").masks(MemMcMaeConfig.MICRO))
        .hasMessage("complementary-3 shows L/3 = 21.3 patches per pass, but the model's mask ratio 0.75 shows 16");
    assertThatThrownBy(() -> Masks.complementary(3, 64, 0))
        .hasMessage("complementary masks need K >= 2 dividing L=64, got K=3");
  }

  @Test
  void repeatIsFrameMajor() {
    Masks m = Masks.complementary(4, 64, 0);
    Masks r = m.repeat(2);
    assertThat(r.count()).isEqualTo(8);
    assertThat(r.idsKeep()[5]).isEqualTo(m.idsKeep()[1]);
  }
}
