package org.endowatch.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Multi-scale structural similarity (Wang, Simoncelli, Bovik 2003) for images in [0,1], as a
 * per-image value and as a per-pixel map (for anomaly maps).
 *
 * <p>Per scale j: Gaussian-weighted local statistics (11 px window, sigma 1.5) give the
 * contrast-structure term cs_j = (2 s_xy + C2) / (s_x^2 + s_y^2 + C2); at the coarsest scale S the
 * luminance term l = (2 m_x m_y + C1) / (m_x^2 + m_y^2 + C1) multiplies in. MS-SSIM = prod_{j<S}
 * cs_j^w_j * (l cs_S)^w_S with the standard weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333); terms
 * are clamped at 0 before the power (as common implementations do) so a fractional power stays real.
 *
 * <p>Scales: 5, or fewer when the image is small: scale j is used only while the image side at
 * that scale is at least the window (11 px), so 224 px uses 5 scales (224..14) and 128 px uses 4
 * (128..16). The weights of the scales used are renormalised to sum to 1.
 *
 * <p>Borders: the window is zero-padded and every local mean divided by the window mass inside the
 * image (normalised convolution), so each pixel gets statistics of the part of its window that lies
 * in the image and the map keeps the image's size. Maps of coarser scales are brought back to full
 * size by nearest-neighbour repetition.
 *
 * <p>Shapes: x, y [N,C,H,W] (H, W divisible by 2^(S-1)); map [N,1,H,W] (mean over channels);
 * value [N].
 */
public final class MsSsim {
  static final float[] WEIGHTS = {0.0448f, 0.2856f, 0.3001f, 0.2363f, 0.1333f};
  static final int WINDOW = 11;
  static final double SIGMA = 1.5;
  private static final float C1 = 0.01f * 0.01f;
  private static final float C2 = 0.03f * 0.03f;

  private MsSsim() {}

  /** How many scales an image with this smaller side gets (1..5). */
  public static int scales(int side) {
    int s = 0;
    while (s < WEIGHTS.length && side >> s >= WINDOW) {
      s++;
    }
    if (s == 0) {
      throw new IllegalArgumentException("MS-SSIM needs images of at least " + WINDOW + " px, got " + side);
    }
    return s;
  }

  /** The weights used for {@code s} scales: the first s standard weights, renormalised to sum 1. */
  public static float[] weights(int s) {
    return weights(0, s);
  }

  /** The standard weights of scales first..first+s-1, renormalised to sum 1. */
  static float[] weights(int first, int s) {
    float[] w = Arrays.copyOfRange(WEIGHTS, first, first + s);
    float sum = 0;
    for (float v : w) {
      sum += v;
    }
    for (int i = 0; i < s; i++) {
      w[i] /= sum;
    }
    return w;
  }

  /** Per-image MS-SSIM [N] (channels averaged). */
  public static NDArray value(NDArray x, NDArray y) {
    return compute(x, y, 1, false);
  }

  /** Per-pixel MS-SSIM map [N,1,H,W] (channels averaged); 1 where the images agree. */
  public static NDArray map(NDArray x, NDArray y) {
    return compute(x, y, 1, true);
  }

  /**
   * Per-pixel maps [N*copies,1,H,W] of x [N*copies,C,H,W] against y [N,C,H,W], where each run of
   * {@code copies} consecutive images of x is compared with one image of y: the K reconstructions
   * of a frame against that frame. Equal to {@code map(x, y repeated)}, but y's pyramid and its
   * local statistics are computed once per frame instead of K times (2 of the 5 filtered planes).
   */
  public static NDArray map(NDArray x, NDArray y, int copies) {
    return compute(x, y, copies, true, 0);
  }

  /**
   * Like {@link #map(NDArray, NDArray, int)} without the {@code skip} finest scales: the statistics
   * start on x and y halved {@code skip} times, the scales that remain keep their standard weights
   * (renormalised over them), and the map is repeated back to full size. The finest scale holds most
   * of the filtering work, so {@code skip = 1} costs about half.
   */
  public static NDArray map(NDArray x, NDArray y, int copies, int skip) {
    return compute(x, y, copies, true, skip);
  }

  /**
   * Single-scale SSIM per pixel and channel, l * cs at full size [N,C,H,W], for a training loss: no
   * clamp and no fractional power, so its gradient stays finite where the similarity reaches 0.
   */
  public static NDArray ssim(NDArray x, NDArray y) {
    return stats(x, y, 1, true);
  }

  private static NDArray compute(NDArray x, NDArray y, int copies, boolean perPixel) {
    return compute(x, y, copies, perPixel, 0);
  }

