package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.endowatch.testing.SaslPlain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose client listener needs SASL/PLAIN credentials: the CLI's Kafka commands work with
 * them passed through --kafka-config, and fail with a clear line without them or with a wrong
 * password.
 */
class SaslIT {
  @Test
  void kafkaCommandsAuthenticateWithTheClientConfigTheyAreGiven(@TempDir Path dir) throws Exception {
    Map<String, String> sasl = SaslPlain.broker("endowatch", "scope-pw", false);
    Properties admin = SaslPlain.client("admin", "admin-pw");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("kafka"), sasl, admin, Duration.ofSeconds(90))) {
      String bootstrap = broker.bootstrapServers();
      Path good = SecuredSession.write(dir.resolve("good.properties"), SaslPlain.client("endowatch", "scope-pw"));
      Path bad = SecuredSession.write(dir.resolve("bad.properties"), SaslPlain.client("endowatch", "guessed"));

      SecuredSession s = SecuredSession.run(dir, bootstrap, good, bad, "sasl-1");

      assertThat(s.without().exitCode()).isEqualTo(1);
      assertThat(s.without().err().lines().toList()).hasSize(1);
      assertThat(s.wrong().exitCode()).isEqualTo(1);
      assertThat(s.wrong().err()).contains("Authentication failed");
      assertThat(s.apply().exitCode()).as(s.apply().err()).isZero();
      assertThat(s.ingest().exitCode()).as(s.ingest().err()).isZero();
      assertThat(s.framesReadBack()).isEqualTo(50);
    }
  }
}
