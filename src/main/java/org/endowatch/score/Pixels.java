package org.endowatch.score;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * The one place images become model input: bilinear resize to the model's square side, then
 * [C,H,W] floats in [0,1] (one channel = luma, for X-rays; three = R, G, B). Training, calibration,
 * evaluation and the streaming scorer all go through here, so they see identical pixels.
 */
public final class Pixels {
  private Pixels() {}

  /** Bilinear resize of the whole image to side x side (aspect ratio is not kept). */
  public static BufferedImage resize(BufferedImage img, int side) {
    if (img.getWidth() == side && img.getHeight() == side && img.getType() == BufferedImage.TYPE_INT_RGB) {
      return img;
    }
    BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, side, side, null);
    g.dispose();
    return out;
  }

  /** Writes img into {@code out} at {@code offset} as [C,H,W] in [0,1]. */
  public static void toChw(BufferedImage img, int channels, float[] out, int offset) {
    int w = img.getWidth();
    int h = img.getHeight();
    int plane = w * h;
    int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < plane; i++) {
      int p = rgb[i];
      float r = ((p >> 16) & 0xFF) / 255f;
      float gr = ((p >> 8) & 0xFF) / 255f;
      float b = (p & 0xFF) / 255f;
      if (channels == 1) {
        out[offset + i] = 0.299f * r + 0.587f * gr + 0.114f * b;
      } else {
        out[offset + i] = r;
        out[offset + plane + i] = gr;
        out[offset + 2 * plane + i] = b;
      }
    }
  }

  /** Resized and converted in one go: a fresh [C,side,side] array. */
  public static float[] modelInput(BufferedImage img, int side, int channels) {
    float[] out = new float[channels * side * side];
    toChw(resize(img, side), channels, out, 0);
    return out;
  }
}
