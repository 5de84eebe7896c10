package org.endowatch.train;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.endowatch.model.MemMcMaeConfig;
import org.endowatch.score.AnomalyScorer;
import org.endowatch.score.Pixels;

/** Scores every image of a list in batches, with progress; corrupt files are skipped and named. */
final class FolderScorer {
  static final int FRAMES_PER_BATCH = 8;

  /** One scored file and its size as read (the picture itself is not kept: eval may score thousands of frames). */
  record Scored(Path file, int width, int height, AnomalyScorer.Result result) {}

  /** All scored files, the corrupt ones, and the time spent per image. */
  record Outcome(List<Scored> scored, List<String> skipped, double msPerImage) {
    /**
     * Itself, when an image of {@code dir} was scored; a folder whose every image was skipped is
     * said as what to fix, not left to fail later as an empty class or an empty threshold.
     */
    Outcome readableIn(Path dir) {
      if (scored.isEmpty()) {
        throw new IllegalArgumentException("no readable images in " + dir + " (" + skipped.size() + " corrupt, each named above)");
      }
      return this;
    }
  }

  private FolderScorer() {}

  static Outcome score(AnomalyScorer scorer, List<Path> files, boolean withReconstruction, String label,
      PrintWriter progress) {
    MemMcMaeConfig c = scorer.config();
    int side = c.imageSize();
    int chw = c.channels() * side * side;
    List<Scored> out = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    long nanos = 0;
    // Whether the progress line ("label: n/m images scored", rewritten in place) is open: a skip is
    // said on a line of its own, and no empty line is left when nothing was scored.
    boolean lineOpen = false;
    for (int start = 0; start < files.size(); start += FRAMES_PER_BATCH) {
      List<Path> chunk = files.subList(start, Math.min(files.size(), start + FRAMES_PER_BATCH));
      List<Path> ok = new ArrayList<>();
      List<int[]> sizes = new ArrayList<>();
      float[] pixels = new float[chunk.size() * chw];
      for (Path f : chunk) {
        try {
          BufferedImage img = Images.read(f);
          Pixels.toChw(Pixels.resize(img, side), c.channels(), pixels, ok.size() * chw);
          ok.add(f);
          sizes.add(new int[] {img.getWidth(), img.getHeight()});
        } catch (IOException e) {
          skipped.add(f.toString());
          if (lineOpen) {
            progress.println();
            lineOpen = false;
          }
          progress.println("skipping: " + e.getMessage());
        }
      }
      if (ok.isEmpty()) {
        continue;
      }
      float[] used = ok.size() == chunk.size() ? pixels : java.util.Arrays.copyOf(pixels, ok.size() * chw);
      long t0 = System.nanoTime();
      List<AnomalyScorer.Result> results = scorer.score(used, ok.size(), withReconstruction);
      nanos += System.nanoTime() - t0;
      for (int i = 0; i < ok.size(); i++) {
        out.add(new Scored(ok.get(i), sizes.get(i)[0], sizes.get(i)[1], results.get(i)));
      }
      progress.printf(Locale.ROOT, "\r%s: %d/%d images scored", label, out.size(), files.size());
      lineOpen = true;
    }
    if (lineOpen) {
      progress.println();
    }
    return new Outcome(out, skipped, out.isEmpty() ? 0 : nanos / 1e6 / out.size());
  }
}
