package org.endowatch.ingest;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;

/**
 * Finds the endoscope's field of view: the round or octagonal bright region inside the black
 * border. On-screen text and small insets sit in the border; they are bright but narrow, so a
 * column (row) only counts as inside the view when a good share of it is bright, and the view is
 * the longest run of such columns (rows).
 */
public final class FieldOfView {
  /** A pixel darker than this (0..255 luma) is border. */
  static final int DARK = 24;
  /** A column or row is inside the view when at least this share of it is bright. */
  static final double INSIDE = 0.25;

  private FieldOfView() {}

  /** The view's bounding box, or null when the picture is too dark to tell (e.g. the scope sees only lumen). */
  public static Rectangle detect(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    boolean[] bright = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = img.getRGB(x, y);
        int luma = (299 * ((rgb >> 16) & 0xFF) + 587 * ((rgb >> 8) & 0xFF) + 114 * (rgb & 0xFF)) / 1000;
        bright[y * w + x] = luma > DARK;
      }
    }
    int[] cols = longestRun(w, x -> columnShare(bright, w, h, x) >= INSIDE);
    if (cols == null) {
      return null;
    }
    int[] rows = longestRun(h, y -> {
      int n = 0;
      for (int x = cols[0]; x <= cols[1]; x++) {
        n += bright[y * w + x] ? 1 : 0;
      }
      return n >= INSIDE * (cols[1] - cols[0] + 1);
    });
    if (rows == null) {
      return null;
    }
    Rectangle r = new Rectangle(cols[0], rows[0], cols[1] - cols[0] + 1, rows[1] - rows[0] + 1);
    // Less than a tenth of the picture is not a view but a glint or a label.
    return r.width * (long) r.height >= w * (long) h / 10 ? r : null;
  }

  private static double columnShare(boolean[] bright, int w, int h, int x) {
    int n = 0;
    for (int y = 0; y < h; y++) {
      n += bright[y * w + x] ? 1 : 0;
    }
    return n / (double) h;
  }

  private static int[] longestRun(int n, java.util.function.IntPredicate inside) {
    int bestStart = -1;
    int bestLen = 0;
    int start = -1;
    for (int i = 0; i <= n; i++) {
      boolean in = i < n && inside.test(i);
      if (in && start < 0) {
        start = i;
      } else if (!in && start >= 0) {
        if (i - start > bestLen) {
          bestLen = i - start;
          bestStart = start;
        }
        start = -1;
      }
    }
    return bestLen == 0 ? null : new int[] {bestStart, bestStart + bestLen - 1};
  }
}
