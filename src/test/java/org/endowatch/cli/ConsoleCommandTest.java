package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.endowatch.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's options that are checked before it talks to Kafka. */
class ConsoleCommandTest {
  @Test
  void tlsOptionsThatCannotWorkAreUsageErrors(@TempDir Path dir) {
    Cli.Result alone = Cli.run("console", "--bootstrap", "127.0.0.1:1", "--tls-password", "secret-password");
    assertThat(alone.exitCode()).isEqualTo(2);
    assertThat(alone.err().lines().findFirst().orElseThrow()).isEqualTo("endowatch console: --tls-password without "
        + "--tls-keystore: give the keystore it opens (see 'endowatch console --help')");
    Path missing = dir.resolve("console.p12");
    Cli.Result absent = Cli.run("console", "--bootstrap", "127.0.0.1:1", "--tls-keystore", missing.toString());
    assertThat(absent.exitCode()).isEqualTo(2);
    assertThat(absent.err()).startsWith("endowatch console: --tls-keystore " + missing + ": no readable file there");
  }

  @Test
  void plainHttpBeyondThisMachineIsSaidOnStartNotRefused() {
    assertThat(ConsoleCommand.plainHttpWarning("127.0.0.1", false)).isNull();
    assertThat(ConsoleCommand.plainHttpWarning("0.0.0.0", true)).isNull();
    assertThat(ConsoleCommand.plainHttpWarning("0.0.0.0", false)).isEqualTo("console: plain HTTP on 0.0.0.0: the token and "
        + "patient video cross the network unencrypted; give --tls-keystore, or serve it behind a proxy that terminates TLS");
  }
}
