package org.endowatch.train;

import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.endowatch.score.AnomalyScorer;

/**
 * {@code endowatch calibrate}: scores normal validation images and stores in the manifest the
 * image threshold that at most the target false-alarm rate of them exceed, and the same for patch
 * scores (used for localisation). Images the model was trained on are never used: when the folder
 * is a training folder, only the held-out files listed in {@code validation-files.txt} count; in
 * any other folder, frames of a video or procedure the model was trained on count only where they
 * lie in a held-out block (a frame next to a trained one is nearly a training image; see
 * {@link NormalImages#heldOut}).
 */
public final class Calibration {
  /** What calibration stored. */
  public record Result(double imageThreshold, double patchThreshold, int images, int excludedTraining,
      List<String> skipped, String maskSchedule, String pooling, int mapHalvings, String version) {}

  private Calibration() {}

  /**
   * @param source what the user named as normal data (this folder, or the video or recorded procedure
   *     whose frames were put into it); recorded in the manifest with the thresholds
   * @param schedule, pooling, mapHalvings how to score (null: the manifest's); stored with the thresholds
   * @param device auto, cpu or gpu (thresholds do not depend on it: the same model gives the same scores)
   * @param precision fp32 or fp16 scoring (null: the manifest's); stored with the thresholds, which hold for it
   */
  public static Result run(Path modelDir, Path normalDir, String source, double falseAlarmRate, String schedule,
      String pooling, Integer mapHalvings, String device, DataType precision, PrintWriter progress) {
    ModelManifest manifest = ModelArtifact.readManifest(modelDir);
    List<Path> files = Images.list(normalDir);
    Set<Path> trainingDirs = trainingDirs(manifest);
    int excluded = 0;
    if (trainingDirs.contains(normalDir.toAbsolutePath().normalize())) {
      Set<String> held = heldOut(modelDir);
      List<Path> kept = files.stream().filter(f -> held.contains(f.getFileName().toString())).toList();
      excluded = files.size() - kept.size();
      files = kept;
      progress.printf("%s was used for training: calibrating on its %d held-out images only (%d other files were used in training or skipped)%n",
          normalDir, files.size(), excluded);
    } else {
      Set<String> trained = trainedFrameSources(trainingDirs, heldOut(modelDir), progress);
      double fraction = validationFraction(manifest);
      List<Path> kept = files.stream()
          .filter(f -> !NormalImages.frameSource(f).map(trained::contains).orElse(false) || NormalImages.heldOut(f, fraction))
          .toList();
      excluded = files.size() - kept.size();
      files = kept;
      if (excluded > 0) {
        progress.printf("%d frames in %s are from videos or procedures the model was trained on, in its training blocks: "
            + "left out, %d images remain%n", excluded, normalDir, files.size());
      }
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no normal images left to calibrate on in " + normalDir
          + " (all were used in training); pass held-out normal images or frames of a procedure the model was not trained on");
    }
    String usedSchedule = schedule != null ? schedule : manifest.maskSchedule();
    String usedPooling = pooling != null ? pooling : manifest.imagePooling();
    int usedHalvings = mapHalvings != null ? mapHalvings : manifest.mapHalvingsOrZero();
    FolderScorer.Outcome outcome;
    String usedPrecision;
    try (ModelArtifact.Loaded model = ModelArtifact.load(modelDir, device, precision)) {
      usedPrecision = ModelArtifact.noteHowItRuns(model, progress);
      AnomalyScorer scorer = new AnomalyScorer(model.network(), model.manager(), MaskSchedule.parse(usedSchedule), usedPooling,
          usedHalvings);
      outcome = FolderScorer.score(scorer, files, false, "calibrating", progress).readableIn(normalDir);
    }
    double[] imageScores = outcome.scored().stream().mapToDouble(s -> s.result().imageScore()).toArray();
    double[] patchScores = outcome.scored().stream()
        .flatMapToDouble(s -> { float[] p = s.result().patchScores(); return java.util.stream.IntStream.range(0, p.length).mapToDouble(i -> p[i]); })
        .toArray();
    double imageThreshold = Metrics.thresholdForFalseAlarmRate(imageScores, falseAlarmRate);
    int rank = Metrics.thresholdRank(imageScores.length, falseAlarmRate);
    // At a rate of 0 the threshold is the highest score by definition, at any count.
    if (falseAlarmRate > 0 && rank < Metrics.STEADY_THRESHOLD_RANK) {
      progress.printf(Locale.ROOT, "note: with %d images the threshold is their %shighest score: so few decide it that new "
          + "normal frames may go over it far more often than %s; %d or more put it on the %dth (more procedures, a "
          + "smaller --every)%n", imageScores.length, rank == 1 ? "" : Metrics.ordinal(rank) + " ", Metrics.percent(falseAlarmRate),
          Metrics.imagesForSteadyThreshold(falseAlarmRate), Metrics.STEADY_THRESHOLD_RANK);
    }
    double patchThreshold = Metrics.thresholdForFalseAlarmRate(patchScores, falseAlarmRate);
    ProcedureTransfer transfer = transfer(outcome.scored(), falseAlarmRate, progress);
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("normalSource", source);
    info.put("normalFolder", normalDir.toString());
    info.put("images", imageScores.length);
    info.put("excludedTrainingImages", excluded);
    info.put("skippedCorrupt", outcome.skipped().size());
    info.put("falseAlarmRate", falseAlarmRate);
    info.put("maskSchedule", usedSchedule);
    info.put("imagePooling", usedPooling);
    info.put("mapHalvings", usedHalvings);
    info.put("precision", usedPrecision);
    if (transfer != null) {
      info.put("leaveOneProcedureOut", ModelArtifact.JSON.convertValue(transfer, Map.class));   // the record's own names
    }
    ModelManifest calibrated = manifest.withScoring(usedSchedule, usedPooling, usedHalvings)
        .withThresholds(imageThreshold, patchThreshold, info, java.time.Instant.now());
    ModelArtifact.writeManifest(modelDir, calibrated);
    return new Result(imageThreshold, patchThreshold, imageScores.length, excluded, outcome.skipped(), usedSchedule, usedPooling,
        usedHalvings, calibrated.version());
  }

  /**
   * Leave-one-procedure-out over the frames of videos or procedures (plain stills do not count),
   * said on {@code progress}, with a warning when a new procedure should expect clearly more than the
   * target rate ({@link ProcedureTransfer#doesNotCarry}); null with frames of fewer than two procedures.
   */
  private static ProcedureTransfer transfer(List<FolderScorer.Scored> scored, double falseAlarmRate, PrintWriter progress) {
    Map<String, List<Double>> bySource = new LinkedHashMap<>();
    for (FolderScorer.Scored s : scored) {
      NormalImages.frameSource(s.file()).ifPresent(src -> bySource.computeIfAbsent(src, k -> new ArrayList<>()).add(s.result().imageScore()));
    }
    Map<String, double[]> scores = new LinkedHashMap<>();
    bySource.forEach((src, v) -> scores.put(src, v.stream().mapToDouble(Double::doubleValue).toArray()));
    ProcedureTransfer t = ProcedureTransfer.leaveOneOut(scores, falseAlarmRate);
    if (t != null) {
      progress.printf(Locale.ROOT, "procedures: with each of the %d left out in turn, the others' threshold put %.1f-%.1f %% "
          + "(median %.1f %%; most: %s) of its frames over it, %.1f %% of all frames (target %.1f %%)%n", t.procedures(),
          100 * t.overRateMin(), 100 * t.overRateMax(), 100 * t.overRateMedian(), t.worst(), 100 * t.overRateAll(),
          100 * falseAlarmRate);
      if (t.doesNotCarry(falseAlarmRate)) {
        progress.printf("warning: a threshold from these procedures does not carry to a new one: calibrate on more procedures "
            + "or a lower --false-alarm-rate, and count the alerts on others with replay rescore (docs/OPERATIONS.md)%n");
      }
    }
    return t;
  }

  @SuppressWarnings("unchecked")
  static Set<Path> trainingDirs(ModelManifest m) {
    Object data = m.training() == null ? null : m.training().get("data");
    if (!(data instanceof List<?> list)) {
      return Set.of();
    }
    return ((List<Object>) list).stream().map(o -> Path.of(o.toString()).toAbsolutePath().normalize()).collect(Collectors.toSet());
  }

  /**
   * The videos and procedures the model was trained on: the frame sources in its training folders
   * and in its held-out list. The list keeps the guard working when a training folder has been
   * deleted since (extracted frames are often cleaned up): a source with held-out frames had its
   * other blocks trained on, and the block rule still leaves those out.
   */
  private static Set<String> trainedFrameSources(Set<Path> trainingDirs, Set<String> heldOut, PrintWriter progress) {
    Set<String> sources = new HashSet<>();
    heldOut.forEach(name -> NormalImages.frameSource(Path.of(name)).ifPresent(sources::add));
    for (Path dir : trainingDirs) {
      try {
        Images.list(dir).forEach(f -> NormalImages.frameSource(f).ifPresent(sources::add));
      } catch (IllegalArgumentException goneOrEmpty) {
        progress.printf("training folder %s is gone or empty: the videos and procedures it held are known only from "
            + "validation-files.txt%n", dir);
      }
    }
    return sources;
  }

  private static double validationFraction(ModelManifest m) {
    Object f = m.training() == null ? null : m.training().get("validationFraction");
    return f instanceof Number n ? n.doubleValue() : 0.1;
  }

  private static Set<String> heldOut(Path modelDir) {
    Path f = modelDir.resolve("validation-files.txt");
    try {
      return Files.exists(f) ? Set.copyOf(Files.readAllLines(f)) : Set.of();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }
}
