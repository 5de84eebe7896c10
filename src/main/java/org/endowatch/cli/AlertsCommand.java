package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "alerts", description = "Print alert events from the alerts topic.")
public final class AlertsCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 7: consoles and demo";
  }
}
