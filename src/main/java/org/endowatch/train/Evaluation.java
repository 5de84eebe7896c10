package org.endowatch.train;

import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.endowatch.contract.Heatmap;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.endowatch.score.AnomalyScorer;

/**
 * {@code endowatch eval}: image-level ROC AUC on held-out normal and anomalous images, and pixel
 * IoU of the thresholded anomaly map against lesion masks following the paper's protocol (five
 * random groups of 100 anomalous images; mean and std over groups). Thresholds come from the
 * model's calibration, never from the test set.
 */
public final class Evaluation {
  static final int GROUPS = 5;
  static final int GROUP_SIZE = 100;

  private Evaluation() {}

  /**
   * One anomalous image's localisation: IoU at the patch threshold, the IoU of flagging every pixel
   * (the lesion's share of the image), and which patches are lesion (at least half their mask
   * pixels), for the threshold-free patch AUC. Small on purpose: eval keeps one per image.
   */
  record Case(FolderScorer.Scored scored, double iou, double flagAllIou, boolean[] lesionPatches) {
    /** Whether the image has lesion and other patches, so a patch AUC within it exists. */
    boolean mixed() {
      int lesion = 0;
      for (boolean t : lesionPatches) {
        lesion += t ? 1 : 0;
      }
      return lesion > 0 && lesion < lesionPatches.length;
    }
  }

  /** A gallery row: the image read again, its reconstruction scored again, its mask. */
  record GalleryRow(Case c, BufferedImage image, float[] reconstruction, boolean[] mask, int maskWidth, int maskHeight) {}

