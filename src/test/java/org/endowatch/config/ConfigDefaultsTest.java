package org.endowatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class ConfigDefaultsTest {
  @Command(name = "root", subcommands = Score.class)
  static final class Root implements Runnable {
    @Override
    public void run() {}
  }

  @Command(name = "score")
  static final class Score implements Runnable {
    @Option(names = "--budget-ms", defaultValue = "100") int budgetMs;
    @Option(names = "--bootstrap") String bootstrap;

    @Override
    public void run() {}
  }

  private static Score parse(Map<String, String> env, Properties file, String... args) {
    CommandLine cl = new CommandLine(new Root());
    cl.setDefaultValueProvider(new ConfigDefaults(env, file));
    CommandLine.ParseResult r = cl.parseArgs(args);
    return (Score) r.subcommand().commandSpec().userObject();
  }

  @Test
  void commandLineBeatsEnvironmentBeatsFileBeatsBuiltIn() {
    Properties file = new Properties();
    file.setProperty("score.budget-ms", "300");
    file.setProperty("budget-ms", "400");
    file.setProperty("bootstrap", "file:1");

    assertThat(parse(Map.of(), new Properties(), "score").budgetMs).isEqualTo(100);
    assertThat(parse(Map.of(), file, "score").budgetMs).isEqualTo(300);
    assertThat(parse(Map.of("ENDOWATCH_BUDGET_MS", "250"), file, "score").budgetMs).isEqualTo(250);
    assertThat(parse(Map.of("ENDOWATCH_BUDGET_MS", "250", "ENDOWATCH_SCORE_BUDGET_MS", "200"), file, "score").budgetMs)
        .isEqualTo(200);
    assertThat(parse(Map.of("ENDOWATCH_SCORE_BUDGET_MS", "200"), file, "score", "--budget-ms", "50").budgetMs)
        .isEqualTo(50);
    assertThat(parse(Map.of(), file, "score").bootstrap).isEqualTo("file:1");
  }

  @Test
  void kafkaSettingsMergeExtraPropertiesUnderBootstrap() {
    Properties extra = new Properties();
    extra.setProperty("security.protocol", "SASL_PLAINTEXT");
    extra.setProperty("bootstrap.servers", "ignored:1");
    KafkaSettings s = new KafkaSettings("h:9092", extra);

    assertThat(s.clientProps()).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("bootstrap.servers", "h:9092");
  }
}
