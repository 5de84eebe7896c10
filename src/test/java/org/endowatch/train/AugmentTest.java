package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

  /** Two pixels, (0.5, 0.4, 0.2) and (0.2, 0.3, 0.6), channel-major after one leading value. */
  private static float[] twoPixels() {
    return new float[] {9f, 0.5f, 0.2f, 0.4f, 0.3f, 0.2f, 0.6f};
  }

  /**
   * Each factor alone on {@link #twoPixels}, expected values by hand: gains 1.2 / 0.5 scale red and
   * blue only; brightness 2 clips at 1; saturation 0 gives each pixel its luma (0.299 x 0.5 + 0.587 x
   * 0.4 + 0.114 x 0.2 = 0.4071, and 0.3043); contrast 0 gives every value the image's mean luma 0.3557.
   */
  static Stream<Arguments> jitterFactors() {
    return Stream.of(
        Arguments.of("gains", new double[] {1.2, 0.5, 1, 1, 1}, new float[] {9f, 0.6f, 0.24f, 0.4f, 0.3f, 0.1f, 0.3f}),
        Arguments.of("brightness", new double[] {1, 1, 2, 1, 1}, new float[] {9f, 1.0f, 0.4f, 0.8f, 0.6f, 0.4f, 1.0f}),
        Arguments.of("saturation", new double[] {1, 1, 1, 1, 0},
            new float[] {9f, 0.4071f, 0.3043f, 0.4071f, 0.3043f, 0.4071f, 0.3043f}),
        Arguments.of("contrast", new double[] {1, 1, 1, 0, 1},
            new float[] {9f, 0.3557f, 0.3557f, 0.3557f, 0.3557f, 0.3557f, 0.3557f}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jitterFactors")
  void jitterFactorsAloneGiveHandComputedPixels(String name, double[] f, float[] expected) {
    float[] px = twoPixels();
    Augment.jitterColour(px, 1, 3, 2, f[0], f[1], f[2], f[3], f[4]);
    assertThat(px).containsExactly(expected, within(1e-6f));
  }

  @Test
  void noJitterChangesNothingAndDrawsNothing() {
    float[] px = twoPixels();
    SplittableRandom rng = new SplittableRandom(11);
    Augment.jitterColour(px, 1, 3, 2, 0, rng);
    assertThat(px).containsExactly(twoPixels());
    assertThat(rng.nextLong()).isEqualTo(new SplittableRandom(11).nextLong());
  }

  @Test
  void jitterFactorsSpanOneMinusToOnePlusStrength() {
    // One grey channel of one value: gains and saturation do not apply, contrast about the mean
    // changes nothing, so the output is 0.5 x the brightness factor.
    SplittableRandom rng = new SplittableRandom(13);
    double lo = 1;
    double hi = 0;
    for (int i = 0; i < 500; i++) {
      float[] px = {0.5f, 0.5f, 0.5f, 0.5f};
      Augment.jitterColour(px, 0, 1, 4, 0.2, rng);
      assertThat(px[1]).isEqualTo(px[0]);
      assertThat((double) px[0]).isBetween(0.4 - 1e-6, 0.6 + 1e-6);
      lo = Math.min(lo, px[0]);
      hi = Math.max(hi, px[0]);
    }
    assertThat(lo).isLessThan(0.41);
    assertThat(hi).isGreaterThan(0.59);
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
