package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.endowatch.contract.Topics;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.TopicReader;

/**
 * The CLI session SaslIT and TlsIT both run against a broker that needs client security: topics
 * apply without a client config and with a wrong one, then with the right one, and an ingest of a
 * 2 s procedure (50 frames) with it, read back with the same config. Each test asserts on the results.
 */
record SecuredSession(Cli.Result without, Cli.Result wrong, Cli.Result apply, Cli.Result ingest, int framesReadBack) {
  static SecuredSession run(Path dir, String bootstrap, Path good, Path wrong, String procedure) throws Exception {
    Path video = dir.resolve("p.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", "2", "--segment-seconds", "1").exitCode())
        .isZero();
    Cli.Result without = Cli.run("topics", "apply", "--bootstrap", bootstrap, "--timeout-s", "5");
    Cli.Result wrongResult = Cli.run("topics", "apply", "--bootstrap", bootstrap, "--kafka-config", wrong.toString(),
        "--timeout-s", "5");
    Cli.Result apply = Cli.run("topics", "apply", "--bootstrap", bootstrap, "--kafka-config", good.toString());
    Cli.Result ingest = Cli.run("ingest", "--bootstrap", bootstrap, "--kafka-config", good.toString(), "--source",
        video.toString(), "--procedure", procedure);
    int frames = ingest.exitCode() != 0 ? 0 : TopicReader.read(KafkaCluster.of(bootstrap, "embedded-secured", good),
        Topics.FRAMES.name(), Topics.FRAMES.valueSerde().deserializer(), TopicReader.key(procedure), 50).size();
    return new SecuredSession(without, wrongResult, apply, ingest, frames);
  }

  /** Writes client properties to {@code file}, as a user's --kafka-config file. */
  static Path write(Path file, Properties p) throws Exception {
    try (var out = Files.newOutputStream(file)) {
      p.store(out, null);
    }
    return file;
  }
}
