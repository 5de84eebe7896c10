package org.endowatch.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Supplies option defaults from the environment and a config file, so every option of every
 * subcommand can be set three ways. For option {@code --budget-ms} of {@code score} the lookup
 * order is:
 *
 * <ol>
 *   <li>the command line;
 *   <li>{@code ENDOWATCH_SCORE_BUDGET_MS}, then {@code ENDOWATCH_BUDGET_MS};
 *   <li>the config file ({@code --config FILE} or {@code ENDOWATCH_CONFIG}): key {@code
 *       score.budget-ms}, then {@code budget-ms};
 *   <li>the option's built-in default.
 * </ol>
 *
 * The unprefixed forms let one {@code bootstrap=...} line serve every subcommand.
 */
public final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
  public static final String CONFIG_ENV = "ENDOWATCH_CONFIG";

  private final Map<String, String> env;
  private final Properties file;

  public ConfigDefaults(Map<String, String> env, Properties file) {
    this.env = Map.copyOf(env);
    this.file = file;
  }

  /**
   * Defaults for a process: its environment and the config file named by {@code --config FILE} in
   * {@code args} or by {@code ENDOWATCH_CONFIG}.
   *
   * @throws IllegalArgumentException if the named file cannot be read
   */
  public static ConfigDefaults forProcess(String[] args, Map<String, String> env) {
    String path = env.get(CONFIG_ENV);
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        path = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        path = args[i].substring("--config=".length());
      }
    }
    return new ConfigDefaults(env, path == null ? new Properties() : load(Path.of(path)));
  }

  static Properties load(Path path) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(path)) {
      p.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot read config file " + path + ": " + e.getMessage()
          + " (a Java properties file, e.g. 'bootstrap=host:9092')", e);
    }
    return p;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.longestName().equals("--config")) {
      return null;
    }
    String name = option.longestName().replaceFirst("^-+", "");
    String section = sectionOf(option.command());
    String envSuffix = name.toUpperCase(Locale.ROOT).replace('-', '_');
    String[] candidates = section == null
        ? new String[] {env.get("ENDOWATCH_" + envSuffix), file.getProperty(name)}
        : new String[] {
          env.get("ENDOWATCH_" + section.toUpperCase(Locale.ROOT).replace('-', '_') + "_" + envSuffix),
          env.get("ENDOWATCH_" + envSuffix),
          file.getProperty(section + "." + name),
          file.getProperty(name)
        };
    for (String c : candidates) {
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  /** The subcommand path below the root, joined by '-' ("topics", "replay-video"); null for the root. */
  private static String sectionOf(CommandSpec command) {
    if (command == null || command.parent() == null) {
      return null;
    }
    String parent = sectionOf(command.parent());
    return parent == null ? command.name() : parent + "-" + command.name();
  }
}
