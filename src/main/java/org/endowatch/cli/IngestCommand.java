package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "ingest", description = "Decode a video source and put its frames on the frames topic.")
public final class IngestCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 5: ingest and replay";
  }
}
