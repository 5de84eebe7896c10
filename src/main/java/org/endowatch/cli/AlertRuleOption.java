package org.endowatch.cli;

import org.endowatch.score.AlertRule;
import picocli.CommandLine;

/** {@code --alert-rule K/N}, shared by the commands that run the scorer. */
final class AlertRuleOption implements CommandLine.ITypeConverter<AlertRule> {
  static final String DESCRIPTION = "Raise an alert when K of the last N scored frames are over the threshold (default "
      + "${DEFAULT-VALUE}; a smaller K alerts sooner and more often on normal tissue: docs/OPERATIONS.md).";

  @Override
  public AlertRule convert(String value) {
    try {
      return AlertRule.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
