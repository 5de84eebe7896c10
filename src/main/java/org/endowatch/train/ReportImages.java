package org.endowatch.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.endowatch.contract.Heatmap;

/** The pictures of an evaluation report: the ROC curve and a gallery of best and worst cases. */
final class ReportImages {
  private static final int TILE = 160;

  private ReportImages() {}

  static void roc(double[][] points, double auc, Path file) throws IOException {
    int size = 420;
    int m = 40;
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, size, size);
    int plot = size - 2 * m;
    g.setColor(Color.LIGHT_GRAY);
    g.drawLine(m, size - m, size - m, m);
    g.setColor(Color.BLACK);
    g.drawRect(m, m, plot, plot);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString("false positive rate", size / 2 - 50, size - 12);
    g.drawString("TPR", 6, size / 2);
    g.drawString(String.format(Locale.ROOT, "ROC, AUC = %.4f", auc), m + 8, m + 18);
    g.setColor(new Color(0xC0392B));
    g.setStroke(new BasicStroke(2f));
    for (int i = 1; i < points.length; i++) {
      g.drawLine(m + (int) (points[i - 1][0] * plot), size - m - (int) (points[i - 1][1] * plot),
          m + (int) (points[i][0] * plot), size - m - (int) (points[i][1] * plot));
    }
    g.dispose();
    ImageIO.write(img, "png", file.toFile());
  }

  static void gallery(List<Evaluation.GalleryRow> rows, double patchThreshold, Path file) throws IOException {
    BufferedImage img = new BufferedImage(4 * TILE, rows.size() * TILE, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
    for (int row = 0; row < rows.size(); row++) {
      Evaluation.GalleryRow r = rows.get(row);
      Evaluation.Case c = r.c();
      int y = row * TILE;
      g.drawImage(r.image(), 0, y, TILE, TILE, null);
      g.drawImage(reconstruction(r.reconstruction()), TILE, y, TILE, TILE, null);
      g.drawImage(r.image(), 2 * TILE, y, TILE, TILE, null);
      g.drawImage(overlay(c.scored().result().patchScores(), c.scored().result().gridSize(), patchThreshold), 2 * TILE, y, TILE, TILE, null);
      g.drawImage(mask(r), 3 * TILE, y, TILE, TILE, null);
      g.setColor(Color.YELLOW);
      g.drawString(String.format(Locale.ROOT, "IoU %.2f  score %.4f", c.iou(), c.scored().result().imageScore()), 4, y + 14);
    }
    g.dispose();
    ImageIO.write(img, "png", file.toFile());
  }

  private static BufferedImage reconstruction(float[] r) {
    int side = (int) Math.round(Math.sqrt(r.length / 3.0));
    int channels = r.length / (side * side);
    BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    int plane = side * side;
    for (int i = 0; i < plane; i++) {
      int red = (int) (r[i] * 255);
      int green = channels == 3 ? (int) (r[plane + i] * 255) : red;
      int blue = channels == 3 ? (int) (r[2 * plane + i] * 255) : red;
      out.setRGB(i % side, i / side, (red << 16) | (green << 8) | blue);
    }
    return out;
  }

  /** Translucent heat colours: transparent well below the patch threshold, red above it. */
  static BufferedImage overlay(float[] grid, int gridSize, double patchThreshold) {
    int side = TILE;
    float[] up = Heatmap.upsample(grid, gridSize, gridSize, side, side);
    BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_ARGB);
    for (int i = 0; i < up.length; i++) {
      double t = Math.max(0, Math.min(1, up[i] / (2 * patchThreshold)));
      int red = (int) (255 * Math.min(1, 2 * t));
      int green = (int) (255 * Math.max(0, 1 - Math.abs(2 * t - 1) * 2) * 0.8);
      int blue = (int) (255 * Math.max(0, 1 - 2 * t));
      int alpha = (int) (200 * t);
      out.setRGB(i % side, i / side, (alpha << 24) | (red << 16) | (green << 8) | blue);
    }
    return out;
  }

  private static BufferedImage mask(Evaluation.GalleryRow r) {
    BufferedImage out = new BufferedImage(r.maskWidth(), r.maskHeight(), BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < r.mask().length; i++) {
      out.setRGB(i % r.maskWidth(), i / r.maskWidth(), r.mask()[i] ? 0xFFFFFF : 0);
    }
    return out;
  }
}
