package org.endowatch.train;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * RandomResizedCrop (the paper's augmentation) plus horizontal and vertical flips (an endoscope has
 * no preferred orientation). The crop keeps 50-100 % of the area (MAE uses 20-100 %; smaller crops
 * change the apparent scale of tissue texture, which is part of what "normal" means here) with an
 * aspect ratio in [3/4, 4/3].
 */
final class Augment {
  static final double MIN_AREA = 0.5;

  private Augment() {}

  static BufferedImage apply(BufferedImage src, int side, SplittableRandom rng) {
    int w = src.getWidth();
    int h = src.getHeight();
    int cw = w;
    int ch = h;
    for (int attempt = 0; attempt < 10; attempt++) {
      double area = w * h * (MIN_AREA + rng.nextDouble() * (1 - MIN_AREA));
      double ratio = Math.exp(Math.log(3 / 4.0) + rng.nextDouble() * (Math.log(4 / 3.0) - Math.log(3 / 4.0)));
      int tw = (int) Math.round(Math.sqrt(area * ratio));
      int th = (int) Math.round(Math.sqrt(area / ratio));
      if (tw <= w && th <= h && tw > 0 && th > 0) {
        cw = tw;
        ch = th;
        break;
      }
    }
    int x = rng.nextInt(w - cw + 1);
    int y = rng.nextInt(h - ch + 1);
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
}
