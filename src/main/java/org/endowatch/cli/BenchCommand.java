package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", description = "Benchmark the model and the streaming pipeline on this machine.")
public final class BenchCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 8: performance";
  }
}
