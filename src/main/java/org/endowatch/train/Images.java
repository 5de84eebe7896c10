package org.endowatch.train;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.endowatch.score.Pixels;

/** Image files to model input: decode, resize to a square side, and lay out as [C,H,W] floats in [0,1]. */
public final class Images {
  private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp");

  private Images() {}

  /** The image files directly in {@code dir}, sorted by name (so runs are reproducible). */
  public static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("image folder " + dir + " does not exist or is not a directory");
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> images = files.filter(Files::isRegularFile).filter(Images::isImageFile).sorted().toList();
      if (images.isEmpty()) {
        // A dataset's top folder (kvasir-crops/train) given for its images folder (train/normal): say which.
        List<String> below = subfoldersWithImages(dir);
        throw new IllegalArgumentException("image folder " + dir + " holds no .jpg/.jpeg/.png/.bmp files"
            + (below.isEmpty() ? "" : " (its subfolder" + (below.size() == 1 ? " " : "s ") + String.join(", ", below)
                + (below.size() == 1 ? " does: give that folder itself)" : " do: give one of them itself)")));
      }
      return images;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list image folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private static boolean isImageFile(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return EXTENSIONS.stream().anyMatch(name::endsWith);
  }

  /** The names of {@code dir}'s folders that hold image files directly, sorted. */
  private static List<String> subfoldersWithImages(Path dir) throws IOException {
    try (Stream<Path> subs = Files.list(dir)) {
      return subs.filter(Files::isDirectory).filter(d -> {
        try (Stream<Path> in = Files.list(d)) {
          return in.anyMatch(f -> Files.isRegularFile(f) && isImageFile(f));
        } catch (IOException e) {
          return false;
        }
      }).map(d -> d.getFileName().toString()).sorted().toList();
    }
  }

  /** Decodes a file; throws IOException with the file named when it is not a readable image. */
  public static BufferedImage read(Path file) throws IOException {
    return read(file, bytes(file));
  }

  /** The file's bytes; IOException with the file named when it cannot be read. */
  static byte[] bytes(Path file) throws IOException {
    try {
      return java.nio.file.Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IOException(file + " cannot be read (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  /** {@link #read(Path)} of the file's bytes, already read ({@code file} names it in errors). */
  static BufferedImage read(Path file, byte[] bytes) throws IOException {
    BufferedImage img;
    try {
      // In memory: ImageIO.read of a plain stream would first copy it to a cache file in the temp folder.
      img = ImageIO.read(new javax.imageio.stream.MemoryCacheImageInputStream(new java.io.ByteArrayInputStream(bytes)));
    } catch (IOException | RuntimeException e) {
      throw unreadable(file, e);
    }
    if (img == null) {
      throw new IOException(file + " is not a readable image (unknown or corrupt format)");
    }
    return img;
  }

  /**
   * What a decoder's failure on {@code file} means. ImageIO wraps an out-of-memory error of its
   * decoder in an IIOException: that is no corrupt file, and counting it as one skipped an image and
   * went on to fail later with less said; it is thrown again as the error it is, the file named.
   */
  static IOException unreadable(Path file, Exception e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof OutOfMemoryError oom) {
        OutOfMemoryError named = new OutOfMemoryError("out of memory decoding " + file + " (" + oom.getMessage()
            + "): give Java a larger heap (java -Xmx<size> -jar ...)");
        named.initCause(e);
        throw named;
      }
    }
    return new IOException(file + " is not a readable image: " + e.getMessage(), e);
  }

  /**
   * Width and height from the file's header, without decoding its pixels (checking hundreds of
   * masks against their images before minutes of scoring); null when no reader knows the file.
   */
  public static int[] size(Path file) {
    try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      var readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        return null;
      }
      javax.imageio.ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return new int[] {reader.getWidth(0), reader.getHeight(0)};
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Loads files resized to side x side into one [N,C,H,W] array. */
  public static float[] load(List<Path> files, int side, int channels) throws IOException {
    float[] out = new float[files.size() * channels * side * side];
    for (int i = 0; i < files.size(); i++) {
      Pixels.toChw(Pixels.resize(read(files.get(i)), side), channels, out, i * channels * side * side);
    }
    return out;
  }
}