  public static Map<String, Object> run(Path modelDir, Path normalDir, Path anomalousDir, Path masksDir, Path outDir,
      String schedule, String pooling, Integer mapHalvings, String device, DataType precision, PrintWriter progress) {
    ModelManifest manifest = ModelArtifact.readManifest(modelDir);
    if (!manifest.calibrated()) {
      throw new IllegalArgumentException("model " + modelDir + " is not calibrated: run 'endowatch calibrate --model "
          + modelDir + " --normal DIR' on held-out normal images first (eval uses its thresholds, never the test set's)");
    }
    List<Path> normalFiles = Images.list(normalDir);
    List<Path> anomalousFiles = Images.list(anomalousDir);
    // Allowed (a check of how the model sees its own data), but never an accuracy figure.
    Path normalAbs = normalDir.toAbsolutePath().normalize();
    if (Calibration.trainingDirs(manifest).contains(normalAbs)) {
      progress.println("warning: --normal " + normalDir + " is a folder the model trained on: its images score lower than "
          + "unseen ones and flatter the AUC; evaluate on normal images it never saw");
    } else if (manifest.calibration() != null && manifest.calibration().get("normalFolder") instanceof String calibrated
        && Path.of(calibrated).toAbsolutePath().normalize().equals(normalAbs)) {
      progress.println("warning: --normal " + normalDir + " is the folder the thresholds were calibrated on: the false "
          + "alarms at the threshold are the calibrated rate by construction; evaluate on other normal images");
    }
    // The report folder before any scoring: a folder that cannot be made should not cost the minutes first.
    try {
      Files.createDirectories(outDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the report folder " + outDir + ": " + e.getMessage(), e);
    }
    if (masksDir != null) {
      checkMasks(anomalousFiles, masksDir);
    }
    String usedSchedule = schedule != null ? schedule : manifest.maskSchedule();
    String usedPooling = pooling != null ? pooling : manifest.imagePooling();
    int usedHalvings = mapHalvings != null ? mapHalvings : manifest.mapHalvingsOrZero();
    double patchThreshold = manifest.patchThreshold();
    FolderScorer.Outcome normal;
    FolderScorer.Outcome anomalous;
    List<Case> cases = new ArrayList<>();
    List<GalleryRow> gallery = List.of();
    String usedDevice;
    String usedPrecision;
    try (ModelArtifact.Loaded model = ModelArtifact.load(modelDir, device, precision)) {
      usedDevice = model.device().toString();
      usedPrecision = ModelArtifact.noteHowItRuns(model, progress);
      AnomalyScorer scorer = new AnomalyScorer(model.network(), model.manager(), MaskSchedule.parse(usedSchedule), usedPooling,
          usedHalvings);
      normal = FolderScorer.score(scorer, normalFiles, false, "normal", progress).readableIn(normalDir);
      anomalous = FolderScorer.score(scorer, anomalousFiles, false, "anomalous", progress).readableIn(anomalousDir);
      if (masksDir != null) {
        for (FolderScorer.Scored s : anomalous.scored()) {
          cases.add(caseOf(s, masksDir, patchThreshold));
        }
        gallery = gallery(cases, masksDir, scorer);
      }
    }
    double[] n = normal.scored().stream().mapToDouble(s -> s.result().imageScore()).toArray();
    double[] a = anomalous.scored().stream().mapToDouble(s -> s.result().imageScore()).toArray();
    double threshold = manifest.imageThreshold();

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model", manifest.version());
    report.put("preset", manifest.config().preset());
    report.put("mask_schedule", usedSchedule);
    report.put("image_pooling", usedPooling);
    report.put("map_halvings", usedHalvings);
    report.put("auc", Metrics.auc(n, a));
    report.put("auc_mean_pooling", Metrics.auc(pooled(normal, false), pooled(anomalous, false)));
    report.put("auc_max_pooling", Metrics.auc(pooled(normal, true), pooled(anomalous, true)));
    report.put("n_normal", n.length);
    report.put("n_anomalous", a.length);
    report.put("threshold", threshold);
    report.put("patch_threshold", patchThreshold);
    report.put("true_positive_rate_at_threshold", fractionAbove(a, threshold));
    report.put("false_positive_rate_at_threshold", fractionAbove(n, threshold));
    if (manifest.calibration() != null && manifest.calibration().get("falseAlarmRate") instanceof Number rate) {
      report.put("false_alarm_rate_calibrated", rate.doubleValue());
    }
    if (manifest.calibration() != null && manifest.calibration().get("images") instanceof Number images) {
      report.put("calibration_images", images.intValue());
    }
    report.put("device", usedDevice);
    report.put("precision", usedPrecision);
    report.put("ms_per_image", (normal.msPerImage() * n.length + anomalous.msPerImage() * a.length) / (n.length + a.length));
    report.put("skipped_corrupt", normal.skipped().size() + anomalous.skipped().size());

    if (masksDir != null) {
      double[] groupIous = groupMeans(cases, Case::iou);
      double[] ms = Metrics.meanStd(groupIous);
      report.put("iou_mean", ms[0]);
      report.put("iou_std", ms[1]);
      report.put("iou_groups", groupIous.length);
      report.put("iou_group_size", Math.min(GROUP_SIZE, cases.size()));
      // What IoU means on these images: a map flagging every pixel scores the lesions' share of the
      // image (on kvasir-crops, where the crop rule centres the polyp, about three quarters).
      report.put("iou_flag_all_mean", Metrics.meanStd(groupMeans(cases, Case::flagAllIou))[0]);
      // Localisation without a threshold: does the map rank lesion patches above the others?
      report.put("patch_auc", patchAuc(cases));
      List<Case> mixed = cases.stream().filter(Case::mixed).toList();
      report.put("patch_auc_within_image_mean", mixed.isEmpty() ? null
          : mixed.stream().mapToDouble(c -> patchAuc(List.of(c))).average().orElseThrow());
      report.put("patch_auc_within_image_n", mixed.size());
    }
    write(outDir, report, n, a, gallery);
    writeScores(outDir.resolve("scores.csv"), normal, anomalous);
    return report;
  }

  private static double[] pooled(FolderScorer.Outcome o, boolean max) {
    return o.scored().stream().mapToDouble(s -> {
      float[] p = s.result().patchScores();
      double v = max ? Double.NEGATIVE_INFINITY : 0;
      for (float x : p) {
        v = max ? Math.max(v, x) : v + x / (double) p.length;
      }
      return v;
    }).toArray();
  }

  private static double fractionAbove(double[] scores, double t) {
    return java.util.Arrays.stream(scores).filter(s -> s > t).count() / (double) scores.length;
  }

  /**
   * Every anomalous image has a readable mask of its own size, from the files' headers, before any
   * scoring: a wrong masks folder should not cost the minutes of scoring first. An image that does
   * not read is left to scoring, which skips and counts it.
   */
  static void checkMasks(List<Path> anomalous, Path masksDir) {
    for (Path f : anomalous) {
      Path m = maskFile(f, masksDir);
      if (m == null) {
        throw new IllegalArgumentException("no mask for " + f.getFileName() + " in " + masksDir
            + " (expected a .png/.jpg with the same file stem)");
      }
      int[] image = Images.size(f);
      int[] mask = Images.size(m);
      if (image != null && mask == null) {
        throw new IllegalArgumentException("mask " + m + " for " + f.getFileName() + " is unreadable");
      }
      if (image != null && (mask[0] != image[0] || mask[1] != image[1])) {
        throw new IllegalArgumentException("mask " + m.getFileName() + " is " + mask[0] + "x" + mask[1]
            + " but image " + f.getFileName() + " is " + image[0] + "x" + image[1]);
      }
    }
  }

  static Path maskFile(Path image, Path masksDir) {
    String name = image.getFileName().toString();
    String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
    for (String ext : List.of(".png", ".jpg", ".jpeg", ".bmp")) {
      Path m = masksDir.resolve(stem + ext);
      if (Files.isRegularFile(m)) {
        return m;
      }
    }
    return null;
  }

  private static Case caseOf(FolderScorer.Scored s, Path masksDir, double patchThreshold) {
    Mask m = mask(s, masksDir);
    AnomalyScorer.Result r = s.result();
    float[] map = Heatmap.upsample(r.patchScores(), r.gridSize(), r.gridSize(), m.width(), m.height());
    boolean[] predicted = new boolean[map.length];
    int lesion = 0;
    for (int i = 0; i < map.length; i++) {
      predicted[i] = map[i] > patchThreshold;
      lesion += m.pixels()[i] ? 1 : 0;
    }
    // Flagging every pixel: the intersection is the lesion, the union the whole image.
    return new Case(s, Metrics.iou(predicted, m.pixels()), lesion / (double) map.length, lesionPatches(m, r.gridSize()));
  }

  /** A binary mask at its own size. */
  record Mask(boolean[] pixels, int width, int height) {}

  private static Mask mask(FolderScorer.Scored s, Path masksDir) {
    Path maskPath = maskFile(s.file(), masksDir);
    BufferedImage mask;
    try {
      mask = Images.read(maskPath);
    } catch (IOException e) {
      throw new IllegalArgumentException("mask " + maskPath + " for " + s.file().getFileName() + " is unreadable", e);
    }
    if (mask.getWidth() != s.width() || mask.getHeight() != s.height()) {
      throw new IllegalArgumentException("mask " + maskPath.getFileName() + " is " + mask.getWidth() + "x" + mask.getHeight()
          + " but image " + s.file().getFileName() + " is " + s.width() + "x" + s.height());
    }
    int w = mask.getWidth();
    int h = mask.getHeight();
    boolean[] truth = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        truth[y * w + x] = (mask.getRGB(x, y) & 0xFF) > 127;
      }
    }
    return new Mask(truth, w, h);
  }

  /** A patch (one cell of the grid laid over the mask) is lesion when at least half of its pixels are. */
  static boolean[] lesionPatches(Mask m, int grid) {
    boolean[] out = new boolean[grid * grid];
    for (int row = 0; row < grid; row++) {
      for (int col = 0; col < grid; col++) {
        int lesion = 0;
        int total = 0;
        for (int y = row * m.height() / grid; y < (row + 1) * m.height() / grid; y++) {
          for (int x = col * m.width() / grid; x < (col + 1) * m.width() / grid; x++) {
            lesion += m.pixels()[y * m.width() + x] ? 1 : 0;
            total++;
          }
        }
        out[row * grid + col] = total > 0 && 2 * lesion >= total;
      }
    }
    return out;
  }

  /** Patch AUC pooled over the cases, or null where their patches are all of one kind. */
  static Double patchAuc(List<Case> cases) {
    List<Double> lesion = new ArrayList<>();
    List<Double> other = new ArrayList<>();
    for (Case c : cases) {
      float[] p = c.scored().result().patchScores();
      for (int i = 0; i < p.length; i++) {
        (c.lesionPatches()[i] ? lesion : other).add((double) p[i]);
      }
    }
    if (lesion.isEmpty() || other.isEmpty()) {
      return null;
    }
    return Metrics.auc(other.stream().mapToDouble(Double::doubleValue).toArray(),
        lesion.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The three best and three worst cases by IoU, read and scored again with their reconstruction. */
  private static List<GalleryRow> gallery(List<Case> cases, Path masksDir, AnomalyScorer scorer) {
    List<Case> sorted = new ArrayList<>(cases);
    sorted.sort(Comparator.comparingDouble(Case::iou).reversed());
    List<Case> chosen = new ArrayList<>(sorted.subList(0, Math.min(3, sorted.size())));
    chosen.addAll(sorted.subList(Math.max(chosen.size(), sorted.size() - 3), sorted.size()));
    List<GalleryRow> rows = new ArrayList<>();
    for (Case c : chosen) {
      FolderScorer.Outcome again = FolderScorer.score(scorer, List.of(c.scored().file()), true, "gallery",
          new PrintWriter(java.io.Writer.nullWriter()));
      Mask m = mask(c.scored(), masksDir);
      try {
        rows.add(new GalleryRow(c, Images.read(c.scored().file()), again.scored().get(0).result().reconstruction(),
            m.pixels(), m.width(), m.height()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + c.scored().file() + " again for the gallery: " + e.getMessage(), e);
      }
    }
    return rows;
  }

  /** The paper's protocol: GROUPS random groups of GROUP_SIZE images (fixed seed), the mean of {@code value} per group. */
  static double[] groupMeans(List<Case> cases, java.util.function.ToDoubleFunction<Case> value) {
    if (cases.size() <= GROUP_SIZE) {
      return new double[] {cases.stream().mapToDouble(value).average().orElse(Double.NaN)};
    }
    Random rng = new Random(0);
    double[] out = new double[GROUPS];
    for (int g = 0; g < GROUPS; g++) {
      List<Case> shuffled = new ArrayList<>(cases);
      Collections.shuffle(shuffled, rng);
      out[g] = shuffled.subList(0, GROUP_SIZE).stream().mapToDouble(value).average().orElse(Double.NaN);
    }
    return out;
  }

  /**
   * One row per image: file, class, image score, then the patch scores (row-major over the patch
   * grid), so pooling rules can be studied offline without scoring again.
   */
  static void writeScores(Path file, FolderScorer.Outcome normal, FolderScorer.Outcome anomalous) {
    StringBuilder csv = new StringBuilder("file,class,image_score,patch_scores\n");
    for (var entry : List.of(Map.entry("normal", normal), Map.entry("anomalous", anomalous))) {
      for (FolderScorer.Scored s : entry.getValue().scored()) {
        csv.append(s.file().getFileName()).append(',').append(entry.getKey()).append(',')
            .append(String.format(Locale.ROOT, "%.6f", s.result().imageScore())).append(',');
        float[] p = s.result().patchScores();
        for (int i = 0; i < p.length; i++) {
          csv.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.5f", p[i]));
        }
        csv.append('\n');
      }
    }
    try {
      Files.writeString(file, csv.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * What the numbers say, in sentences, from a report as {@link #run} returns it: the line an
   * engineer retraining on their own procedures reads first. Two judgements: normal images go over
   * the threshold clearly more often than calibrated for at 3 of them and 3x the rate, and a
   * threshold that rests on too few calibration images ({@link Metrics#STEADY_THRESHOLD_RANK}).
   */
  public static List<String> reading(Map<String, Object> report) {
    List<String> lines = new ArrayList<>();
    double auc = (double) report.get("auc");
    if (auc < 0.5) {
      // The third cause is chest-xray's (docs/BENCHMARKS.md): diffuse opacities rebuild better than lung structure.
      lines.add(String.format(Locale.ROOT, "AUC %.3f is below chance (0.5): these anomalous images score lower than the "
          + "normal ones. The model has not learned what this normal tissue looks like (too little training, or training "
          + "images unlike these), these anomalies hold less structure than normal tissue and rebuild more easily, or "
          + "the two folders are the wrong way round.", auc));
    } else {
      lines.add(String.format(Locale.ROOT, "AUC %.3f: an anomalous image scores above a normal one %.1f %% of the time "
          + "(0.5 is chance, 1 perfect).", auc, auc * 100));
    }
    int nNormal = (int) report.get("n_normal");
    int nAnomalous = (int) report.get("n_anomalous");
    long falseAlarms = Math.round((double) report.get("false_positive_rate_at_threshold") * nNormal);
    long flagged = Math.round((double) report.get("true_positive_rate_at_threshold") * nAnomalous);
    Double calibrated = (Double) report.get("false_alarm_rate_calibrated");
    lines.add(String.format(Locale.ROOT, "At the calibrated threshold %.4f: %d of %d anomalous images flagged, %d of %d "
        + "normal ones%s.", (double) report.get("threshold"), flagged, nAnomalous, falseAlarms, nNormal,
        calibrated == null ? "" : " (calibrated for " + Metrics.percent(calibrated) + " false alarms)"));
    // (A threshold calibrated for 0 % is the highest calibration score: no rate to be a multiple of.)
    if (calibrated != null && calibrated > 0 && falseAlarms >= 3 && falseAlarms > 3 * calibrated * nNormal) {
      // Few calibration images put the threshold on a handful of scores, which alone can miss the rate
      // by this much.
      Integer images = (Integer) report.get("calibration_images");
      int rank = images == null ? Integer.MAX_VALUE : Metrics.thresholdRank(images, calibrated);
      lines.add(String.format(Locale.ROOT, "Normal images here go over the threshold %.0fx as often as calibrated for: "
          + "%sthese images are unlike the calibration frames (another unit, light source or processor). Calibrate on "
          + "more normal frames like these before relying on live alerts.", falseAlarms / (calibrated * nNormal),
          rank < Metrics.STEADY_THRESHOLD_RANK ? String.format(Locale.ROOT, "%d calibration images were too few to place it (it is their %s highest "
              + "score), or ", images, Metrics.ordinal(rank)) : ""));
    } else if (flagged == 0 && nAnomalous > 0) {
      lines.add("No anomalous image reaches the threshold: live alerts would not fire on lesions like these.");
    }
    if (report.get("patch_auc") instanceof Double patchAuc) {
      lines.add(String.format(Locale.ROOT, "Heatmap: a lesion patch scores above another patch %.1f %% of the time "
          + "(patch AUC %.3f; 0.5 is chance%s); IoU %.3f at the patch threshold, against %.3f for flagging every pixel.",
          patchAuc * 100, patchAuc, patchAuc < 0.5 ? ", below it the map favours other patches over the lesion's" : "",
          (double) report.get("iou_mean"), (double) report.get("iou_flag_all_mean")));
    }
    return lines;
  }

  private static void write(Path outDir, Map<String, Object> report, double[] n, double[] a, List<GalleryRow> gallery) {
    try {
      Files.createDirectories(outDir);
      org.endowatch.model.ModelArtifact.JSON.writeValue(outDir.resolve("report.json").toFile(), report);
      ReportImages.roc(Metrics.roc(n, a), (double) report.get("auc"), outDir.resolve("roc.png"));
      if (!gallery.isEmpty()) {
        ReportImages.gallery(gallery, (double) report.get("patch_threshold"), outDir.resolve("gallery.png"));
      }
      StringBuilder md = new StringBuilder("# Evaluation report\n\n| metric | value |\n|---|---|\n");
      report.forEach((k, v) -> md.append("| ").append(k).append(" | ")
          .append(v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : v).append(" |\n"));
      md.append("\n## Reading\n\n");
      reading(report).forEach(line -> md.append(line).append("\n\n"));
      if (report.containsKey("iou_flag_all_mean")) {
        md.append(String.format(Locale.ROOT, "How to read localisation: `iou_mean` is the IoU at the calibrated patch threshold; "
            + "a map that flagged every pixel would score `iou_flag_all_mean` (%.3f here), so an IoU means something only "
            + "above that. `patch_auc` needs no threshold: 0.5 means the map does not point at the lesions, below 0.5 it "
            + "points away from them (a patch is lesion when at least half of its mask pixels are).%n",
            (double) report.get("iou_flag_all_mean")));
      }
      md.append("\n![ROC](roc.png)\n");
      if (!gallery.isEmpty()) {
        md.append("\nBest three and worst three anomalous images by IoU (image | reconstruction | heatmap overlay | mask):\n\n")
            .append("![gallery](gallery.png)\n");
      }
      Files.writeString(outDir.resolve("report.md"), md.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write report to " + outDir + ": " + e.getMessage(), e);
    }
  }
}
