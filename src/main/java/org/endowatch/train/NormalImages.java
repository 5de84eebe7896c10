package org.endowatch.train;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

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
          log.accept("skipping " + e.getMessage());
        }
      }
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no readable images in " + folders + " (" + skipped.size() + " corrupt)");
    }
    return new NormalImages(files, images, skipped, resized);
  }

  /** True if this file belongs to the validation hold-out (about {@code fraction} of files, by name). */
  public static boolean heldOut(Path file, double fraction) {
    int h = file.getFileName().toString().hashCode() & 0x7fffffff;
    return (h % 10_000) < fraction * 10_000;
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
