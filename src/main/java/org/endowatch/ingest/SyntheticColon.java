package org.endowatch.ingest;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * Procedural colonoscopy-like frames for demos and tests on machines without data: tissue colour
 * and speckle texture, mucosal folds, branching vessels, a dark lumen, specular highlights and the
 * black field-of-view border; optionally a polyp-like lesion (a raised, shaded, differently
 * textured blob) with its ground-truth mask. A frame is a pure function of (seed, index, lesion).
 */
public final class SyntheticColon {
  /** One generated frame and, for a lesion, its mask (white = lesion); mask is null without one. */
  public record Sample(BufferedImage image, BufferedImage mask) {}

  private final int width;
  private final int height;
  private final long seed;

  public SyntheticColon(int width, int height, long seed) {
    if (width < 32 || height < 32) {
      throw new IllegalArgumentException("synthetic frames need at least 32x32 px, got " + width + "x" + height);
    }
    this.width = width;
    this.height = height;
    this.seed = seed;
  }

  /** Frame {@code index}; with {@code lesion} a polyp is drawn and its mask returned. */
  public Sample frame(long index, boolean lesion) {
    return draw(index, lesion, true);
  }

  /**
   * The same scene without the scope's black border: a still for a virtual camera to move across
   * ({@link VirtualCamera}), which then adds the border to each frame it films.
   */
  public Sample scene(long index, boolean lesion) {
    return draw(index, lesion, false);
  }

