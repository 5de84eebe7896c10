package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "status", description = "Show topics, scorer lag, live procedures and the model version.")
public final class StatusCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 7: consoles and demo";
  }
}
