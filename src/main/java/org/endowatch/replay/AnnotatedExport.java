package org.endowatch.replay;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongConsumer;
import javax.imageio.ImageIO;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.GroundTruth;
import org.endowatch.ingest.IngestException;
import org.endowatch.ingest.VideoWriter;

/**
 * An annotated video of a recorded procedure for review and teaching: each frame with its heatmap
 * burned in (patches over the model's patch threshold, red to yellow), a score bar under it (the
 * threshold marked, red when over), and a red border with "ALERT" while an alert is open; a frame
 * the scorer rejected to the dead-letter topic says so, with the reason, where a score would be; with
 * the procedure's annotated lesions, a cyan band under the strip marks every frame that shows one,
 * so that a lesion without the red border is a miss to look at.
 * Frames are streamed; only scores, heatmaps and alerts (small) are held in memory.
 */
public final class AnnotatedExport {
  /** Height of the strip under each frame holding the score bar and text. */
  static final int STRIP = 28;
  /** The band at the strip's foot on frames that show an annotated lesion, and its colour. */
  static final int LESION_BAND = 3;
  static final Color LESION = Color.CYAN;

  /** Topic names to read from: the live outputs, or a re-scoring's suffixed ones. */
  public record Sources(String frames, String scores, String heatmaps, String alerts, String deadLetters) {
    public static Sources live() {
      return new Sources(Topics.FRAMES.name(), Topics.SCORES.name(), Topics.HEATMAPS.name(), Topics.ALERTS.name(),
          Topics.FRAMES_DLQ.name());
    }

    /**
     * A re-scoring's topics, {@code frames.TAG} (its copies of the frames, made later than the live
     * ones, so they outlast them) and {@code scores.TAG} ...
     */
    public Sources tagged(String tag) {
      return new Sources(frames + "." + tag, scores + "." + tag, heatmaps + "." + tag, alerts + "." + tag, deadLetters + "." + tag);
    }

    public List<String> all() {
      return List.of(frames, scores, heatmaps, alerts, deadLetters);
    }
  }

  /**
   * What was written.
   *
   * @param inLesion frames in an annotated lesion (0 without annotations)
   * @param inLesionNoAlert of those, frames with no alert open: what the model missed
   * @param resized frames of another size than the first, fitted to its size
   */
  public record Summary(long frames, long scored, long inAlert, long rejected, long inLesion, long inLesionNoAlert, double fps,
      int width, int height, long resized) {}

  /** Alert intervals [start, end] by frame index; an alert without an end runs to the last frame. */
  record Interval(long start, long end) {}

  private AnnotatedExport() {}

  /** {@link #write(Properties, Sources, String, GroundTruth, Path, LongConsumer)} without annotated lesions. */
  public static Summary write(Properties client, Sources topics, String procedure, Path out, LongConsumer progress)
      throws IngestException {
    return write(client, topics, procedure, null, out, progress);
  }

