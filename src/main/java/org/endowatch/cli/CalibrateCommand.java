package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "calibrate", description = "Store the anomaly thresholds of a model from normal validation images.")
public final class CalibrateCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 4: training, calibration and evaluation";
  }
}
