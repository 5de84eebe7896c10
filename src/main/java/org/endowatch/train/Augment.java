package org.endowatch.train;

import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * RandomResizedCrop (the paper's augmentation) plus horizontal and vertical flips (an endoscope has
 * no preferred orientation). The crop keeps between {@code minArea} and all of the area, with an
 * aspect ratio in [3/4, 4/3]. The default keeps 50-100 % (MAE uses 20-100 %), chosen first because smaller
 * crops change the apparent scale of tissue texture; measured since, 20 %, 50 % and whole crops
 * validate within 0.01 AUC of each other (docs/BENCHMARKS.md, "Choosing without the test split").
 */
final class Augment {
  private Augment() {}

  /**
   * @param minArea the smallest fraction of the source's area a crop keeps, in (0, 1]; 1 keeps the
   *     whole image (flips only)
   */
  static BufferedImage apply(BufferedImage src, int side, double minArea, SplittableRandom rng) {
    Rectangle crop = crop(src.getWidth(), src.getHeight(), minArea, rng);
    int x = crop.x;
    int y = crop.y;
    int cw = crop.width;
    int ch = crop.height;
    boolean flipH = rng.nextBoolean();
    boolean flipV = rng.nextBoolean();
    BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    int dx1 = flipH ? side : 0;
    int dx2 = flipH ? 0 : side;
    int dy1 = flipV ? side : 0;
    int dy2 = flipV ? 0 : side;
    g.drawImage(src, dx1, dy1, dx2, dy2, x, y, x + cw, y + ch, null);
    g.dispose();
    return out;
  }

  /** A random crop of a w x h image: area fraction uniform in [minArea, 1], aspect in [3/4, 4/3]. */
  static Rectangle crop(int w, int h, double minArea, SplittableRandom rng) {
    int cw = w;
    int ch = h;
    // Torchvision's rule: up to 10 tries for a crop that fits, else the whole image.
    for (int attempt = 0; attempt < 10; attempt++) {
      double area = w * h * (minArea + rng.nextDouble() * (1 - minArea));
      double ratio = Math.exp(Math.log(3 / 4.0) + rng.nextDouble() * (Math.log(4 / 3.0) - Math.log(3 / 4.0)));
      int tw = (int) Math.round(Math.sqrt(area * ratio));
      int th = (int) Math.round(Math.sqrt(area / ratio));
      if (tw <= w && th <= h && tw > 0 && th > 0) {
        cw = tw;
        ch = th;
        break;
      }
    }
    return new Rectangle(rng.nextInt(w - cw + 1), rng.nextInt(h - ch + 1), cw, ch);
  }

  /**
   * Colour jitter, for a model that meets another unit's light source, exposure and video processor:
   * red and blue gains (white balance), brightness, contrast and saturation factors, each drawn
   * uniformly from [1 - strength, 1 + strength]. Strength 0 draws nothing from {@code rng}, so runs
   * without jitter reproduce earlier models bit for bit.
   *
   * @param chw pixels in [0, 1], channel-major; the image starts at {@code offset}
   */
  static void jitterColour(float[] chw, int offset, int channels, int plane, double strength, SplittableRandom rng) {
    if (strength == 0) {
      return;
    }
    double[] f = new double[5];
    for (int i = 0; i < f.length; i++) {
      f[i] = 1 - strength + 2 * strength * rng.nextDouble();
    }
    jitterColour(chw, offset, channels, plane, f[0], f[1], f[2], f[3], f[4]);
  }

  /**
   * The jitter with given factors, in torchvision's order for brightness, contrast and saturation
   * after the white balance: contrast blends towards the image's mean luma, saturation towards each
   * pixel's luma (BT.601 weights); results are clipped to [0, 1]. One channel: gains do not apply and
   * saturation has nothing to act on.
   */
  static void jitterColour(float[] chw, int offset, int channels, int plane, double redGain, double blueGain,
      double brightness, double contrast, double saturation) {
    int g = offset + plane;
    int b = offset + 2 * plane;
    if (channels == 3) {
      for (int i = 0; i < plane; i++) {
        chw[offset + i] = clip(chw[offset + i] * redGain);
        chw[b + i] = clip(chw[b + i] * blueGain);
      }
    }
    double lumaSum = 0;
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < channels; c++) {
        chw[offset + c * plane + i] = clip(chw[offset + c * plane + i] * brightness);
      }
      lumaSum += channels == 3 ? luma(chw[offset + i], chw[g + i], chw[b + i]) : chw[offset + i];
    }
    double mean = lumaSum / plane;
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < channels; c++) {
        int k = offset + c * plane + i;
        chw[k] = clip(mean + contrast * (chw[k] - mean));
      }
      if (channels == 3) {
        double y = luma(chw[offset + i], chw[g + i], chw[b + i]);
        chw[offset + i] = clip(y + saturation * (chw[offset + i] - y));
        chw[g + i] = clip(y + saturation * (chw[g + i] - y));
        chw[b + i] = clip(y + saturation * (chw[b + i] - y));
      }
    }
  }

  private static double luma(float r, float g, float b) {
    return 0.299 * r + 0.587 * g + 0.114 * b;
  }

  private static float clip(double v) {
    return (float) Math.max(0, Math.min(1, v));
  }
}
