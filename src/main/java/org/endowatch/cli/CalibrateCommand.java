package org.endowatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.endowatch.model.ModelArtifact;
import org.endowatch.train.Calibration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "calibrate",
    description = "Store the image and patch anomaly thresholds of a model from held-out normal images.")
public final class CalibrateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
  @Option(names = "--normal", required = true, paramLabel = "SOURCE",
      description = "Normal validation data: an image folder (a training folder contributes only its held-out files), "
          + "a video file or a recorded procedure (kafka:TOPIC?procedure=ID[&from=T][&to=T]), the last two as every N-th "
          + "frame prepared like live ingest, written to MODEL_DIR/calibration-frames. Frames of a video or procedure "
          + "the model was trained on count only from its held-out blocks.")
  String normal;
  @Option(names = "--every", defaultValue = "5",
      description = "Videos and recorded procedures: keep every N-th frame (default ${DEFAULT-VALUE}).")
  int every;
  @Mixin KafkaOptions kafka;
  @Option(names = "--false-alarm-rate", defaultValue = "0.01",
      description = "Fraction of normal images allowed over the threshold (default ${DEFAULT-VALUE}).")
  double falseAlarmRate;
  @Option(names = "--mask-schedule", paramLabel = "S", description = "random-10, complementary-4, ... (default: the manifest's).")
  String maskSchedule;
  @Option(names = "--pooling", description = "Image score from patch scores: mean or max (default: the manifest's).")
  String pooling;
  @Option(names = "--map-halvings", paramLabel = "N",
      description = "Compute the MS-SSIM anomaly map at 1/2^N of the input size: 0 = full size (the paper), 1 = half "
          + "(about half the map's time; default: the manifest's).")
  Integer mapHalvings;
  @Option(names = "--device", defaultValue = "auto", description = "auto (GPU if PyTorch sees one), cpu or gpu.") String device;
  @Option(names = "--precision", description = "fp32 or fp16: what the network computes in while calibrating; stored "
      + "with the thresholds, and eval and score then use it (default: the manifest's, fp32 for a new model).") String precision;
  @Spec CommandSpec spec;

  public Calibration.Result run() {
    OptionRange range = OptionRange.of(spec).from("--false-alarm-rate", falseAlarmRate, 0, 1).atLeast("--every", every, 1);
    if (mapHalvings != null) {
      range.between("--map-halvings", mapHalvings, 0, 3);
    }
    PrintWriter progress = spec.commandLine().getErr();
    Path folder = Path.of(normal);
    if (!Files.isDirectory(folder)) {
      // A unit's own frames, for thresholds that fit its light, scope and processor (docs/BENCHMARKS.md,
      // "Another hospital, imitated"). Emptied first: frames of an earlier calibration must not mix in.
      ModelArtifact.readManifest(model); // a clear error for a wrong --model before any extraction
      folder = model.resolve("calibration-frames");
      clearFrames(folder);
      TrainingData.Resolved sources = TrainingData.resolveLikeIngest(List.of(normal), folder, every, kafka::settings,
          progress, "--normal");
      sources.lines().forEach(line -> progress.println("calibrate: " + line));
    }
    return Calibration.run(model, folder, normal, falseAlarmRate, maskSchedule, pooling, mapHalvings, device,
        ModelArtifact.precision(precision), progress);
  }

  private static void clearFrames(Path folder) {
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".jpg")).toList()) {
        Files.delete(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear " + folder + " of earlier calibration frames: " + e.getMessage(), e);
    }
  }

  @Override
  public Integer call() {
    Calibration.Result r = run();
    spec.commandLine().getOut().printf(Locale.ROOT,
        "calibrated %s on %d normal images (%s, %s pooling): image threshold %.6f, patch threshold %.6f; version %s "
            + "(running scorers switch to it after 'endowatch models publish --model %s')%n",
        model, r.images(), r.maskSchedule(), r.pooling(), r.imageThreshold(), r.patchThreshold(), r.version(), model);
    return 0;
  }
}
