package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "train", description = "Train a MemMC-MAE model on normal images or videos.")
public final class TrainCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 4: training, calibration and evaluation";
  }
}
