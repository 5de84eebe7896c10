package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "eval", description = "Evaluate a model on normal and anomalous images (AUC, IoU) and write a report.")
public final class EvalCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 4: training, calibration and evaluation";
  }
}
