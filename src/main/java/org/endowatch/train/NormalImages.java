package org.endowatch.train;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A training set of normal images, decoded once into memory. Corrupt files are skipped and
 * reported, never fatal; images of other sizes are kept (augmentation resizes) and counted. A
 * deterministic hold-out by file name keeps a validation split out of training for calibration.
 */
public final class NormalImages {
  private final List<Path> files;
  private final List<BufferedImage> images;
  private final List<String> skipped;
  private final int resizedCount;

  private NormalImages(List<Path> files, List<BufferedImage> images, List<String> skipped, int resized) {
    this.files = files;
    this.images = images;
    this.skipped = skipped;
    this.resizedCount = resized;
  }

  /**
   * Loads every image of the folders.
   *
   * @param expectedSide images of another size are still used, and counted as resized
   * @param log receives one line per corrupt file
   */
  public static NormalImages load(List<Path> folders, int expectedSide, Consumer<String> log) {
    List<Path> files = new ArrayList<>();
    List<BufferedImage> images = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    int resized = 0;
    for (Path folder : folders) {
      for (Path f : Images.list(folder)) {
        try {
          BufferedImage img = Images.read(f);
          if (img.getWidth() != expectedSide || img.getHeight() != expectedSide) {
            resized++;
          }
          files.add(f);
          images.add(img);
        } catch (IOException e) {
          skipped.add(f.toString());
          log.accept("skipping: " + e.getMessage());
        }
      }
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no readable images in " + folders + " (" + skipped.size() + " corrupt)");
    }
    return new NormalImages(files, images, skipped, resized);
  }

  /** Frames of one video or recorded procedure, as ingest --out-dir and train --data write them. */
  private static final Pattern VIDEO_FRAME = Pattern.compile("(.+)-(\\d{6})\\.jpg");
  /** Consecutive video frames held out or kept together: 250 frames (10 s at 25 fps). */
  static final int FRAME_BLOCK = 250;

  /**
   * True if this file belongs to the validation hold-out (about {@code fraction} of files, by name).
   * Frames of a video ({@code SOURCE-000123.jpg}) go by blocks of {@link #FRAME_BLOCK} consecutive
   * frames: a held-out frame whose neighbours 40 ms away were trained on is nearly a training image,
   * and calibrating on such frames would set the threshold too low for unseen tissue.
   */
  public static boolean heldOut(Path file, double fraction) {
    String name = file.getFileName().toString();
    Matcher m = VIDEO_FRAME.matcher(name);
    if (!m.matches()) {
      int h = name.hashCode() & 0x7fffffff;
      return (h % 10_000) < fraction * 10_000;
    }
    // String.hashCode of "a#1" and "a#2" differ by 1, which would put all blocks of a video on one
    // side; a SplitMix64 finaliser spreads consecutive blocks.
    long z = m.group(1).hashCode() * 0x9E3779B97F4A7C15L + Long.parseLong(m.group(2)) / FRAME_BLOCK;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return ((z >>> 1) % 10_000) < fraction * 10_000;
  }

  /** The video or procedure a frame file was cut from ({@code SOURCE} of {@code SOURCE-000123.jpg}), if it is one. */
  public static Optional<String> frameSource(Path file) {
    Matcher m = VIDEO_FRAME.matcher(file.getFileName().toString());
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** The training part: every image not held out. */
  public NormalImages training(double valFraction) {
    return filter(valFraction, false);
  }

  /** The validation part. */
  public NormalImages validation(double valFraction) {
    return filter(valFraction, true);
  }

  private NormalImages filter(double fraction, boolean held) {
    List<Path> f = new ArrayList<>();
    List<BufferedImage> im = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      if (heldOut(files.get(i), fraction) == held) {
        f.add(files.get(i));
        im.add(images.get(i));
      }
    }
    return new NormalImages(f, im, skipped, resizedCount);
  }

  public int size() {
    return images.size();
  }

  public BufferedImage image(int i) {
    return images.get(i);
  }

  public List<Path> files() {
    return files;
  }

  public List<String> skipped() {
    return skipped;
  }

  public int resizedCount() {
    return resizedCount;
  }
}
