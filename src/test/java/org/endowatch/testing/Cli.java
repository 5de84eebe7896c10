package org.endowatch.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.endowatch.Main;

/** Runs the real CLI in-process and captures what it prints. */
public final class Cli {
  /** Exit code and output of one command line. */
  public record Result(int exitCode, String out, String err) {}

  private Cli() {}

  public static Result run(String... args) {
    return run(Map.of(), args);
  }

  public static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }
}
