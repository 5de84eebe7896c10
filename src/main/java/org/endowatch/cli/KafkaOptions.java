package org.endowatch.cli;

import java.nio.file.Path;
import org.endowatch.config.KafkaSettings;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The Kafka options every command that talks to Kafka takes. */
public final class KafkaOptions {
  @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (also ENDOWATCH_BOOTSTRAP or bootstrap= in --config).")
  String bootstrap;

  @Option(names = "--kafka-config", paramLabel = "FILE",
      description = "Extra Kafka client properties (security.protocol, sasl.*, ssl.*).")
  Path kafkaConfig;

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  /** The settings, or a usage error naming the missing option. */
  public KafkaSettings settings() {
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "missing --bootstrap HOST:PORT (or set ENDOWATCH_BOOTSTRAP, or bootstrap= in --config FILE)");
    }
    try {
      return KafkaSettings.of(bootstrap, kafkaConfig);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
