package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "score", description = "Score frames with a MemMC-MAE model (Kafka Streams).")
public final class ScoreCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 6: the streaming scorer";
  }
}