  /** @param truth the procedure's annotated lesions, or null */
  public static Summary write(Properties client, Sources topics, String procedure, GroundTruth truth, Path out,
      LongConsumer progress) throws IngestException {
    VideoWriter.checkTarget(out);   // before reading the procedure back
    Map<Long, Score> scores = new HashMap<>();
    ProcedureRecords.forEach(client, topics.scores(), procedure, Topics.SCORES.valueSerde().deserializer(), 0,
        r -> scores.put(r.value().frameIndex(), r.value()));
    Map<Long, Heatmap> heatmaps = new HashMap<>();
    ProcedureRecords.forEach(client, topics.heatmaps(), procedure, Topics.HEATMAPS.valueSerde().deserializer(), 0,
        r -> heatmaps.put(r.value().frameIndex(), r.value()));
    Map<String, Interval> byAlert = new HashMap<>();
    ProcedureRecords.forEach(client, topics.alerts(), procedure, Topics.ALERTS.valueSerde().deserializer(), 0, r -> {
      AlertEvent a = r.value();
      byAlert.put(a.alertId(), new Interval(a.startFrame(), a.type().equals(AlertEvent.END) ? a.endFrame() : Long.MAX_VALUE));
    });
    List<Interval> alerts = new ArrayList<>(byAlert.values());
    // Why the scorer refused a frame, by frame index: only dead letters that read as a frame of this
    // procedure have one (a record whose headers were what was wrong is not on the frames read below either).
    Map<Long, String> rejected = new HashMap<>();
    ProcedureRecords.forEach(client, topics.deadLetters(), procedure, Topics.FRAMES_DLQ.valueSerde().deserializer(), 0, r -> {
      Frame f = r.value().frameOf(procedure);
      if (f != null) {
        rejected.put(f.frameIndex(), r.value().reason());
      }
    });
    // Frame rate from the recorded capture times (the median gap), so the video plays at the
    // procedure's pace. Every frame has an outcome in scores, which carries its capture time: that
    // spares reading every image twice. Only an unscored procedure needs a pass over its frames.
    List<Long> captures = new ArrayList<>(scores.values().stream()
        .sorted(java.util.Comparator.comparingLong(Score::frameIndex)).map(Score::captureTimestampMs).toList());
    if (captures.isEmpty()) {
      ProcedureRecords.forEach(client, topics.frames(), procedure, Topics.FRAMES.valueSerde().deserializer(), 0,
          r -> captures.add(r.value().captureTimestampMs()));
    }
    double fps = fps(captures);
    long[] written = {0, 0, 0, 0, 0, 0, 0};
    int[] size = {0, 0};
    int[] picture = {0, 0};
    VideoWriter[] writer = {null};
    try {
      ProcedureRecords.forEach(client, topics.frames(), procedure, Topics.FRAMES.valueSerde().deserializer(), 0, r -> {
        Frame f = r.value();
        BufferedImage img = decode(f);
        if (writer[0] == null) {
          picture[0] = img.getWidth();
          picture[1] = img.getHeight();
          size[0] = even(img.getWidth());
          size[1] = even(img.getHeight() + STRIP);
          writer[0] = open(out, size[0], size[1], fps);
        } else if (img.getWidth() != picture[0] || img.getHeight() != picture[1]) {
          // A video has one size: a frame of another (the camera's resolution changed mid-procedure)
          // is fitted to the first one's, with its heatmap, rather than cut off or ending the export.
          img = fitted(img, picture[0], picture[1]);
          written[6]++;
        }
        Score s = scores.get(f.frameIndex());
        boolean inAlert = alerts.stream().anyMatch(a -> f.frameIndex() >= a.start() && f.frameIndex() <= a.end());
        String rejectedBecause = s == null ? rejected.get(f.frameIndex()) : null;
        boolean inLesion = truth != null && truth.anomalous(f.frameIndex());
        BufferedImage frame = render(img, s, rejectedBecause, heatmaps.get(f.frameIndex()), inAlert, inLesion, f.frameIndex(),
            size[0], size[1]);
        write(writer[0], frame);
        written[0]++;
        written[1] += s != null && s.isScored() ? 1 : 0;
        written[2] += inAlert ? 1 : 0;
        written[3] += rejectedBecause != null ? 1 : 0;
        written[4] += inLesion ? 1 : 0;
        written[5] += inLesion && !inAlert ? 1 : 0;
        progress.accept(written[0]);
      });
    } catch (Unchecked e) {
      throw e.cause;
    } finally {
      if (writer[0] != null) {
        writer[0].close();
      }
    }
    if (written[0] == 0) {
      throw new IngestException("no frames of procedure " + procedure + " on " + topics.frames()
          + " (wrong id, or its frames are past the topic's retention)");
    }
    return new Summary(written[0], written[1], written[2], written[3], written[4], written[5], fps, size[0], size[1],
        written[6]);
  }

