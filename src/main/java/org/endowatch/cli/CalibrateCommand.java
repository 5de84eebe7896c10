package org.endowatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
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
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "The trained model folder.") Path model;
  @Option(names = "--normal", required = true, split = ",", paramLabel = "SOURCE",
      description = "Normal validation data: an image folder (a training folder contributes only its held-out files), "
          + "or video files and recorded procedures (kafka:TOPIC?procedure=ID[&from=T][&to=T]), as many as you have, "
          + "comma-separated, as every N-th frame prepared like live ingest, written to MODEL_DIR/calibration-frames. "
          + "Frames of a video or procedure the model was trained on count only from its held-out blocks.")
  List<String> normal;
  @Option(names = "--every", paramLabel = "N", defaultValue = "5",
      description = "Videos and recorded procedures: keep every N-th frame (default ${DEFAULT-VALUE}).")
  int every;
  @Mixin KafkaOptions kafka;
  @Option(names = "--false-alarm-rate", paramLabel = "RATE", defaultValue = "0.01",
      description = "Fraction of normal images allowed over the threshold (default ${DEFAULT-VALUE}).")
  double falseAlarmRate;
  @Option(names = "--mask-schedule", paramLabel = "S", description = "random-10, complementary-4, ... (default: the manifest's).")
  String maskSchedule;
  @Option(names = "--pooling", paramLabel = "mean|max",
      description = "Image score from patch scores: mean or max (default: the manifest's).")
  String pooling;
  @Option(names = "--map-halvings", paramLabel = "N",
      description = "Compute the MS-SSIM anomaly map at 1/2^N of the input size: 0 = full size (the paper), 1 = half "
          + "(about half the map's time; default: the manifest's).")
  Integer mapHalvings;
  @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
      description = "auto (GPU if PyTorch sees one), cpu or gpu.") String device;
  @Option(names = "--precision", paramLabel = "P", description = "fp32 or fp16: what the network computes in while calibrating; stored "
      + "with the thresholds, and eval and score then use it (default: the manifest's, fp32 for a new model).") String precision;
  @Option(names = "--out", paramLabel = "DIR", description = "Write the calibrated model to this new folder (its "
      + "manifest.json, parameters.bin and validation-files.txt copied from --model) and leave --model as it is, to roll "
      + "back to (default: calibrate --model in place).") Path out;
  @Spec CommandSpec spec;

  /** The folder calibrated: --out, once the model's files are copied there, or --model itself. */
  private Path target;

  public Calibration.Result run() {
    OptionRange range = OptionRange.of(spec).from("--false-alarm-rate", falseAlarmRate, 0, 1).atLeast("--every", every, 1);
    if (mapHalvings != null) {
      range.between("--map-halvings", mapHalvings, 0, 3);
    }
    PrintWriter progress = spec.commandLine().getErr();
    target = out == null ? model : copyModel(model, out);
    try {
      return calibrate(progress);
    } catch (RuntimeException | Error e) {
      if (out != null) {
        deleteTree(out);   // a half-made copy would be the old model under its old version
      }
      throw e;
    }
  }

  private Calibration.Result calibrate(PrintWriter progress) {
    Path folder = Path.of(normal.get(0));
    if (normal.size() > 1 || !Files.isDirectory(folder)) {
      // Several procedures calibrate together (and each is left out in turn); an image folder has no
      // procedures to tell apart and is scored where it lies, so it comes alone.
      for (String entry : normal) {
        if (Files.isDirectory(Path.of(entry))) {
          throw new IllegalArgumentException("--normal " + entry + " is a folder: give one image folder alone, or video "
              + "files and recorded procedures, comma-separated");
        }
      }
      // A unit's own frames, for thresholds that fit its light, scope and processor (docs/BENCHMARKS.md,
      // "Another hospital, imitated"). Emptied first: frames of an earlier calibration must not mix in.
      ModelArtifact.readManifest(target); // a clear error for a wrong --model before any extraction
      folder = target.resolve("calibration-frames");
      FrameFolders.clear(folder, "earlier calibration frames");
      TrainingData.Resolved sources = TrainingData.resolveLikeIngest(normal, folder, every, kafka::settings,
          progress, "--normal");
      sources.lines().forEach(line -> progress.println("calibrate: " + line));
    }
    return Calibration.run(target, folder, String.join(",", normal), falseAlarmRate, maskSchedule, pooling, mapHalvings, device,
        ModelArtifact.precision(precision), progress);
  }

  /**
   * What a scorer and a later calibration need of the model, copied into a new folder: its network
   * and manifest, and the list of held-out training files (so frames it trained on stay out of the
   * copy's thresholds too). Training checkpoints and extracted frames stay where they are.
   */
  private static Path copyModel(Path model, Path out) {
    ModelArtifact.readManifest(model);   // a clear error for a wrong --model first
    try {
      if (Files.exists(out)) {
        try (Stream<Path> any = Files.list(out)) {
          if (any.findAny().isPresent()) {
            throw new IllegalArgumentException("--out " + out + " already holds files: name a new folder (the copy must not "
                + "mix with another model)");
          }
        }
      }
      Files.createDirectories(out);
      for (String f : List.of(ModelArtifact.MANIFEST, ModelArtifact.PARAMETERS, "validation-files.txt")) {
        if (Files.exists(model.resolve(f))) {
          Files.copy(model.resolve(f), out.resolve(f));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + model + " to " + out + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // best effort: the calibration's own error is the one to report
    }
  }

  @Override
  public Integer call() {
    Calibration.Result r = run();
    spec.commandLine().getOut().printf(Locale.ROOT,
        "calibrated %s on %d normal images (%s, %s pooling): image threshold %.6f, patch threshold %.6f; version %s "
            + "(running scorers switch to it after 'endowatch models publish --model %s')%n",
        target, r.images(), r.maskSchedule(), r.pooling(), r.imageThreshold(), r.patchThreshold(), r.version(), target);
    return 0;
  }
}
