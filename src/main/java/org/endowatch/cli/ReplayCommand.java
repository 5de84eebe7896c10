package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "replay", description = "Replay a recorded procedure (video, topic range), re-score it, or export an annotated video.")
public final class ReplayCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 5: ingest and replay";
  }
}