  private Sample draw(long index, boolean lesion, boolean border) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    float s = Math.min(width, height);
    // Tissue: warm pink-red, brighter near the scope's light, darker towards the lumen.
    float lx = (float) (width * (0.3 + 0.4 * r.nextDouble()));
    float ly = (float) (height * (0.3 + 0.4 * r.nextDouble()));
    Color tissue = new Color(185 + r.nextInt(30), 80 + r.nextInt(30), 70 + r.nextInt(20));
    g.setPaint(new RadialGradientPaint(new Point2D.Float(lx, ly), s * 0.9f, new float[] {0f, 0.55f, 1f},
        new Color[] {new Color(20, 6, 8), tissue.darker(), brighter(tissue, 1.15)}));
    g.fillRect(0, 0, width, height);
    // Folds: soft darker arcs around the lumen.
    for (int i = 0; i < 4 + r.nextInt(4); i++) {
      float rad = (float) (s * (0.15 + 0.12 * i + 0.05 * r.nextDouble()));
      g.setStroke(new BasicStroke((float) (s * (0.01 + 0.015 * r.nextDouble()))));
      g.setColor(new Color(120, 40, 45, 90 + r.nextInt(60)));
      int start = r.nextInt(360);
      g.drawArc((int) (lx - rad), (int) (ly - rad), (int) (2 * rad), (int) (2 * rad), start, 90 + r.nextInt(180));
    }
    // Vessels: thin branching random walks.
    for (int v = 0; v < 3 + r.nextInt(4); v++) {
      vessel(g, r, r.nextDouble() * width, r.nextDouble() * height, r.nextDouble() * 2 * Math.PI, s * 0.35, 3);
    }
    // Speckle texture.
    for (int i = 0; i < width * height / 40; i++) {
      int x = r.nextInt(width);
      int y = r.nextInt(height);
      int d = r.nextInt(25) - 12;
      int c = img.getRGB(x, y);
      img.setRGB(x, y, shift(c, d));
    }
    BufferedImage mask = null;
    if (lesion) {
      mask = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      polyp(g, mask, r, lx, ly, s);
    }
    // Specular highlights: small white glints where the light hits wet mucosa.
    for (int i = 0; i < 2 + r.nextInt(6); i++) {
      float w = (float) (s * (0.01 + 0.025 * r.nextDouble()));
      g.setColor(new Color(255, 255, 250, 200 + r.nextInt(55)));
      g.fill(new Ellipse2D.Float((float) (r.nextDouble() * width), (float) (r.nextDouble() * height), w, w * (0.5f + (float) r.nextDouble())));
    }
    g.dispose();
    if (border) {
      blackOutsideScope(img, true);
      if (mask != null) {
        blackOutsideScope(mask, false);
      }
    }
    return new Sample(img, mask);
  }

  /**
   * Blacks out everything outside the scope's round field of view (radius 0.56 of the shorter
   * side, centred, so a square frame shows an octagon-like view clipped by its edges). Masks are
   * drawn without antialiasing so they stay binary.
   */
  public static void blackOutsideScope(BufferedImage img, boolean antialias) {
    int w = img.getWidth();
    int h = img.getHeight();
    Path2D.Float outside = new Path2D.Float(Path2D.WIND_EVEN_ODD);
    outside.append(new java.awt.Rectangle(0, 0, w, h), false);
    float fov = Math.min(w, h) * 0.56f;
    outside.append(new Ellipse2D.Float(w / 2f - fov, h / 2f - fov, 2 * fov, 2 * fov), false);
    Graphics2D g = img.createGraphics();
    if (antialias) {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    }
    g.setColor(Color.BLACK);
    g.fill(outside);
    g.dispose();
  }

  private void polyp(Graphics2D g, BufferedImage mask, SplittableRandom r, float lx, float ly, float s) {
    float rad = (float) (s * (0.08 + 0.10 * r.nextDouble()));
    // Away from the dark lumen, inside the field of view.
    double angle = r.nextDouble() * 2 * Math.PI;
    float dist = (float) (s * (0.15 + 0.15 * r.nextDouble()));
    float cx = clamp(width / 2f + (float) Math.cos(angle) * dist, rad, width - rad);
    float cy = clamp(height / 2f + (float) Math.sin(angle) * dist, rad, height - rad);
    float aspect = (float) (0.7 + 0.6 * r.nextDouble());
    Ellipse2D.Float blob = new Ellipse2D.Float(cx - rad, cy - rad * aspect, 2 * rad, 2 * rad * aspect);
    Color base = new Color(215 + r.nextInt(30), 140 + r.nextInt(40), 120 + r.nextInt(30));
    // Raised: lit from the scope's side, shadowed opposite.
    g.setPaint(new RadialGradientPaint(new Point2D.Float(cx - rad * 0.35f, cy - rad * 0.35f * aspect), rad * 1.3f,
        new float[] {0f, 0.7f, 1f}, new Color[] {brighter(base, 1.2), base, base.darker().darker()}));
    g.fill(blob);
    // Its own texture: pits and a crisp rim.
    java.awt.Shape clip = g.getClip();
    g.clip(blob);
    for (int i = 0; i < (int) (rad * rad / 6); i++) {
      g.setColor(new Color(150, 70, 70, 120));
      float px = cx - rad + (float) r.nextDouble() * 2 * rad;
      float py = cy - rad * aspect + (float) r.nextDouble() * 2 * rad * aspect;
      g.fill(new Ellipse2D.Float(px, py, 1.5f, 1.5f));
    }
    g.setClip(clip);
    g.setStroke(new BasicStroke(Math.max(1f, s * 0.006f)));
    g.setColor(new Color(110, 35, 35, 180));
    g.draw(blob);
    Graphics2D mg = mask.createGraphics();
    mg.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
    mg.setColor(Color.WHITE);
    mg.fill(blob);
    mg.dispose();
  }

  private static void vessel(Graphics2D g, SplittableRandom r, double x, double y, double dir, double length, int depth) {
    g.setStroke(new BasicStroke((float) (0.6 + depth * 0.5)));
    g.setColor(new Color(140, 30, 50, 110 + depth * 25));
    double step = 3;
    for (double t = 0; t < length; t += step) {
      dir += (r.nextDouble() - 0.5) * 0.5;
      double nx = x + Math.cos(dir) * step;
      double ny = y + Math.sin(dir) * step;
      g.drawLine((int) x, (int) y, (int) nx, (int) ny);
      x = nx;
      y = ny;
      if (depth > 1 && r.nextDouble() < 0.03) {
        vessel(g, r, x, y, dir + (r.nextBoolean() ? 0.8 : -0.8), length * 0.5, depth - 1);
      }
    }
  }

  private static Color brighter(Color c, double f) {
    return new Color(Math.min(255, (int) (c.getRed() * f)), Math.min(255, (int) (c.getGreen() * f)),
        Math.min(255, (int) (c.getBlue() * f)));
  }

  private static int shift(int rgb, int d) {
    int red = Math.max(0, Math.min(255, ((rgb >> 16) & 0xFF) + d));
    int green = Math.max(0, Math.min(255, ((rgb >> 8) & 0xFF) + d));
    int blue = Math.max(0, Math.min(255, (rgb & 0xFF) + d));
    return (red << 16) | (green << 8) | blue;
  }

  private static float clamp(float v, float lo, float hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
