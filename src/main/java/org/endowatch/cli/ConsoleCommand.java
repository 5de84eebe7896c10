package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "console", description = "Serve the web console of live and recorded procedures.")
public final class ConsoleCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 7: consoles and demo";
  }
}
