package org.endowatch.cli;

import picocli.CommandLine.Command;

@Command(name = "demo", description = "Run everything on this machine: broker, scorer, a synthetic procedure and the console.")
public final class DemoCommand extends NotImplementedYet {
  @Override
  String plannedIn() {
    return "issue 7: consoles and demo";
  }
}
