package org.endowatch;

import java.io.PrintWriter;
import java.util.Map;
import org.endowatch.cli.AlertsCommand;
import org.endowatch.cli.BenchCommand;
import org.endowatch.cli.BrokerCommand;
import org.endowatch.cli.CalibrateCommand;
import org.endowatch.cli.ConsoleCommand;
import org.endowatch.cli.DeadLettersCommand;
import org.endowatch.cli.DemoCommand;
import org.endowatch.cli.EvalCommand;
import org.endowatch.cli.IngestCommand;
import org.endowatch.cli.ModelsCommand;
import org.endowatch.cli.ReplayCommand;
import org.endowatch.cli.ScoreCommand;
import org.endowatch.cli.StatusCommand;
import org.endowatch.cli.SynthCommand;
import org.endowatch.cli.TopicsCommand;
import org.endowatch.cli.TrainCommand;
import org.endowatch.config.ConfigDefaults;
import org.endowatch.model.MklVendorCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The one entry point: {@code java -jar endowatch.jar <subcommand>}. */
@Command(
    name = "endowatch",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    versionProvider = Main.Version.class,
    description = "Real-time anomaly monitor for endoscopy video (MemMC-MAE on Kafka Streams).",
    subcommands = {
      BrokerCommand.class,
      TopicsCommand.class,
      IngestCommand.class,
      SynthCommand.class,
      ScoreCommand.class,
      ModelsCommand.class,
      ConsoleCommand.class,
      AlertsCommand.class,
      DeadLettersCommand.class,
      StatusCommand.class,
      ReplayCommand.class,
      TrainCommand.class,
      CalibrateCommand.class,
      EvalCommand.class,
      BenchCommand.class,
      DemoCommand.class
    })
public final class Main implements Runnable {
  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces with errors.")
  boolean verbose;

  @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Properties file with option defaults ('bootstrap=...', 'score.budget-ms=...'); "
          + "also ENDOWATCH_CONFIG. Environment variables ENDOWATCH_<OPTION> override it.")
  java.nio.file.Path config;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  public static void main(String[] args) {
    System.exit(execute(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command line and returns its exit code; tests call this in-process. */
  public static int execute(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    // DJL phones home for its engine list unless told not to; a procedure room has no internet.
    if (System.getProperty("ai.djl.offline") == null && !"true".equals(env.get("ENDOWATCH_DJL_ONLINE"))) {
      System.setProperty("ai.djl.offline", "true");
    }
    // Before any model loads: MKL binds its vendor check at the engine's first matrix product.
    // (Whether it worked is said where a model runs: ModelArtifact.noteHowItRuns, bench model.)
    MklVendorCheck.bypassOnAmd(env);
    ConfigDefaults defaults;
    try {
      defaults = ConfigDefaults.forProcess(args, env);
    } catch (IllegalArgumentException e) {
      err.println("endowatch: " + e.getMessage());
      return 2;
    }
    CommandLine cmd = new CommandLine(new Main());
    cmd.setOut(out);
    cmd.setErr(err);
    cmd.setDefaultValueProvider(defaults);
    for (String key : defaults.unknownKeys(cmd.getCommandSpec())) {
      err.println("endowatch: warning: config key " + key + " sets no option of any command; ignored");
    }
    cmd.setParameterExceptionHandler((e, a) -> onBadArguments(e, defaults));
    cmd.setExecutionExceptionHandler((e, failed, parsed) -> onFailure(e, failed, parsed, defaults));
    return cmd.execute(args);
  }

  private static int onBadArguments(CommandLine.ParameterException e, ConfigDefaults defaults) {
    CommandLine failed = e.getCommandLine();
    String name = failed.getCommandSpec().qualifiedName();
    // A refused value that came from the environment or the config file, not the command line: say where.
    String origin = e.getArgSpec() == null || defaults == null ? null : defaults.originOf(e.getArgSpec());
    failed.getErr().println(name + ": " + oneLine(e.getMessage()) + (origin == null ? "" : " (set by " + origin + ")")
        + " (see '" + name + " --help')");
    return 2;
  }

  private static int onFailure(Exception e, CommandLine failed, CommandLine.ParseResult parsed, ConfigDefaults defaults) {
    if (e instanceof CommandLine.ParameterException pe) {
      return onBadArguments(pe, defaults);
    }
    PrintWriter err = failed.getErr();
    String message = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    // Library wrappers ("Failed to construct kafka producer") hide the reason in their cause. A
    // message that already gives the cause's first clause (ours, with the library's hints for its
    // own programmers taken out) says it: not again.
    if (root != e && root.getMessage() != null && !message.contains(firstClause(root.getMessage()))) {
      message = message + ": " + root.getMessage();
    }
    // java.nio's file errors often carry only the path ("cannot copy m to /x: /x"): say what went wrong.
    if (root instanceof java.nio.file.FileSystemException fse && fse.getReason() == null) {
      message = message + " (" + fileProblem(fse) + ")";
    }
    err.println(failed.getCommandSpec().qualifiedName() + ": error: " + oneLine(message));
    if (hasVerbose(parsed)) {
      e.printStackTrace(err);
    }
    return 1;
  }

  /** What a java.nio file error without a reason means, in words. */
  static String fileProblem(java.nio.file.FileSystemException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or folder";
    } else if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    } else if (e instanceof java.nio.file.FileAlreadyExistsException) {
      return "already exists";
    } else if (e instanceof java.nio.file.NotDirectoryException) {
      return "not a folder";
    } else if (e instanceof java.nio.file.DirectoryNotEmptyException) {
      return "folder not empty";
    }
    return "the file system refused it: read-only, full, or not a place files can be made";
  }

  /** A message up to its first parenthesised remark: "X failed. (Did you call Y?)" gives "X failed.". */
  static String firstClause(String message) {
    int at = message.indexOf(" (");
    return (at > 0 ? message.substring(0, at) : message).trim();
  }

  private static boolean hasVerbose(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  /** Version from the jar manifest (set by the build), or "dev" when run from classes. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"endowatch " + (v == null ? "dev" : v)};
    }
  }
}
