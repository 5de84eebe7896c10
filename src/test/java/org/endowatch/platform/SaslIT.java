package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Topics;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose client listener needs SASL/PLAIN credentials: the CLI's Kafka commands work with
 * them passed through --kafka-config, and fail with a clear line without them or with a wrong
 * password.
 */
class SaslIT {
  static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required";

  @Test
  void kafkaCommandsAuthenticateWithTheClientConfigTheyAreGiven(@TempDir Path dir) throws Exception {
    Map<String, String> sasl = Map.of(
        "listener.security.protocol.map", "PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
        "sasl.enabled.mechanisms", "PLAIN",
        "sasl.mechanism.inter.broker.protocol", "PLAIN",
        "listener.name.plaintext.plain.sasl.jaas.config",
        JAAS + " username=\"admin\" password=\"admin-pw\" user_admin=\"admin-pw\" user_endowatch=\"scope-pw\";");
    Properties admin = client("admin", "admin-pw");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("kafka"), sasl, admin, Duration.ofSeconds(90))) {
      String bootstrap = broker.bootstrapServers();
      Path good = write(dir.resolve("good.properties"), client("endowatch", "scope-pw"));
      Path bad = write(dir.resolve("bad.properties"), client("endowatch", "guessed"));
      Path video = dir.resolve("p.mp4");
      assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", "2", "--segment-seconds", "1").exitCode())
          .isZero();

      Cli.Result noCredentials = Cli.run("topics", "apply", "--bootstrap", bootstrap, "--timeout-s", "5");
      Cli.Result wrongPassword = Cli.run("topics", "apply", "--bootstrap", bootstrap, "--kafka-config", bad.toString(),
          "--timeout-s", "5");
      Cli.Result apply = Cli.run("topics", "apply", "--bootstrap", bootstrap, "--kafka-config", good.toString());
      Cli.Result ingest = Cli.run("ingest", "--bootstrap", bootstrap, "--kafka-config", good.toString(), "--source",
          video.toString(), "--procedure", "sasl-1");

      assertThat(noCredentials.exitCode()).isEqualTo(1);
      assertThat(noCredentials.err().lines().toList()).hasSize(1);
      assertThat(wrongPassword.exitCode()).isEqualTo(1);
      assertThat(wrongPassword.err()).contains("Authentication failed");
      assertThat(apply.exitCode()).as(apply.err()).isZero();
      assertThat(ingest.exitCode()).as(ingest.err()).isZero();
      KafkaCluster cluster = KafkaCluster.of(bootstrap, "embedded-sasl", good);
      List<ConsumerRecord<String, Frame>> frames = TopicReader.read(cluster, Topics.FRAMES.name(),
          Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("sasl-1"), 50);
      assertThat(frames).hasSize(50);
    }
  }

  static Properties client(String user, String password) {
    Properties p = new Properties();
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "PLAIN");
    p.put("sasl.jaas.config", JAAS + " username=\"" + user + "\" password=\"" + password + "\";");
    return p;
  }

  static Path write(Path file, Properties p) throws Exception {
    try (var out = Files.newOutputStream(file)) {
      p.store(out, null);
    }
    return file;
  }
}
