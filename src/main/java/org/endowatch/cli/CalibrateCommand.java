package org.endowatch.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.endowatch.train.Calibration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "calibrate",
    description = "Store the image and patch anomaly thresholds of a model from held-out normal images.")
public final class CalibrateCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR") Path model;
  @Option(names = "--normal", required = true, paramLabel = "DIR",
      description = "Normal validation images; a training folder contributes only its held-out files.")
  Path normal;
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
  @Spec CommandSpec spec;

  public Calibration.Result run() {
    if (falseAlarmRate < 0 || falseAlarmRate >= 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--false-alarm-rate must be in [0,1), got " + falseAlarmRate);
    }
    if (mapHalvings != null && (mapHalvings < 0 || mapHalvings > 3)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--map-halvings must be 0..3, got " + mapHalvings);
    }
    return Calibration.run(model, normal, falseAlarmRate, maskSchedule, pooling, mapHalvings, device,
        spec.commandLine().getErr());
  }

  @Override
  public Integer call() {
    Calibration.Result r = run();
    spec.commandLine().getOut().printf(Locale.ROOT,
        "calibrated %s on %d normal images (%s, %s pooling): image threshold %.6f, patch threshold %.6f%n",
        model, r.images(), r.maskSchedule(), r.pooling(), r.imageThreshold(), r.patchThreshold());
    return 0;
  }
}
