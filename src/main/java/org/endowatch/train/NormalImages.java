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
 * A training set of normal images, decoded once into memory while they take at most half the
 * heap; past that, as a unit's own procedures cut every few frames soon are (30,000 frames of 256 px
 * take 5.9 GB decoded, the heap of a 24 GB machine is 6 GB), kept as their files' bytes and decoded
 * as each is used: slower, but the same pixels, so the same training. Corrupt files are skipped and
 * reported, never fatal; images of other sizes are kept (augmentation resizes) and counted. A
 * deterministic hold-out by file name keeps a validation split out of training for calibration.
 */
public final class NormalImages {
  /** The share of the heap decoded images may take; the rest is the trainer's. */
  static final double DECODED_SHARE = 0.5;
  /** A line every this many images read, in sets larger than that (about 5 s of reading 256 px frames here). */
  static final int PROGRESS_EVERY = 5_000;

  private final List<Path> files;
  private final List<Held> images;
  private final List<String> skipped;
  private final int resizedCount;

  /** One image as held: decoded, or its file's bytes to decode when used. */
  private interface Held {
    BufferedImage image();
  }

  private record Decoded(BufferedImage image) implements Held {}

  private record Compressed(Path file, byte[] bytes) implements Held {
    @Override
    public BufferedImage image() {
      try {
        return Images.read(file, bytes);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot decode " + file + " again: " + e.getMessage(), e);
      }
    }
  }

  private NormalImages(List<Path> files, List<Held> images, List<String> skipped, int resized) {
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
    return load(folders, expectedSide, log, (long) (Runtime.getRuntime().maxMemory() * DECODED_SHARE));
  }

  /** As {@link #load(List, int, Consumer)}, with {@code budget} bytes of heap for the images. */
  static NormalImages load(List<Path> folders, int expectedSide, Consumer<String> log, long budget) {
    return load(folders, expectedSide, log, budget, PROGRESS_EVERY);
  }

  static NormalImages load(List<Path> folders, int expectedSide, Consumer<String> log, long budget, int progressEvery) {
    List<Path> all = new ArrayList<>();
    for (Path folder : folders) {
      all.addAll(Images.list(folder));
    }
    List<Path> files = new ArrayList<>();
    List<Held> images = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    int resized = 0;
    long decodedBytes = 0;
    long compressedBytes = 0;
    boolean compressing = false;
    int read = 0;
    for (Path f : all) {
      try {
        byte[] bytes = Images.bytes(f);
        BufferedImage img = Images.read(f, bytes);
        if (img.getWidth() != expectedSide || img.getHeight() != expectedSide) {
          resized++;
        }
        decodedBytes += bytesOf(img);
        compressedBytes += bytes.length;
        if (!compressing && decodedBytes > budget) {
          compressing = true;
          for (int i = 0; i < images.size(); i++) {
            images.set(i, new Compressed(files.get(i), again(files.get(i))));
          }
        }
        if (compressing && compressedBytes > budget) {
          throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the training images take more "
              + "than %.1f GB even as their files (%d read so far of %s): more than half of this JVM's heap; train on "
              + "fewer (a larger --every for videos and procedures) or give Java more (java -Xmx<size> -jar ..., or "
              + "JAVA_TOOL_OPTIONS=-Xmx<size> in a container)",
              budget / 1e9, images.size() + 1, folders));
        }
        files.add(f);
        images.add(compressing ? new Compressed(f, bytes) : new Decoded(img));
      } catch (IOException e) {
        skipped.add(f.toString());
        log.accept("skipping: " + e.getMessage());
      }
      if (++read % progressEvery == 0 && all.size() > progressEvery) {
        log.accept("reading images: " + read + "/" + all.size());
      }
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no readable images in " + folders + " (" + skipped.size() + " corrupt)");
    }
    if (compressing) {
      log.accept(String.format(java.util.Locale.ROOT, "note: the %d training images take %.1f GB decoded, more than half of "
          + "this JVM's heap (%.1f GB): they are kept as their files (%.1f GB) and decoded as each is used, which is slower "
          + "(java -Xmx<size> -jar ..., or JAVA_TOOL_OPTIONS=-Xmx<size> in a container, keeps them decoded)", images.size(),
          decodedBytes / 1e9, 2 * budget / 1e9, compressedBytes / 1e9));
    }
    return new NormalImages(files, images, skipped, resized);
  }

  /** A file read a moment ago, read again: failing now is not a corrupt file to skip but the folder changing under us. */
  private static byte[] again(Path file) {
    try {
      return Images.bytes(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e.getMessage() + " any more", e);
    }
  }

  /** What a decoded image holds on the heap: its pixel arrays. */
  private static long bytesOf(BufferedImage img) {
    java.awt.image.DataBuffer b = img.getRaster().getDataBuffer();
    return (long) b.getSize() * b.getNumBanks() * java.awt.image.DataBuffer.getDataTypeSize(b.getDataType()) / 8;
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
    List<Held> im = new ArrayList<>();
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
    return images.get(i).image();
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
