package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "synth", description = "Generate synthetic colonoscopy-like frames and procedure videos.")
public final class SynthCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 5: ingest and replay";
  }
}
