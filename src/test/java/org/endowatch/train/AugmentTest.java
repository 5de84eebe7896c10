package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentTest {
  @Test
  void cropAreasSpanTheAskedRange() {
    SplittableRandom rng = new SplittableRandom(3);
    double smallest = 1;
    double largest = 0;
    for (int i = 0; i < 2000; i++) {
      Rectangle r = Augment.crop(224, 224, 0.2, rng);
      double fraction = r.width * (double) r.height / (224 * 224);
      // Rounding each side to whole pixels moves the area by at most ~1 %.
      assertThat(fraction).isBetween(0.19, 1.0);
      assertThat(r.x + r.width).isLessThanOrEqualTo(224);
      assertThat(r.y + r.height).isLessThanOrEqualTo(224);
      smallest = Math.min(smallest, fraction);
      largest = Math.max(largest, fraction);
    }
    assertThat(smallest).isLessThan(0.22);
    assertThat(largest).isGreaterThan(0.9);
  }

  @Test
  void minAreaOneKeepsTheWholeImageAndOnlyFlips() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int i = 0; i < 200; i++) {
      assertThat(Augment.crop(224, 224, 1.0, rng)).isEqualTo(new Rectangle(0, 0, 224, 224));
    }
    BufferedImage src = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        src.setRGB(x, y, (x * 16) << 16 | (y * 16) << 8 | 7);
      }
    }
    int[] seen = new int[4];
    for (int i = 0; i < 40; i++) {
      BufferedImage out = Augment.apply(src, 16, 1.0, rng);
      int flips = 0;
      for (int f = 0; f < 4; f++) {
        if (equalsFlipped(src, out, (f & 1) != 0, (f & 2) != 0)) {
          seen[f]++;
          flips++;
        }
      }
      assertThat(flips).as("output %d is exactly one flip of the source", i).isEqualTo(1);
    }
    assertThat(seen).as("every flip occurs").doesNotContain(0);
  }

  private static boolean equalsFlipped(BufferedImage src, BufferedImage out, boolean h, boolean v) {
    int n = src.getWidth();
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        if (out.getRGB(x, y) != src.getRGB(h ? n - 1 - x : x, v ? n - 1 - y : y)) {
          return false;
        }
      }
    }
    return true;
  }
}
