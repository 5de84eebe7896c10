package org.endowatch.ingest;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Procedure videos with ground truth: a virtual camera films stills (synthetic scenes or real
 * frames), each frame goes to the video, and the frames in which a lesion covers at least
 * {@link #MIN_LESION_FRACTION} of the picture make up the anomaly intervals.
 */
public final class ProcedureVideo {
  /** A lesion smaller than this share of the frame (0.2 %, about 11x11 px at 256x256) is not counted as visible. */
  public static final double MIN_LESION_FRACTION = 0.002;

  private ProcedureVideo() {}

  /** Films every frame of {@code camera} into {@code video} and writes its ground truth beside it. */
  public static GroundTruth write(VirtualCamera camera, int width, int height, double fps, long seed, Path video,
      IntConsumer progress) throws IngestException {
    GroundTruth truth;
    try (VideoWriter writer = new VideoWriter(video, width, height, fps)) {
      truth = ProcedureVideo.<IngestException>film(camera, width, height, fps, seed, video.getFileName().toString(), writer::write, progress);
    }
    try {
      truth.write(GroundTruth.pathFor(video));
    } catch (IOException e) {
      throw new IngestException("cannot write ground truth beside " + video + ": " + e.getMessage(), e);
    }
    return truth;
  }

  /**
   * The same pictures as {@link #write}, on-screen text included, handed to {@code frames} as they
   * are drawn instead of through a video codec: for a machine without FFmpeg's natives (the bench on
   * a GPU host) or a check that must not depend on the codec. Its ground truth names {@code name}.
   */
  public static GroundTruth render(VirtualCamera camera, int width, int height, double fps, long seed, String name,
      Consumer<BufferedImage> frames) {
    return ProcedureVideo.<RuntimeException>film(camera, width, height, fps, seed, name, frames::accept, i -> {});
  }

  private interface FrameSink<E extends Exception> {
    void accept(BufferedImage frame) throws E;
  }

  private static <E extends Exception> GroundTruth film(VirtualCamera camera, int width, int height, double fps, long seed,
      String name, FrameSink<E> sink, IntConsumer progress) throws E {
    boolean[] anomalous = new boolean[camera.frameCount()];
    for (int i = 0; i < anomalous.length; i++) {
      VirtualCamera.Shot shot = camera.frame(i);
      anomalous[i] = shot.lesionFraction() >= MIN_LESION_FRACTION;
      overlayText(shot.image(), i, fps);
      sink.accept(shot.image());
      progress.accept(i + 1);
    }
    return new GroundTruth(name, fps, anomalous.length, width, height, seed, GroundTruth.intervals(anomalous));
  }

  /**
   * Burns in what endoscopy processors show in the black border (a label and the elapsed time),
   * so ingest's field-of-view detection is tested against on-screen text as in real videos.
   */
  static void overlayText(BufferedImage frame, int index, double fps) {
    java.awt.Graphics2D g = frame.createGraphics();
    g.setColor(new java.awt.Color(230, 230, 230));
    g.setFont(new java.awt.Font(java.awt.Font.MONOSPACED, java.awt.Font.PLAIN, Math.max(8, frame.getHeight() / 24)));
    long s = (long) (index / fps);
    g.drawString("ENDO", 2, frame.getHeight() / 16);
    g.drawString(String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60), 2, frame.getHeight() - 4);
    g.dispose();
  }

  /**
   * Synthetic scenes, each shown for one segment; {@code lesions} of them (spread evenly, never the
   * first, so a procedure starts on normal tissue) carry a polyp.
   */
  public static VirtualCamera synthetic(int segments, int lesions, int width, int height, int segmentFrames,
      long seed) {
    if (lesions > Math.max(0, segments - 1)) {
      throw new IllegalArgumentException("at most " + Math.max(0, segments - 1) + " of " + segments
          + " segments can show a lesion (the first is always normal), asked for " + lesions);
    }
    boolean[] withLesion = new boolean[segments];
    for (int j = 0; j < lesions; j++) {
      withLesion[1 + (int) ((j + 0.5) * (segments - 1) / lesions)] = true;
    }
    // Scenes at twice the frame size, so the camera can zoom in without blurring them.
    SyntheticColon colon = new SyntheticColon(2 * Math.max(width, height), 2 * Math.max(width, height), seed);
    return new VirtualCamera(k -> {
      SyntheticColon.Sample s = colon.scene(k, withLesion[k]);
      return new VirtualCamera.Still(s.image(), s.mask());
    }, segments, width, height, segmentFrames, Math.min(segmentFrames / 4, 12), seed);
  }

  /**
   * Real stills from {@code images} (sorted by name), with masks of the same file stem from
   * {@code masks} when given. At most {@code limit} stills are used. With {@code normals}, a
   * normal still (cycling through that folder) comes before each of them, so the procedure
   * alternates normal tissue and lesions as a real one does.
   */
  public static VirtualCamera fromImages(Path images, Path masks, Path normals, int limit, int width, int height,
      int segmentFrames, long seed) throws IngestException {
    List<Path> files = imageFiles(images);
    if (files.isEmpty()) {
      throw new IngestException("no images (.png, .jpg, .jpeg, .bmp) in " + images + ": point --from-images at a folder of stills");
    }
    List<Path> normalFiles = normals == null ? List.of() : imageFiles(normals);
    if (normals != null && normalFiles.isEmpty()) {
      throw new IngestException("no images (.png, .jpg, .jpeg, .bmp) in " + normals + " (--normal-images)");
    }
    List<Path> used = files.subList(0, Math.min(limit, files.size()));
    if (masks != null) {
      // Checked before filming: a still without its mask would read as one without a lesion, and a
      // wrong --masks folder give ground truth that says no lesion was ever in view.
      if (!Files.isDirectory(masks)) {
        throw new IngestException("not a folder: " + masks + " (--masks)");
      }
      for (Path p : used) {
        if (maskPath(masks, p) == null) {
          throw new IngestException("no mask for " + p.getFileName() + " in " + masks + " (a file of the same name, .png, "
              + ".jpg, .jpeg or .bmp): give the masks folder of these images, or leave out --masks");
        }
      }
    }
    List<Path> sequence = new java.util.ArrayList<>();
    for (int i = 0; i < used.size(); i++) {
      if (!normalFiles.isEmpty()) {
        sequence.add(normalFiles.get(i % normalFiles.size()));
      }
      sequence.add(used.get(i));
    }
    java.util.Set<Path> normal = java.util.Set.copyOf(normalFiles);
    return new VirtualCamera(k -> {
      Path file = sequence.get(k);
      BufferedImage image = read(file);
      BufferedImage mask = masks == null || normal.contains(file) ? null : maskFor(masks, file);
      return new VirtualCamera.Still(image, mask);
    }, sequence.size(), width, height, segmentFrames, Math.min(segmentFrames / 4, 12), seed);
  }

  static List<Path> imageFiles(Path dir) throws IngestException {
    if (!Files.isDirectory(dir)) {
      throw new IngestException("not a folder: " + dir);
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> isImage(p.getFileName().toString())).sorted().toList();
    } catch (IOException e) {
      throw new IngestException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  static boolean isImage(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp");
  }

  private static BufferedImage maskFor(Path masks, Path image) {
    return read(maskPath(masks, image));
  }

  /** The file with the image's stem in {@code masks}, or null. */
  private static Path maskPath(Path masks, Path image) {
    String stem = image.getFileName().toString().replaceFirst("\\.[^.]+$", "");
    for (String ext : new String[] {".png", ".jpg", ".jpeg", ".bmp"}) {
      Path m = masks.resolve(stem + ext);
      if (Files.isRegularFile(m)) {
        return m;
      }
    }
    return null;
  }

  private static BufferedImage read(Path file) {
    try {
      BufferedImage img = ImageIO.read(file.toFile());
      if (img == null) {
        throw new IllegalArgumentException("not a readable image: " + file);
      }
      return img;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
