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
  private final String fileName;
  /** Where each option's default came from, when it came from here: said when the value is refused. */
  private final Map<ArgSpec, String> origins = new java.util.IdentityHashMap<>();

  public ConfigDefaults(Map<String, String> env, Properties file) {
    this(env, file, "the config file");
  }

  private ConfigDefaults(Map<String, String> env, Properties file, String fileName) {
    this.env = Map.copyOf(env);
    this.file = file;
    this.fileName = fileName;
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
    return path == null ? new ConfigDefaults(env, new Properties()) : new ConfigDefaults(env, load(Path.of(path)), path);
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
    String[] sources = section == null
        ? new String[] {"ENDOWATCH_" + envSuffix, name}
        : new String[] {"ENDOWATCH_" + section.toUpperCase(Locale.ROOT).replace('-', '_') + "_" + envSuffix,
          "ENDOWATCH_" + envSuffix, section + "." + name, name};
    for (String source : sources) {
      boolean fromEnv = source.startsWith("ENDOWATCH_");
      String c = fromEnv ? env.get(source) : file.getProperty(source);
      if (c != null) {
        origins.put(arg, fromEnv ? "environment variable " + source : fileName + ", key " + source);
        return c;
      }
    }
    return null;
  }

  /** Where {@code arg}'s default came from ("environment variable X", "FILE, key K"), or null if not from here. */
  public String originOf(ArgSpec arg) {
    return origins.get(arg);
  }

  /**
   * The config file's keys that set no option of any command under {@code root} (a misspelt
   * 'bootsrap' would otherwise be ignored in silence, and the option it meant left unset), each
   * with the known key it is closest to when one is a slip away; empty when all are known.
   */
  public java.util.List<String> unknownKeys(CommandSpec root) {
    java.util.Set<String> known = new java.util.TreeSet<>();
    collectKeys(root, known);
    java.util.List<String> unknown = new java.util.ArrayList<>();
    for (String key : new java.util.TreeSet<>(file.stringPropertyNames())) {
      if (!known.contains(key)) {
        String near = known.stream().filter(k -> distance(k, key) <= 2).findFirst().orElse(null);
        unknown.add(key + (near == null ? "" : " (did you mean '" + near + "'?)"));
      }
    }
    return unknown;
  }

  private static void collectKeys(CommandSpec command, java.util.Set<String> known) {
    String section = sectionOf(command);
    for (OptionSpec o : command.options()) {
      String name = o.longestName().replaceFirst("^-+", "");
      known.add(name);
      if (section != null) {
        known.add(section + "." + name);
      }
    }
    command.subcommands().values().forEach(sub -> collectKeys(sub.getCommandSpec(), known));
  }

  /** Edit distance (insertions, deletions, substitutions), for suggesting the key meant. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
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