  private static NDArray compute(NDArray x, NDArray y, int copies, boolean perPixel, int skip) {
    Shape s = x.getShape();
    Shape r = y.getShape();
    if (s.dimension() != 4 || r.dimension() != 4 || copies < 1 || s.get(0) != r.get(0) * copies
        || !s.slice(1).equals(r.slice(1))) {
      throw new IllegalArgumentException("MS-SSIM needs x [N*" + copies + ",C,H,W] and y [N,C,H,W], got " + s + " and " + r);
    }
    for (int i = 0; i < skip; i++) {
      x = halve(x);
      y = halve(y);
    }
    int h = (int) s.get(2) >> skip;
    int w = (int) s.get(3) >> skip;
    int scales = Math.min(scales(Math.min(h, w)), WEIGHTS.length - skip);
    float[] weights = weights(skip, scales);
    NDManager m = x.getManager();
    NDArray[] powered = new NDArray[scales];
    for (int j = 0; j < scales; j++) {
      boolean last = j == scales - 1;
      NDArray term = stats(x, y, copies, last).clip(0f, Float.MAX_VALUE);        // [N*copies,C,h_j,w_j]
      // PtNDArray.mean takes one axis at a time.
      powered[j] = (perPixel ? term : term.mean(new int[] {3}).mean(new int[] {2})).pow(m.create(weights[j]));
      if (!last) {
        x = halve(x);
        y = halve(y);
      }
    }
    if (!perPixel) {
      NDArray result = powered[0];
      for (int j = 1; j < scales; j++) {
        result = result.mul(powered[j]);
      }
      return result.mean(new int[] {1});                                            // [N]
    }
    // Coarse to fine: each scale's map is brought up one octave (nearest neighbour) and multiplied
    // in, so every repetition is 2x2 and the power was taken at the scale's own size.
    NDArray result = powered[scales - 1];
    for (int j = scales - 2; j >= 0; j--) {
      result = powered[j].mul(result.repeat(2, 2).repeat(3, 2));
    }
    result = result.mean(new int[] {1}, true);                                      // [N*copies,1,h,w]
    return skip == 0 ? result : result.repeat(2, 1 << skip).repeat(3, 1 << skip);   // [N*copies,1,H,W]
  }

  /** cs (or l * cs at the last scale) per pixel of x against its frame in y, [N*copies,C,h,w]. */
  private static NDArray stats(NDArray x, NDArray y, int copies, boolean withLuminance) {
    NDManager m = x.getManager();
    long n = y.getShape().get(0);
    long c = y.getShape().get(1);
    int h = (int) x.getShape().get(2);
    int w = (int) x.getShape().get(3);
    Shape grouped = new Shape(n, copies, c, h, w);
    Shape perFrame = new Shape(n, 1, c, h, w);
    NDArray xy = x.reshape(grouped).mul(y.reshape(perFrame)).reshape(x.getShape());
    NDArray xs = NDArrays.concat(new NDList(x, x.mul(x), xy), 1);                      // [N*copies,3C,h,w]
    NDArray ys = NDArrays.concat(new NDList(y, y.mul(y)), 1);                          // [N,2C,h,w]
    // The window's mass inside the image, blurred by the same products as the statistics so that
    // constant regions cancel exactly (variance 0).
    NDArray mass = gaussian(m.ones(new Shape(1, 1, h, w)));
    NDList px = gaussian(xs).div(mass).split(3, 1);
    NDList py = gaussian(ys).div(mass).split(2, 1);
    NDArray mx = px.get(0).reshape(grouped);
    NDArray my = py.get(0).reshape(perFrame);
    NDArray mxx = mx.mul(mx);
    NDArray myy = my.mul(my);
    NDArray mxy = mx.mul(my);
    NDArray vx = px.get(1).reshape(grouped).sub(mxx);
    NDArray vy = py.get(1).reshape(perFrame).sub(myy);
    NDArray cov = px.get(2).reshape(grouped).sub(mxy);
    NDArray c2 = m.create(C2);
    NDArray two = m.create(2f);
    NDArray cs = cov.mul(two).add(c2).div(vx.add(vy).add(c2));
    if (withLuminance) {
      NDArray c1 = m.create(C1);
      cs = mxy.mul(two).add(c1).div(mxx.add(myy).add(c1)).mul(cs);
    }
    return cs.reshape(x.getShape());
  }

  /**
   * Separable Gaussian filter, zero-padded, per channel: [N,K,h,w] -> [N,K,h,w]. Each 1-D pass is
   * one matrix product with a banded (Toeplitz) matrix: more arithmetic than a depthwise
   * convolution, but faster on PyTorch's CPU path, whose grouped convolution is poorly optimised
   * (measured on [4,15,128,128]: 15.9 ms against 20.9 ms for the depthwise and 20.0 ms for a
   * channels-in-batch convolution; at [40,15,128,128] 87 against 156 and 309 ms).
   */
  private static NDArray gaussian(NDArray in) {
    NDManager m = in.getManager();
    Shape s = in.getShape();
    long n = s.get(0);
    long k = s.get(1);
    int h = (int) s.get(2);
    int w = (int) s.get(3);
    NDArray alongW = in.reshape(n * k * h, w).matMul(m.create(band(w), new Shape(w, w)));          // [NKh,w]
    NDArray alongH = m.create(band(h), new Shape(h, h)).matMul(alongW.reshape(n * k, h, w));       // [NK,h,w]
    return alongH.reshape(n, k, h, w);
  }

  private static final Map<Integer, float[]> BANDS = new ConcurrentHashMap<>();

  /** The symmetric n x n matrix B with B[i][j] = g[j - i + r] within the window, 0 outside (zero padding). */
  static float[] band(int n) {
    return BANDS.computeIfAbsent(n, size -> {
      float[] g = kernel();
      int r = WINDOW / 2;
      float[] b = new float[size * size];
      for (int i = 0; i < size; i++) {
        for (int j = Math.max(0, i - r); j <= Math.min(size - 1, i + r); j++) {
          b[i * size + j] = g[j - i + r];
        }
      }
      return b;
    });
  }

  /** The normalised 1-D Gaussian window. */
  static float[] kernel() {
    float[] g = new float[WINDOW];
    double sum = 0;
    for (int i = 0; i < WINDOW; i++) {
      double d = i - WINDOW / 2;
      g[i] = (float) Math.exp(-d * d / (2 * SIGMA * SIGMA));
      sum += g[i];
    }
    for (int i = 0; i < WINDOW; i++) {
      g[i] /= (float) sum;
    }
    return g;
  }

  private static NDArray halve(NDArray x) {
    return Pool.avgPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true);
  }
}
