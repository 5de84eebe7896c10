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
      "alerts", "dead-letters", "status", "replay", "train", "calibrate", "eval", "bench", "demo");

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
  void everyOptionOfEveryCommandSaysWhatItDoesAndTakes() {
    List<String> silent = new java.util.ArrayList<>();
    java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>(
        List.of(new picocli.CommandLine(new org.endowatch.Main())));
    while (!todo.isEmpty()) {
      picocli.CommandLine c = todo.pop();
      c.getCommandSpec().options().stream().filter(o -> String.join("", o.description()).isBlank())
          .forEach(o -> silent.add(c.getCommandSpec().qualifiedName() + " " + o.longestName()));
      // and what its value is: --epochs=N, not picocli's --epochs=<epochs> from the field's name.
      c.getCommandSpec().options().stream().filter(o -> o.arity().max() > 0 && o.paramLabel().startsWith("<"))
          .forEach(o -> silent.add(c.getCommandSpec().qualifiedName() + " " + o.longestName() + "=" + o.paramLabel()));
      todo.addAll(c.getSubcommands().values());
    }
    assertThat(silent).isEmpty();
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
  void aScorerGivenAFolderThatIsNoModelSaysSoBeforeLookingForKafka(@TempDir Path dir) {
    // Port 1 answers nobody: looking for Kafka there first took 15 s and named the wrong problem.
    Result r = Cli.run("score", "--model", dir.toString(), "--bootstrap", "127.0.0.1:1");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("endowatch score: error: " + dir
        + " has no manifest.json: not a model directory (train one with 'endowatch train')");
  }

  @Test
  void brokerNodesOtherThanOneOrThreeAreAUsageError() {
    Result two = Cli.run("broker", "--nodes", "2");
    Result anyPort = Cli.run("broker", "--nodes", "3", "--port", "0");
    assertThat(two.exitCode()).isEqualTo(2);
    assertThat(two.err().strip()).isEqualTo("endowatch broker: --nodes must be 1 or 3, got 2 (see 'endowatch broker --help')");
    assertThat(anyPort.exitCode()).isEqualTo(2);
    assertThat(anyPort.err().strip()).isEqualTo("endowatch broker: --nodes 3 needs a --port with two free ports after it, "
        + "got 0 (see 'endowatch broker --help')");
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
    Result frames = Cli.run("bench", "pipeline", "--procedure-frames", "drawn");
    assertThat(frames.exitCode()).isEqualTo(2);
    assertThat(frames.err()).contains("--procedure-frames must be filmed or rendered, not 'drawn'");
    Result keep = Cli.run("bench", "pipeline", "--keep-topics");
    assertThat(keep.exitCode()).isEqualTo(2);
    assertThat(keep.err().strip()).isEqualTo("endowatch bench: --keep-topics needs --bootstrap: the embedded broker, and all it "
        + "holds, goes when the bench ends (see 'endowatch bench --help')");
    assertThat(demo.exitCode()).isEqualTo(2);
    assertThat(demo.err().strip()).isEqualTo("endowatch demo: --procedures must be >= 1, got 0 (see 'endowatch demo --help')");
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
  void aRescoreTruthFileThatCannotServeIsSaidBeforeAnythingIsScored(@TempDir Path dir) throws Exception {
    // No broker at 127.0.0.1:9 and no model in DIR: the annotation is read first, so these are the errors.
    String form = " (the form 'synth procedure' writes: {\"fps\": 25, \"anomalyIntervals\": [{\"start\": 91, \"end\": 146}]})";
    String[][] cases = {
        {"{\"fps\": 25, \"anomalyIntervals\": [{\"start\": 1, \"end\": 3},]}",
            "is not JSON (Unexpected character (']' (code 93)): expected a value at line 1, column 57)"},
        {"{\"anomalyIntervals\": []}", "needs \"fps\", the video's frame rate, to turn frames into time" + form},
        {"{\"fps\": 25}", "needs \"anomalyIntervals\", the lesions' frame ranges ([] for a procedure without any)" + form},
        {"{\"fps\": 25, \"anomalyIntervals\": [{\"start\": 9, \"end\": 1}]}",
            ": lesion {\"start\":9,\"end\":1} is not a frame range (whole \"start\" from 0 and \"end\" at or after it, both included)"},
        {"{\"fps\": 25, \"anomalyIntervals\": [{\"start\": 1.5, \"end\": 3}]}",
            ": lesion {\"start\":1.5,\"end\":3} is not a frame range (whole \"start\" from 0 and \"end\" at or after it, both included)"}};
    for (String[] c : cases) {
      Path truth = Files.writeString(dir.resolve("truth.json"), c[0]);
      Result r = Cli.run("replay", "rescore", "--bootstrap", "127.0.0.1:9", "--procedure", "p", "--model", dir.toString(),
          "--tag", "t", "--truth", truth.toString());
      assertThat(r.exitCode()).as(c[0]).isEqualTo(2);
      assertThat(r.err().strip()).as(c[0]).isEqualTo("endowatch replay rescore: --truth " + truth + (c[1].startsWith(":") ? "" : " ")
          + c[1] + " (see 'endowatch replay rescore --help')");
    }
    Result count = Cli.run("replay", "rescore", "--bootstrap", "127.0.0.1:9", "--procedure", "p,q", "--model", dir.toString(),
        "--tag", "t", "--truth", dir.resolve("truth.json").toString());
    assertThat(count.err().strip()).isEqualTo("endowatch replay rescore: --truth gives 1 file(s) for 2 procedure(s): one per "
        + "--procedure, in the same order (see 'endowatch replay rescore --help')");
    // A tag names topics: refused before anything else, by rescore and drop alike.
    for (String sub : List.of("rescore", "drop")) {
      List<String> args = new java.util.ArrayList<>(List.of("replay", sub, "--bootstrap", "127.0.0.1:9", "--tag", "a b"));
      if (sub.equals("rescore")) {
        args.addAll(List.of("--procedure", "p", "--model", dir.toString()));
      }
      assertThat(Cli.run(args.toArray(String[]::new)).err().strip()).isEqualTo("endowatch replay " + sub + ": --tag must be "
          + "1..100 of letters, digits, '.', '_' or '-' (see 'endowatch replay " + sub + " --help')");
    }
    Result twice = Cli.run("replay", "rescore", "--bootstrap", "127.0.0.1:9", "--procedure", "p,q,p", "--model", dir.toString(),
        "--tag", "t");
    assertThat(twice.err().strip()).isEqualTo("endowatch replay rescore: --procedure names one more than once: [p, q, p] "
        + "(see 'endowatch replay rescore --help')");
    Result missing = Cli.run("replay", "rescore", "--bootstrap", "127.0.0.1:9", "--procedure", "p", "--model", dir.toString(),
        "--tag", "t", "--truth", dir.resolve("nowhere.json").toString());
    assertThat(missing.err().strip()).isEqualTo("endowatch replay rescore: --truth " + dir.resolve("nowhere.json")
        + ": no such file (see 'endowatch replay rescore --help')");
  }

  @Test
  void aMisspeltConfigKeyIsWarnedOfAndARefusedValueSaysWhereItWasSet(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("endowatch.properties");
    Files.writeString(conf, "bootsrap=127.0.0.1:7\nscore.budget-ms=abc\nscore.thraeds=2\n");
    Result typo = Cli.run("--config", conf.toString(), "topics", "check", "--bootstrap", "127.0.0.1:7", "--catalog", "x.yaml");
    assertThat(typo.err().lines().toList()).startsWith(
        "endowatch: warning: config key bootsrap (did you mean 'bootstrap'?) sets no option of any command; ignored",
        "endowatch: warning: config key score.thraeds (did you mean 'score.threads'?) sets no option of any command; ignored");
    assertThat(typo.err()).doesNotContain("score.budget-ms");   // a known key, of another command

    Result refused = Cli.run("--config", conf.toString(), "score", "--bootstrap", "127.0.0.1:7", "--model", "m");
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err().strip().lines().reduce((x, y) -> y).orElseThrow()).isEqualTo("endowatch score: Invalid value for"
        + " option '--budget-ms': 'abc' is not a long (set by " + conf + ", key score.budget-ms) (see 'endowatch score --help')");

    Result outOfRange = Cli.run(Map.of("ENDOWATCH_SCORE_BUDGET_MS", "-5"), "score", "--bootstrap", "127.0.0.1:7", "--model", "m");
    assertThat(outOfRange.err().strip()).isEqualTo("endowatch score: --budget-ms must be >= 0, got -5 (set by environment"
        + " variable ENDOWATCH_SCORE_BUDGET_MS) (see 'endowatch score --help')");
    Result onTheLine = Cli.run(Map.of("ENDOWATCH_SCORE_BUDGET_MS", "5"), "score", "--bootstrap", "127.0.0.1:7", "--model", "m",
        "--budget-ms", "-5");
    assertThat(onTheLine.err().strip()).as("given on the line, over a good default: not put down to the environment")
        .isEqualTo("endowatch score: --budget-ms must be >= 0, got -5 (see 'endowatch score --help')");
    Result typedOnTheLine = Cli.run("--config", conf.toString(), "score", "--bootstrap", "127.0.0.1:7", "--model", "m",
        "--budget-ms", "xyz");
    assertThat(typedOnTheLine.err().strip().lines().reduce((x, y) -> y).orElseThrow()).isEqualTo("endowatch score: Invalid value"
        + " for option '--budget-ms': 'xyz' is not a long (see 'endowatch score --help')");
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
    assertThat(r.err().strip()).isEqualTo("endowatch broker: --port must be 0..65535, got 70000 (see 'endowatch broker --help')");    // Every listening port, before anything starts (the console's said "port out of range:99999" after reaching Kafka).
    assertThat(Cli.run("console", "--bootstrap", "127.0.0.1:1", "--port", "99999").err().strip())
        .isEqualTo("endowatch console: --port must be 0..65535, got 99999 (see 'endowatch console --help')");
    assertThat(Cli.run("console", "--bootstrap", "127.0.0.1:1", "--metrics-port", "-2").err().strip())
        .isEqualTo("endowatch console: --metrics-port must be -1..65535, got -2 (see 'endowatch console --help')");
    assertThat(Cli.run("score", "--bootstrap", "127.0.0.1:1", "--model", "m", "--metrics-port", "-1").err().strip())
        .isEqualTo("endowatch score: --metrics-port must be 0..65535, got -1 (see 'endowatch score --help')");
    assertThat(Cli.run("demo", "--port", "65536").err().strip())
        .isEqualTo("endowatch demo: --port must be 0..65535, got 65536 (see 'endowatch demo --help')");
    assertThat(Cli.run("ingest", "--bootstrap", "127.0.0.1:1", "--source", "x.mp4", "--procedure", "p", "--metrics-port", "70000")
        .err().strip()).isEqualTo("endowatch ingest: --metrics-port must be -1..65535, got 70000 (see 'endowatch ingest --help')");
  }

  @Test
  void aBrokerPortInUseIsOneLineBeforeKafkaStarts() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Result r = Cli.run("broker", "--port", String.valueOf(taken.getLocalPort()));
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.err().lines().toList()).hasSize(1);
      assertThat(r.err().strip()).startsWith("endowatch broker: error: port " + taken.getLocalPort() + " on 127.0.0.1 is in use (")
          .endsWith("): another broker, or another program; stop it or give another --port");
    }
  }

  @Test
  void anOptionOutOfRangeIsNamedWithItsValue() {
    // The first option out of range, its range and what was given; the other options are not listed.
    assertThat(Cli.run("ingest", "--bootstrap", "127.0.0.1:9", "--source", "x.mp4", "--procedure", "p", "--fps", "0").err().strip())
        .isEqualTo("endowatch ingest: --fps must be > 0, got 0 (see 'endowatch ingest --help')");
    assertThat(Cli.run("ingest", "--bootstrap", "127.0.0.1:9", "--source", "x.mp4", "--procedure", "p", "--jpeg-quality", "101").err().strip())
        .isEqualTo("endowatch ingest: --jpeg-quality must be 1..100, got 101 (see 'endowatch ingest --help')");
    // Writing frames to a folder checks the same source options (it did not check them at all).
    assertThat(Cli.run("ingest", "--source", "x.mp4", "--procedure", "p", "--out-dir", "frames", "--fps", "0").err().strip())
        .isEqualTo("endowatch ingest: --fps must be > 0, got 0 (see 'endowatch ingest --help')");
    assertThat(Cli.run("train", "--data", "d", "--out", "o", "--preset", "micro", "--val-fraction", "1").err().strip())
        .isEqualTo("endowatch train: --val-fraction must be in [0, 1), got 1 (see 'endowatch train --help')");
    assertThat(Cli.run("train", "--data", "d", "--out", "o", "--preset", "micro", "--crop-area", "0").err().strip())
        .isEqualTo("endowatch train: --crop-area must be in (0, 1], got 0 (see 'endowatch train --help')");
    assertThat(Cli.run("train", "--data", "d", "--out", "o", "--preset", "micro", "--lr", "-0.5").err().strip())
        .isEqualTo("endowatch train: --lr must be > 0, got -0.5 (see 'endowatch train --help')");
    assertThat(Cli.run("score", "--model", "m", "--backlog-batch", "0").err().strip())
        .isEqualTo("endowatch score: --backlog-batch must be >= 1, got 0 (see 'endowatch score --help')");
    assertThat(Cli.run("bench", "pipeline", "--streams", "0").err().strip())
        .isEqualTo("endowatch bench: --streams must be >= 1, got 0 (see 'endowatch bench --help')");
    // Before any broker or model: each of these once ran on, or failed half a minute in.
    assertThat(Cli.run("bench", "model", "--repeats", "0").err().strip())
        .isEqualTo("endowatch bench: --repeats must be >= 1, got 0 (see 'endowatch bench --help')");
    assertThat(Cli.run("bench", "model", "--map-halvings", "5").err().strip())
        .isEqualTo("endowatch bench: --map-halvings must be 0..3, got 5 (see 'endowatch bench --help')");
    assertThat(Cli.run("bench", "model", "--memory-frames", "-3").err().strip())
        .isEqualTo("endowatch bench: --memory-frames must be >= 0, got -3 (see 'endowatch bench --help')");
    assertThat(Cli.run("bench", "pipeline", "--fps", "0").err().strip())
        .isEqualTo("endowatch bench: --fps must be > 0, got 0 (see 'endowatch bench --help')");
    assertThat(Cli.run("bench", "pipeline", "--seconds", "0").err().strip())
        .isEqualTo("endowatch bench: --seconds must be >= 1, got 0 (see 'endowatch bench --help')");
    assertThat(Cli.run("bench", "pipeline", "--warmup-seconds", "-5").err().strip())
        .isEqualTo("endowatch bench: --warmup-seconds must be >= 0, got -5 (see 'endowatch bench --help')");
    assertThat(Cli.run("bench", "pipeline", "--budget-ms", "-1").err().strip())
        .isEqualTo("endowatch bench: --budget-ms must be >= 0, got -1 (see 'endowatch bench --help')");
    assertThat(Cli.run("bench", "pipeline", "--backlog-batch", "0").err().strip())
        .isEqualTo("endowatch bench: --backlog-batch must be >= 1, got 0 (see 'endowatch bench --help')");
    // Options that went unchecked: a negative value ran as if valid, or failed after the broker was asked.
    assertThat(Cli.run("score", "--model", "m", "--threads", "2", "--batch-wait-ms", "-4").err().strip())
        .isEqualTo("endowatch score: --batch-wait-ms must be >= 0, got -4 (see 'endowatch score --help')");
    assertThat(Cli.run("eval", "--model", "m", "--normal", "n", "--anomalous", "a", "--out", "o", "--map-halvings", "7")
        .err().strip()).isEqualTo("endowatch eval: --map-halvings must be 0..3, got 7 (see 'endowatch eval --help')");
    assertThat(Cli.run("train", "--data", "d", "--out", "o", "--preset", "micro", "--weight-decay", "-1").err().strip())
        .isEqualTo("endowatch train: --weight-decay must be >= 0, got -1 (see 'endowatch train --help')");
    assertThat(Cli.run("train", "--data", "d", "--out", "o", "--preset", "micro", "--warmup-epochs", "-1").err().strip())
        .isEqualTo("endowatch train: --warmup-epochs must be >= 0, got -1 (see 'endowatch train --help')");
    assertThat(Cli.run("status", "--bootstrap", "127.0.0.1:1", "--recent", "0").err().strip())
        .isEqualTo("endowatch status: --recent must be >= 1, got 0 (see 'endowatch status --help')");
    assertThat(Cli.run("topics", "apply", "--bootstrap", "127.0.0.1:1", "--timeout-s", "0").err().strip())
        .isEqualTo("endowatch topics apply: --timeout-s must be >= 1, got 0 (see 'endowatch topics apply --help')");
    assertThat(Cli.run("topics", "check", "--bootstrap", "127.0.0.1:1", "--timeout-s", "0").err().strip())
        .isEqualTo("endowatch topics check: --timeout-s must be >= 1, got 0 (see 'endowatch topics check --help')");
    assertThat(Cli.run("replay", "rescore", "--bootstrap", "127.0.0.1:1", "--procedure", "p", "--model", "m", "--tag", "t",
        "--timeout-s", "0").err().strip())
        .isEqualTo("endowatch replay rescore: --timeout-s must be >= 1, got 0 (see 'endowatch replay rescore --help')");
    assertThat(Cli.run("synth", "procedure", "--out", "o.mp4", "--anomalies", "-2").err().strip())
        .isEqualTo("endowatch synth procedure: --anomalies must be >= 0, got -2 (see 'endowatch synth procedure --help')");
    assertThat(Cli.run("synth", "frames", "--out", "o", "--size", "16").err().strip())
        .isEqualTo("endowatch synth frames: --size must be >= 32, got 16 (see 'endowatch synth frames --help')");
    assertThat(Cli.run("synth", "frames", "--out", "o", "--count", "0").err().strip())
        .isEqualTo("endowatch synth frames: nothing to write: 0 normal and 0 anomalous frames (give --count or --anomalous above 0)"
            + " (see 'endowatch synth frames --help')");
    assertThat(Cli.run("synth", "procedure", "--out", "o.mp4", "--fps", "10", "--segment-seconds", "0.1").err().strip())
        .isEqualTo("endowatch synth procedure: a segment must hold at least 2 frames: --segment-seconds 0.1 at --fps 10 holds 1 "
            + "(see 'endowatch synth procedure --help')");
  }
}
