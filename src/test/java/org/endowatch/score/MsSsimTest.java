package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MsSsimTest {
  private static NDManager m;

  @BeforeAll
  static void setUp() {
    m = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    m.close();
  }

  private static NDArray image(long seed, int c, int side) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] px = new float[c * side * side];
    for (int i = 0; i < px.length; i++) {
      // smooth-ish texture: a gradient plus noise
      px[i] = (float) (0.25 + 0.5 * ((i % side) / (double) side) + 0.2 * r.nextDouble());
    }
    return m.create(px, new Shape(1, c, side, side));
  }

  private static NDArray noisy(NDArray x, double sigma, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] px = x.toFloatArray();
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) Math.min(1, Math.max(0, px[i] + sigma * (r.nextDouble() * 2 - 1)));
    }
    return m.create(px, x.getShape());
  }

  @Test
  void scalesDependOnImageSide() {
    assertThat(MsSsim.scales(224)).isEqualTo(5);
    assertThat(MsSsim.scales(128)).isEqualTo(4);
    assertThat(MsSsim.scales(32)).isEqualTo(2);
    assertThat(MsSsim.scales(11)).isEqualTo(1);
    assertThatThrownBy(() -> MsSsim.scales(10)).hasMessage("MS-SSIM needs images of at least 11 px, got 10");
  }

  @Test
  void fewerScalesRenormaliseTheStandardWeights() {
    float[] four = MsSsim.weights(4);
    float sum = 0.0448f + 0.2856f + 0.3001f + 0.2363f;
    assertThat(four).containsExactly(new float[] {0.0448f / sum, 0.2856f / sum, 0.3001f / sum, 0.2363f / sum}, within(1e-7f));
    assertThat(MsSsim.weights(5)).containsExactly(new float[] {0.0448f, 0.2856f, 0.3001f, 0.2363f, 0.1333f}, within(1e-3f));
    assertThat(MsSsim.weights(1)).containsExactly(1f);
  }

  @Test
  void gaussianWindowIsNormalisedAndSymmetric() {
    float[] g = MsSsim.kernel();
    assertThat(g).hasSize(11);
    float sum = 0;
    for (float v : g) {
      sum += v;
    }
    assertThat(sum).isCloseTo(1f, within(1e-6f));
    assertThat(g[0]).isEqualTo(g[10]);
    // centre weight of a sigma 1.5 Gaussian sampled on -5..5: 1 / sum(exp(-d^2/4.5))
    assertThat(g[5]).isCloseTo(0.26601f, within(1e-4f));
  }

  @Test
  void identicalImagesGiveOneAndAZeroResidualMap() {
    NDArray x = image(1, 3, 128);
    assertThat(MsSsim.value(x, x).getFloat(0)).isCloseTo(1f, within(1e-5f));
    NDArray map = MsSsim.map(x, x);
    assertThat(map.getShape()).isEqualTo(new Shape(1, 1, 128, 128));
    for (float v : map.toFloatArray()) {
      assertThat(v).isCloseTo(1f, within(1e-4f));
    }
  }

  @Test
  void handCheckedConstantImages() {
    // Constant images: all variances are 0, so cs = C2/C2 = 1 everywhere, and the luminance term is
    // (2ab + C1) / (a^2 + b^2 + C1). For a = 0.1, b = 0.05: (0.01 + 1e-4) / (0.0125 + 1e-4) = 0.8015873
    // (0.8 without C1). Single scale (11 px) means the weight is 1: MS-SSIM = l * cs = 0.8015873.
    // Small intensities keep float32's E[x^2] - E[x]^2 cancellation error far below C2.
    NDArray a = m.full(new Shape(1, 1, 11, 11), 0.1f);
    NDArray b = m.full(new Shape(1, 1, 11, 11), 0.05f);
    assertThat(MsSsim.value(a, b).getFloat(0)).isCloseTo(0.8015873f, within(1e-5f));
    for (float v : MsSsim.map(a, b).toFloatArray()) {
      assertThat(v).isCloseTo(0.8015873f, within(1e-5f));
    }
  }

  @Test
  void symmetric() {
    NDArray x = image(2, 3, 64);
    NDArray y = noisy(x, 0.2, 3);
    assertThat(MsSsim.value(x, y).getFloat(0)).isCloseTo(MsSsim.value(y, x).getFloat(0), within(1e-6f));
    assertThat(MsSsim.map(x, y).toFloatArray()).containsExactly(MsSsim.map(y, x).toFloatArray(), within(1e-5f));
  }

  @Test
  void monotoneUnderIncreasingNoise() {
    NDArray x = image(4, 3, 128);
    float previous = 1.0001f;
    for (double sigma : new double[] {0.0, 0.05, 0.1, 0.2, 0.4}) {
      float v = MsSsim.value(x, noisy(x, sigma, 5)).getFloat(0);
      assertThat(v).as("sigma %s", sigma).isLessThan(previous);
      previous = v;
    }
  }

  @Test
  void theMapLocalisesADifference() {
    NDArray x = image(6, 1, 64);
    float[] px = x.toFloatArray();
    for (int y = 40; y < 56; y++) {
      for (int xx = 40; xx < 56; xx++) {
        px[y * 64 + xx] = 1f - px[y * 64 + xx];
      }
    }
    NDArray map = MsSsim.map(x, m.create(px, x.getShape()));
    assertThat(map.getFloat(0, 0, 48, 48)).isLessThan(0.5f);
    assertThat(map.getFloat(0, 0, 8, 8)).isGreaterThan(0.95f);
  }

  @Test
  void copiesAgainstOneReferenceEqualTheMapAgainstTheRepeatedReference() {
    NDArray y = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(image(7, 3, 64), image(8, 3, 64)), 0); // [2,3,64,64]
    NDArray x = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(
        noisy(image(7, 3, 64), 0.1, 1), noisy(image(7, 3, 64), 0.3, 2), noisy(image(7, 3, 64), 0.05, 3),
        noisy(image(8, 3, 64), 0.1, 4), image(8, 3, 64), noisy(image(8, 3, 64), 0.2, 6)), 0);              // [6,3,64,64]
    NDArray repeated = y.repeat(0, 3);
    NDArray shared = MsSsim.map(x, y, 3);
    assertThat(shared.getShape()).isEqualTo(new ai.djl.ndarray.types.Shape(6, 1, 64, 64));
    assertThat(shared.toFloatArray()).containsExactly(MsSsim.map(x, repeated).toFloatArray(), within(1e-6f));
    assertThat(shared.get(4).toFloatArray()).containsOnly(1f); // an exact copy of its frame
    assertThatThrownBy(() -> MsSsim.map(x, y, 2))
        .hasMessage("MS-SSIM needs x [N*2,C,H,W] and y [N,C,H,W], got (6, 3, 64, 64) and (2, 3, 64, 64)");
  }

  @Test
  void skippingTheFinestScaleKeepsTheOtherScalesStandardWeights() {
    // x = y + 0.1: every contrast-structure term is exactly 1 (same variance, covariance = variance), so
    // the map is the coarsest scale's luminance term to that scale's weight. Both maps end on the same
    // 16 px level of the pyramid, so the skip-1 map must be the full map to the power
    // (W0+W1+W2+W3)/(W1+W2+W3), pixel for pixel: this pins which weights the remaining scales get.
    NDArray y = image(11, 3, 128).mul(0.6f).add(0.1f);
    NDArray x = y.add(0.1f);
    float[] full = MsSsim.map(x, y, 1).toFloatArray();
    NDArray skipMap = MsSsim.map(x, y, 1, 1);
    assertThat(skipMap.getShape()).isEqualTo(new Shape(1, 1, 128, 128));
    float[] skip = skipMap.toFloatArray();
    double ratio = (0.0448 + 0.2856 + 0.3001 + 0.2363) / (0.2856 + 0.3001 + 0.2363);
    double smallest = 1;
    for (int i = 0; i < full.length; i++) {
      assertThat((double) skip[i]).isCloseTo(Math.pow(full[i], ratio), within(2e-5));
      smallest = Math.min(smallest, full[i]);
    }
    assertThat(smallest).isLessThan(0.999); // the luminance term is not trivially 1
    // The skip-1 map is repeated back from 64 px: constant on 2x2 blocks.
    assertThat(skip[0]).isEqualTo(skip[1]).isEqualTo(skip[128]).isEqualTo(skip[129]);
    // Identical images still give 1 everywhere.
    assertThat(MsSsim.map(y, y, 1, 1).min().getFloat()).isCloseTo(1f, within(1e-5f));
  }
}
