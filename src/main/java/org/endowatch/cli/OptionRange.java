package org.endowatch.cli;

import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Range checks of numeric options, in order: the first option out of its range is named with the
 * range and the value given ("--fps must be > 0, got 0"), as a usage error of its command. Picocli
 * converts types but has no ranges; a message listing every option's range would leave the user to
 * find which one was wrong.
 */
final class OptionRange {
  private final CommandLine line;

  private OptionRange(CommandLine line) {
    this.line = line;
  }

  static OptionRange of(CommandSpec spec) {
    return new OptionRange(spec.commandLine());
  }

  /** {@code value >= min}. */
  OptionRange atLeast(String option, double value, double min) {
    return check(value >= min, option, ">= " + number(min), value);
  }

  /** {@code value > min}. */
  OptionRange above(String option, double value, double min) {
    return check(value > min, option, "> " + number(min), value);
  }

  /** {@code lo <= value < hi}. */
  OptionRange from(String option, double value, double lo, double hiExclusive) {
    return check(value >= lo && value < hiExclusive, option, "in [" + number(lo) + ", " + number(hiExclusive) + ")", value);
  }

  /** {@code lo < value <= hi}. */
  OptionRange over(String option, double value, double loExclusive, double hi) {
    return check(value > loExclusive && value <= hi, option, "in (" + number(loExclusive) + ", " + number(hi) + "]", value);
  }

  /** {@code lo <= value <= hi}. */
  OptionRange between(String option, double value, double lo, double hi) {
    return check(value >= lo && value <= hi, option, number(lo) + ".." + number(hi), value);
  }

  /** A TCP port to listen on: 0 for any free one; -1 too where {@code off} says the option can turn a server off. */
  OptionRange port(String option, int value, boolean off) {
    return between(option, value, off ? -1 : 0, 65535);
  }

  private OptionRange check(boolean ok, String option, String range, double value) {
    if (!ok) {
      // With the option itself, so that a value set by the environment or a config file is said to be.
      throw new CommandLine.ParameterException(line, option + " must be " + range + ", got " + number(value),
          line.getCommandSpec().findOption(option), number(value));
    }
    return this;
  }

  /** Whole numbers without a decimal point (options are mostly counts), others as given. */
  static String number(double v) {
    return v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%s", v);
  }
}
