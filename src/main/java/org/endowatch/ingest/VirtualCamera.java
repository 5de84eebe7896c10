package org.endowatch.ingest;

import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * Films a procedure from still images: each still is shown for one segment while the camera pans
 * and zooms smoothly across it, and the last frames of a segment cross-fade into the next still.
 * The still's lesion mask (if any) moves with the camera, so every filmed frame knows exactly
 * which of its pixels show a lesion. The scope's round field of view is added to every frame.
 * A frame is a pure function of (stills, seed, index).
 */
public final class VirtualCamera {
  /** A still to film and its lesion mask (white = lesion), or null when it shows none. */
  public record Still(BufferedImage image, BufferedImage mask) {}

  /** A filmed frame, its mask (null when no still in view has one) and the lesion's share of the view. */
  public record Shot(BufferedImage image, BufferedImage mask, double lesionFraction) {}

  /** Where the camera looks at one moment: the centre and side of the viewed square, as fractions of the still. */
  record View(double cx, double cy, double side) {}

  /** During a cross-fade, a still's lesion is in view while the still's weight is at least this. */
  static final float VISIBLE_ALPHA = 0.25f;

  private final IntFunction<Still> stills;
  private final int stillCount;
  private final int width;
  private final int height;
  private final int segmentFrames;
  private final int fadeFrames;
  private final long seed;
  // Frames are asked for in order, and a cross-fade needs two stills at once: keep the last two.
  private final java.util.LinkedHashMap<Integer, Still> cache = new java.util.LinkedHashMap<>(4, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(java.util.Map.Entry<Integer, Still> eldest) {
      return size() > 2;
    }
  };

  /**
   * @param stills still {@code k} for segment {@code k} (asked for lazily, one or two at a time)
   * @param stillCount how many stills, so the procedure has {@code stillCount * segmentFrames} frames
   * @param segmentFrames frames per still
   * @param fadeFrames frames of cross-fade at the end of each segment (less than segmentFrames)
   */
  public VirtualCamera(IntFunction<Still> stills, int stillCount, int width, int height, int segmentFrames,
      int fadeFrames, long seed) {
    if (stillCount < 1 || segmentFrames < 2 || fadeFrames < 0 || fadeFrames >= segmentFrames) {
      throw new IllegalArgumentException("need >= 1 still, >= 2 frames per segment and 0 <= fade < segment, got "
          + stillCount + ", " + segmentFrames + ", " + fadeFrames);
    }
    this.stills = stills;
    this.stillCount = stillCount;
    this.width = width;
    this.height = height;
    this.segmentFrames = segmentFrames;
    this.fadeFrames = fadeFrames;
    this.seed = seed;
  }

  public int frameCount() {
    return stillCount * segmentFrames;
  }

  /** Frame {@code index} of the procedure. */
  public Shot frame(int index) {
    if (index < 0 || index >= frameCount()) {
      throw new IndexOutOfBoundsException("frame " + index + " of " + frameCount());
    }
    int segment = index / segmentFrames;
    int inSegment = index % segmentFrames;
    double t = inSegment / (double) (segmentFrames - 1);
    Still still = still(segment);
    BufferedImage image = film(still.image(), view(segment, t), false);
    BufferedImage mask = still.mask() == null ? null : film(still.mask(), view(segment, t), true);
    int fadeStart = segmentFrames - fadeFrames;
    if (segment + 1 < stillCount && inSegment >= fadeStart) {
      // Cross-fade towards where the next segment starts. A still's lesion counts as in view while
      // that still makes up at least a quarter of the picture (VISIBLE_ALPHA).
      float alpha = (inSegment - fadeStart + 1) / (float) (fadeFrames + 1);
      Still next = still(segment + 1);
      BufferedImage incoming = film(next.image(), view(segment + 1, 0), false);
      Graphics2D g = image.createGraphics();
      g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, alpha));
      g.drawImage(incoming, 0, 0, null);
      g.dispose();
      BufferedImage outgoing = 1 - alpha >= VISIBLE_ALPHA ? mask : null;
      BufferedImage arriving = alpha >= VISIBLE_ALPHA && next.mask() != null ? film(next.mask(), view(segment + 1, 0), true) : null;
      mask = union(outgoing, arriving);
    }
    SyntheticColon.blackOutsideScope(image, true);
    double fraction = 0;
    if (mask != null) {
      SyntheticColon.blackOutsideScope(mask, false);
      fraction = whiteFraction(mask);
    }
    return new Shot(image, fraction > 0 ? mask : null, fraction);
  }

  /** Smooth pan and zoom within one segment: ease-in-out from a start view to an end view. */
  View view(int segment, double t) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + segment);
    double s0 = 0.55 + 0.3 * r.nextDouble();
    double s1 = 0.55 + 0.3 * r.nextDouble();
    double ease = t * t * (3 - 2 * t);
    double side = s0 + (s1 - s0) * ease;
    double x0 = 0.5 + (r.nextDouble() - 0.5) * (1 - s0) * 0.9;
    double y0 = 0.5 + (r.nextDouble() - 0.5) * (1 - s0) * 0.9;
    double x1 = 0.5 + (r.nextDouble() - 0.5) * (1 - s1) * 0.9;
    double y1 = 0.5 + (r.nextDouble() - 0.5) * (1 - s1) * 0.9;
    return new View(x0 + (x1 - x0) * ease, y0 + (y1 - y0) * ease, side);
  }

  private BufferedImage film(BufferedImage src, View v, boolean mask) {
    // The viewed region keeps the output's aspect ratio; side is relative to the still's shorter side.
    double short_ = Math.min(src.getWidth(), src.getHeight());
    double viewH = v.side() * short_;
    double viewW = Math.min(src.getWidth(), viewH * width / height);
    viewH = viewW * height / width;
    double x = clamp(v.cx() * src.getWidth() - viewW / 2, 0, src.getWidth() - viewW);
    double y = clamp(v.cy() * src.getHeight() - viewH / 2, 0, src.getHeight() - viewH);
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, mask
        ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, width, height, (int) Math.round(x), (int) Math.round(y), (int) Math.round(x + viewW),
        (int) Math.round(y + viewH), null);
    g.dispose();
    return out;
  }

  private Still still(int k) {
    return cache.computeIfAbsent(k, stills::apply);
  }

  private static BufferedImage union(BufferedImage a, BufferedImage b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        if ((b.getRGB(x, y) & 0xFF) >= 128) {
          a.setRGB(x, y, 0xFFFFFF);
        }
      }
    }
    return a;
  }

  private static double whiteFraction(BufferedImage mask) {
    long white = 0;
    for (int y = 0; y < mask.getHeight(); y++) {
      for (int x = 0; x < mask.getWidth(); x++) {
        if ((mask.getRGB(x, y) & 0xFF) >= 128) {
          white++;
        }
      }
    }
    return white / (double) (mask.getWidth() * mask.getHeight());
  }

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
