package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.endowatch.testing.Cli;
import org.endowatch.testing.Cli.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  private static final List<String> CONTRACT = List.of("broker", "topics", "ingest", "synth", "score", "console",
      "alerts", "status", "replay", "train", "calibrate", "eval", "bench", "demo");

  @Test
  void helpListsEverySubcommandOfTheContract() {
    Result r = Cli.run("--help");
    assertThat(r.exitCode()).isZero();
    for (String name : CONTRACT) {
      assertThat(r.out()).containsPattern("(?m)^  " + name + "\\s");
    }
  }

  @Test
  void everySubcommandHasHelp() {
    for (String name : CONTRACT) {
      Result r = Cli.run(name, "--help");
      assertThat(r.exitCode()).as(name).isZero();
      assertThat(r.out()).as(name).startsWith("Usage: endowatch " + name);
    }
  }

  @Test
  void unknownSubcommandIsAOneLineErrorWithExit2() {
    Result r = Cli.run("frobnicate");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo(
        "endowatch: Unmatched argument at index 0: 'frobnicate' (see 'endowatch --help')" + System.lineSeparator());
  }

  @Test
  void missingBootstrapIsAOneLineUsageError() {
    Result r = Cli.run("topics", "apply");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("endowatch topics apply: missing --bootstrap HOST:PORT (or set "
        + "ENDOWATCH_BOOTSTRAP, or bootstrap= in --config FILE) (see 'endowatch topics apply --help')");
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void malformedBootstrapIsAUsageError() {
    Result r = Cli.run("topics", "check", "--bootstrap", "localhost");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--bootstrap must be host:port[,host:port...], got 'localhost'");
  }

  @Test
  void aMalformedAlertRuleIsAUsageErrorBeforeAnythingStarts() {
    // Port 9: nothing listens there, so getting past the option check would fail differently.
    Result score = Cli.run("score", "--bootstrap", "127.0.0.1:9", "--model", "nowhere", "--alert-rule", "5/3");
    Result bench = Cli.run("bench", "pipeline", "--alert-rule", "three");

    assertThat(score.exitCode()).isEqualTo(2);
    assertThat(score.err()).contains("--alert-rule").contains("alert rule must be K/N with 1 <= K <= N <= 63").contains("got '5/3'");
    assertThat(bench.exitCode()).isEqualTo(2);
    assertThat(bench.err()).contains("got 'three'");
  }

  @Test
  void theFrameLimitCopiersAssumeIsTheCatalogs() {
    assertThat(IngestCommand.CATALOG_FRAME_LIMIT).isEqualTo(
        Long.parseLong(org.endowatch.platform.TopicCatalog.builtIn().topic("frames").config().get("max.message.bytes")));
  }

  @Test
  void badArgumentsOfTheNewCommandsAreUsageErrors() {
    Result bench = Cli.run("bench", "everything");
    Result demo = Cli.run("demo", "--procedures", "0");
    Result console = Cli.run("console", "--bootstrap", "127.0.0.1:9", "--bind", "0.0.0.0");

    assertThat(bench.exitCode()).isEqualTo(2);
    assertThat(bench.err()).contains("what to bench: model, pipeline or all, not 'everything'");
    assertThat(demo.exitCode()).isEqualTo(2);
    assertThat(demo.err()).contains("--procedures must be >= 1");
    assertThat(console.exitCode()).isEqualTo(2);
    assertThat(console.err()).contains("binding to 0.0.0.0 exposes patient video to the network");
  }

  @Test
  void failuresPrintNoStackTraceUnlessVerbose() {
    Result quiet = Cli.run("topics", "check", "--bootstrap", "127.0.0.1:9", "--catalog", "nope.yaml");
    Result verbose = Cli.run("--verbose", "topics", "check", "--bootstrap", "127.0.0.1:9", "--catalog", "nope.yaml");

    assertThat(quiet.exitCode()).isEqualTo(1);
    assertThat(quiet.err().lines()).hasSize(1);
    assertThat(quiet.err()).startsWith("endowatch topics check: error: topic catalog nope.yaml does not exist");
    assertThat(verbose.exitCode()).isEqualTo(1);
    assertThat(verbose.err()).contains("at org.endowatch.platform.TopicCatalog.load");
  }

  @Test
  void malformedCatalogIsAOneLineErrorNamingFileAndLine(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("catalog.yaml");
    Files.writeString(bad, "topics:\n  - name: frames\n    partitions: -1\n");
    Result r = Cli.run("topics", "apply", "--bootstrap", "127.0.0.1:9", "--catalog", bad.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).containsPattern("error: " + java.util.regex.Pattern.quote(bad.toString())
        + ":\\d+:\\d+: topic 'frames': partitions must be >= 1, got -1");
  }

  @Test
  void bootstrapComesFromEnvironmentOrConfigFile(@TempDir Path dir) throws Exception {
    // A bogus catalog makes the command stop right after option parsing: the error shows the
    // bootstrap requirement was met by the environment / file.
    Path conf = dir.resolve("endowatch.properties");
    Files.writeString(conf, "topics-check.bootstrap=127.0.0.1:7\n");

    Result fromEnv = Cli.run(Map.of("ENDOWATCH_BOOTSTRAP", "127.0.0.1:8"), "topics", "check", "--catalog", "x.yaml");
    Result fromFile = Cli.run("--config", conf.toString(), "topics", "check", "--catalog", "x.yaml");
    Result missingFile = Cli.run("--config", dir.resolve("none.properties").toString(), "topics", "check");

    assertThat(fromEnv.err()).contains("topic catalog x.yaml does not exist");
    assertThat(fromFile.err()).contains("topic catalog x.yaml does not exist");
    assertThat(missingFile.exitCode()).isEqualTo(2);
    assertThat(missingFile.err()).startsWith("endowatch: cannot read config file ");
  }

  @Test
  void badPortIsRefusedBeforeStartingAnything() {
    Result r = Cli.run("broker", "--port", "70000");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("endowatch broker: --port must be 0..65535, got 70000 (see 'endowatch broker --help')");
  }
}
