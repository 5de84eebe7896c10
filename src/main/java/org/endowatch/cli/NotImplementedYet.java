package org.endowatch.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * Base of subcommands that are listed (so {@code --help} shows the whole CLI contract) but not
 * built yet: they accept any arguments and fail with a one-line error naming the issue that
 * brings them.
 */
abstract class NotImplementedYet implements Callable<Integer> {
  @Unmatched List<String> ignored;
  @Spec CommandSpec spec;

  /** Which open issue will implement this command. */
  abstract String plannedIn();

  @Override
  public Integer call() {
    throw new UnsupportedOperationException("not implemented yet (planned in " + plannedIn() + ")");
  }
}
