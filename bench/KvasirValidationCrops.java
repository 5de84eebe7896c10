import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Polyp crops for choosing scoring options *without the test split*: the kvasir-crops test split is
 * the only source of anomalous crops, so every choice made on it (pooling, highlight masking,
 * which epoch) would be tuning on test data. This cuts polyp crops from the Kvasir-SEG frames that
 * are on the *training* side of kvasir-crops (a frame is on that side when its normal crops
 * {@code FRAME_nK.jpg} are in train/normal; frames that gave crops to neither side are left out),
 * following the crop rule written in ../shared/data/README.md:
 *
 * <ul>
 *   <li>the frame is scaled so its short side is 640 px;
 *   <li>a crop (224 px) must lie on tissue: no dark border pixel (luma <= 24, the field-of-view rule
 *       of live ingest), not in the left 22 % of the frame (on-screen text), not within 16 px of a
 *       green pixel (the scope-position inset);
 *   <li>the polyp crop is the tissue-only crop nearest to the polyp's centre holding >= 3 % polyp
 *       pixels (searched on a 2 px grid).
 * </ul>
 *
 * Output: OUT/anomalous/FRAME.jpg and OUT/masks/FRAME.png (binary 0/255). The crops share tissue
 * with training crops of the same frame (normal crops lie >= 16 px from the polyp, polyp crops
 * overlap them), so validation scores are biased low for the polyp side: good for comparing
 * options against each other, not as an accuracy figure.
 *
 * <p>Run: {@code java -cp target/endowatch.jar bench/KvasirValidationCrops.java ../shared/data OUT}
 *
 * <p>With {@code tiles} as a third argument it cuts, instead, every frame that is <em>not</em> on the
 * training side (never seen in training, in no part) into tissue-only tiles of the same 224 px at the
 * same scale, on a lattice of {@value #TILE_STEP} px (overlapping; a fourth argument sets another multiple of
 * {@value #CELL} px), so that a frame's anomaly map can
 * be stitched from the tiles' patch scores and compared with its polyp mask where the polyp is a
 * small part of the picture (bench/frame_localisation.py). Output: OUT/tiles/FRAME__cC_rR.jpg and
 * OUT/masks/FRAME__cC_rR.png, C and R the tile's top-left corner in cells of {@value #CELL} px from
 * the frame's first tissue column (22 % of its width) and its top row.
 */
public final class KvasirValidationCrops {
  static final int SHORT_SIDE = 640;
  static final int CROP = 224;
  static final int STEP = 2;
  static final int DARK = 24;
  static final int GREEN_MARGIN = 16;
  /** A micro patch (16 of 128 px) at the crops' scale: 224 / 8. */
  static final int CELL = 28;
  static final int TILE_STEP = 2 * CELL;

  public static void main(String[] args) throws IOException {
    boolean tiles = (args.length == 3 || args.length == 4) && args[2].equals("tiles");
    boolean stepOk = args.length < 4 || args[3].matches("[1-9]\\d{0,3}") && Integer.parseInt(args[3]) % CELL == 0;
    if (!(args.length == 2 || tiles) || !stepOk) {
      System.err.println("usage: KvasirValidationCrops SHARED_DATA_DIR OUT_DIR [tiles [STEP]]  (STEP: a multiple of "
          + CELL + " px, default " + TILE_STEP + ")");
      System.exit(2);
    }
    Path data = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Path trainNormal = data.resolve("kvasir-crops/train/normal");
    if (!Files.isDirectory(trainNormal) || !Files.isDirectory(data.resolve("kvasir-seg/images"))) {
      System.err.println("no kvasir-crops/train/normal or kvasir-seg/images under " + data + "; pass ../shared/data");
      System.exit(2);
    }
    Set<String> trainFrames;
    try (Stream<Path> s = Files.list(trainNormal)) {
      trainFrames = s.map(p -> p.getFileName().toString().replaceFirst("_n\\d+\\.jpg$", ""))
          .collect(Collectors.toCollection(TreeSet::new));
    }
    if (tiles) {
      tiles(data, trainFrames, out, args.length == 4 ? Integer.parseInt(args[3]) : TILE_STEP);
      return;
    }
    Files.createDirectories(out.resolve("anomalous"));
    Files.createDirectories(out.resolve("masks"));
    int written = 0;
    int none = 0;
    int i = 0;
    for (String frame : trainFrames) {
      i++;
      BufferedImage[] scaled = scaledFrame(data, frame);
      if (scaled == null) {
        none++;
        continue;
      }
      BufferedImage frameRgb = scaled[0];
      BufferedImage maskRgb = scaled[1];
      int[] best = polypCrop(frameRgb, maskRgb);
      if (best == null) {
        none++;
      } else {
        ImageIO.write(frameRgb.getSubimage(best[0], best[1], CROP, CROP), "jpg",
            out.resolve("anomalous/" + frame + ".jpg").toFile());
        ImageIO.write(maskCrop(maskRgb, best[0], best[1]), "png", out.resolve("masks/" + frame + ".png").toFile());
        written++;
      }
      if (i % 50 == 0) {
        System.err.printf("%d/%d frames, %d crops%n", i, trainFrames.size(), written);
      }
    }
    System.out.printf("%d training-side frames: %d polyp crops written to %s, %d without a tissue-only crop%n",
        trainFrames.size(), written, out, none);
  }

  /** Every frame off the training side, cut into the tissue-only tiles of the class comment. */
  static void tiles(Path data, Set<String> trainFrames, Path out, int step) throws IOException {
    Files.createDirectories(out.resolve("tiles"));
    Files.createDirectories(out.resolve("masks"));
    java.util.List<String> frames;
    try (Stream<Path> s = Files.list(data.resolve("kvasir-seg/images"))) {
      frames = s.map(p -> p.getFileName().toString().replaceFirst("\\.jpg$", ""))
          .filter(f -> !trainFrames.contains(f)).sorted().toList();
    }
    int tiles = 0;
    int i = 0;
    for (String frame : frames) {
      i++;
      BufferedImage[] scaled = scaledFrame(data, frame);
      if (scaled == null) {
        continue;
      }
      BufferedImage frameRgb = scaled[0];
      BufferedImage maskRgb = scaled[1];
      int w = frameRgb.getWidth();
      int h = frameRgb.getHeight();
      long[] bad = notTissue(frameRgb);
      int left = (int) Math.ceil(0.22 * w);
      for (int y = 0; y + CROP <= h; y += step) {
        for (int x = left; x + CROP <= w; x += step) {
          if (sum(bad, w, x, y) > 0) {
            continue;
          }
          String name = frame + "__c" + (x - left) / CELL + "_r" + y / CELL;
          ImageIO.write(frameRgb.getSubimage(x, y, CROP, CROP), "jpg", out.resolve("tiles/" + name + ".jpg").toFile());
          ImageIO.write(maskCrop(maskRgb, x, y), "png", out.resolve("masks/" + name + ".png").toFile());
          tiles++;
        }
      }
      if (i % 50 == 0) {
        System.err.printf("%d/%d frames, %d tiles%n", i, frames.size(), tiles);
      }
    }
    System.out.printf("%d frames off the training side: %d tissue-only tiles written to %s%n", frames.size(), tiles, out);
  }

  /** A frame and its mask scaled so the short side is SHORT_SIDE, or null (said on stderr) if either is unreadable. */
  static BufferedImage[] scaledFrame(Path data, String frame) throws IOException {
    BufferedImage img = ImageIO.read(data.resolve("kvasir-seg/images/" + frame + ".jpg").toFile());
    BufferedImage mask = ImageIO.read(data.resolve("kvasir-seg/masks/" + frame + ".jpg").toFile());
    if (img == null || mask == null) {
      System.err.println("unreadable image or mask for " + frame + "; skipped");
      return null;
    }
    double scale = SHORT_SIDE / (double) Math.min(img.getWidth(), img.getHeight());
    int w = (int) Math.round(img.getWidth() * scale);
    int h = (int) Math.round(img.getHeight() * scale);
    return new BufferedImage[] {resize(img, w, h), resize(mask, w, h)};
  }

  /** The binary mask (0/255) of the CROP x CROP window at (x0, y0). */
  static BufferedImage maskCrop(BufferedImage maskRgb, int x0, int y0) {
    BufferedImage m = new BufferedImage(CROP, CROP, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < CROP; y++) {
      for (int x = 0; x < CROP; x++) {
        m.getRaster().setSample(x, y, 0, polyp(maskRgb, x0 + x, y0 + y) ? 255 : 0);
      }
    }
    return m;
  }

  /** Integral image of the pixels a crop may not contain: the black border and the surroundings of green. */
  static long[] notTissue(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    long[] green = new long[(w + 1) * (h + 1)];
    long[] bad = new long[(w + 1) * (h + 1)];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        int k = (y + 1) * (w + 1) + x + 1;
        green[k] = green[k - 1] + green[k - w - 1] - green[k - w - 2] + (g > 80 && g > 1.4 * r && g > 1.4 * b ? 1 : 0);
      }
    }
    boolean[] border = border(img);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean nearGreen = rect(green, w, Math.max(0, x - GREEN_MARGIN), Math.max(0, y - GREEN_MARGIN),
            Math.min(w, x + GREEN_MARGIN + 1), Math.min(h, y + GREEN_MARGIN + 1)) > 0;
        int k = (y + 1) * (w + 1) + x + 1;
        bad[k] = bad[k - 1] + bad[k - w - 1] - bad[k - w - 2] + (border[y * w + x] || nearGreen ? 1 : 0);
      }
    }
    return bad;
  }

  /** Top-left corner of the rule's polyp crop, or null. */
  static int[] polypCrop(BufferedImage img, BufferedImage mask) {
    int w = img.getWidth();
    int h = img.getHeight();
    // Integral images of "not tissue" pixels (dark border, or near green) and of polyp pixels.
    long[] bad = notTissue(img);
    long[] pol = new long[(w + 1) * (h + 1)];
    double cx = 0;
    double cy = 0;
    long n = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean p = polyp(mask, x, y);
        if (p) {
          cx += x;
          cy += y;
          n++;
        }
        int k = (y + 1) * (w + 1) + x + 1;
        pol[k] = pol[k - 1] + pol[k - w - 1] - pol[k - w - 2] + (p ? 1 : 0);
      }
    }
    if (n == 0) {
      return null;
    }
    cx /= n;
    cy /= n;
    int left = (int) Math.ceil(0.22 * w);
    int[] best = null;
    double bestD = Double.MAX_VALUE;
    for (int y = 0; y + CROP <= h; y += STEP) {
      for (int x = left; x + CROP <= w; x += STEP) {
        if (sum(bad, w, x, y) > 0 || sum(pol, w, x, y) < 0.03 * CROP * CROP) {
          continue;
        }
        double d = Math.hypot(x + CROP / 2.0 - cx, y + CROP / 2.0 - cy);
        if (d < bestD) {
          bestD = d;
          best = new int[] {x, y};
        }
      }
    }
    return best;
  }

  /**
   * The black border: dark pixels (luma <= 24) connected to the frame's edge. Dark pixels inside the
   * view (the lumen, shadows) are tissue for the rule; the dataset's crops contain some.
   */
  static boolean[] border(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    boolean[] dark = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = img.getRGB(x, y);
        dark[y * w + x] = (299 * ((rgb >> 16) & 0xFF) + 587 * ((rgb >> 8) & 0xFF) + 114 * (rgb & 0xFF)) / 1000 <= DARK;
      }
    }
    boolean[] border = new boolean[w * h];
    java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>();
    for (int x = 0; x < w; x++) {
      todo.add(x);
      todo.add((h - 1) * w + x);
    }
    for (int y = 0; y < h; y++) {
      todo.add(y * w);
      todo.add(y * w + w - 1);
    }
    while (!todo.isEmpty()) {
      int i = todo.poll();
      if (border[i] || !dark[i]) {
        continue;
      }
      border[i] = true;
      int x = i % w;
      int y = i / w;
      if (x > 0) todo.add(i - 1);
      if (x < w - 1) todo.add(i + 1);
      if (y > 0) todo.add(i - w);
      if (y < h - 1) todo.add(i + w);
    }
    return border;
  }

  /** Sum of an integral image over [x0,x1) x [y0,y1). */
  static long rect(long[] integral, int w, int x0, int y0, int x1, int y1) {
    int s = w + 1;
    return integral[y1 * s + x1] - integral[y0 * s + x1] - integral[y1 * s + x0] + integral[y0 * s + x0];
  }

  static long sum(long[] integral, int w, int x, int y) {
    return rect(integral, w, x, y, x + CROP, y + CROP);
  }

  static boolean polyp(BufferedImage mask, int x, int y) {
    return ((mask.getRGB(x, y) >> 8) & 0xFF) > 127;
  }

  static BufferedImage resize(BufferedImage src, int w, int h) {
    BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = dst.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, w, h, null);
    g.dispose();
    return dst;
  }
}