  static double fps(List<Long> captures) {
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < captures.size(); i++) {
      long gap = captures.get(i) - captures.get(i - 1);
      if (gap > 0) {
        gaps.add(gap);
      }
    }
    if (gaps.isEmpty()) {
      return 25;
    }
    gaps.sort(Long::compare);
    double fps = 1000.0 / gaps.get(gaps.size() / 2);
    return Math.max(1, Math.min(120, fps));
  }

  /**
   * One annotated frame: the picture with its overlay, then the strip.
   *
   * @param rejected why the scorer sent it to the dead-letter topic instead of scoring it, or null
   * @param inLesion whether the annotations say a lesion is in view
   */
  static BufferedImage render(BufferedImage img, Score s, String rejected, Heatmap h, boolean inAlert, boolean inLesion,
      long index, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.drawImage(img, 0, 0, null);
    if (h != null) {
      overlay(out, h, img.getWidth(), img.getHeight());
    }
    if (inAlert) {
      g.setColor(Color.RED);
      g.setStroke(new BasicStroke(4));
      g.drawRect(2, 2, img.getWidth() - 4, img.getHeight() - 4);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString("ALERT", 8, 20);
    }
    int top = img.getHeight();
    g.setColor(Color.BLACK);
    g.fillRect(0, top, width, height - top);
    g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 10));
    g.setColor(Color.LIGHT_GRAY);
    if (s == null && rejected != null) {
      g.drawString("#" + index + "  rejected by the scorer: " + rejected, 4, top + 24);
    } else if (s == null) {
      g.drawString("#" + index + "  not scored", 4, top + 24);
    } else if (!s.isScored()) {
      g.drawString("#" + index + "  skipped: " + s.skipReason(), 4, top + 24);
    } else {
      // The bar spans 0 .. 2 x threshold, so the threshold sits in the middle.
      int barWidth = width - 8;
      double fill = Math.min(1, s.score() / (2 * s.threshold()));
      g.setColor(new Color(60, 60, 60));
      g.fillRect(4, top + 4, barWidth, 8);
      g.setColor(s.anomalous() ? Color.RED : new Color(80, 200, 120));
      g.fillRect(4, top + 4, (int) (barWidth * fill), 8);
      g.setColor(Color.WHITE);
      g.drawLine(4 + barWidth / 2, top + 2, 4 + barWidth / 2, top + 13);
      g.setColor(Color.LIGHT_GRAY);
      g.drawString(String.format(Locale.ROOT, "#%d  score %.4f  thr %.4f", index, s.score(), s.threshold()), 4, top + 24);
    }
    if (inLesion) {
      // Below the text, the strip's last rows: nothing else is drawn there.
      g.setColor(LESION);
      g.fillRect(0, height - LESION_BAND, width, LESION_BAND);
    }
    g.dispose();
    return out;
  }

  /** Patches over the patch threshold tinted from red (just over) to yellow (twice the threshold). */
  static void overlay(BufferedImage out, Heatmap h, int width, int height) {
    float[] up = h.upsample(width, height);
    float thr = h.patchThreshold();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        float v = up[y * width + x];
        if (v <= thr) {
          continue;
        }
        float t = Math.min(1f, thr > 0 ? (v - thr) / thr : 1f);
        int rgb = out.getRGB(x, y);
        int r = ((rgb >> 16) & 0xFF);
        int gr = ((rgb >> 8) & 0xFF);
        int b = rgb & 0xFF;
        // 45 % tint keeps the tissue under the heatmap visible.
        r = (int) (r * 0.55 + 255 * 0.45);
        gr = (int) (gr * 0.55 + 255 * t * 0.45);
        b = (int) (b * 0.55);
        out.setRGB(x, y, (r << 16) | (gr << 8) | b);
      }
    }
  }

  private static BufferedImage decode(Frame f) {
    try {
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(f.image()));
      if (img != null) {
        return img;
      }
    } catch (IOException ignored) {
      // reported below as a blank frame: one bad frame must not end a review export
    }
    BufferedImage blank = new BufferedImage(f.width(), f.height(), BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = blank.createGraphics();
    g.setColor(Color.GRAY);
    g.drawString("undecodable frame", 8, f.height() / 2);
    g.dispose();
    return blank;
  }

  private static BufferedImage fitted(BufferedImage img, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, width, height, null);
    g.dispose();
    return out;
  }

  private static int even(int v) {
    return v % 2 == 0 ? v : v + 1;
  }

  /** Carries an IngestException out of a consumer callback. */
  private static final class Unchecked extends RuntimeException {
    final IngestException cause;

    Unchecked(IngestException cause) {
      super(cause);
      this.cause = cause;
    }
  }

  private static VideoWriter open(Path out, int w, int h, double fps) {
    try {
      return new VideoWriter(out, w, h, fps);
    } catch (IngestException e) {
      throw new Unchecked(e);
    }
  }

  private static void write(VideoWriter w, BufferedImage img) {
    try {
      w.write(img);
    } catch (IngestException e) {
      throw new Unchecked(e);
    }
  }
}
