package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import org.endowatch.testing.TestKeystores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
  static final String PASSWORD = "keystore-password";

  @Test
  void opensAKeystoreWithItsKeyAndSaysWhatIsWrongWithABadOne(@TempDir Path dir) throws Exception {
    Path good = TestKeystores.selfSigned(dir.resolve("console.p12"), PASSWORD);
    assertThat(Tls.serverContext(good, PASSWORD.toCharArray()).getProtocol()).isEqualTo("TLS");

    Path none = dir.resolve("missing.p12");
    assertThatThrownBy(() -> Tls.serverContext(none, PASSWORD.toCharArray())).hasMessage("--tls-keystore " + none
        + ": no readable file there; give a PKCS12 keystore with the console's key and certificate (keytool -genkeypair -storetype PKCS12 ...)");
    assertThatThrownBy(() -> Tls.serverContext(good, "wrong".toCharArray()))
        .hasMessageStartingWith("--tls-keystore " + good + ": cannot open it (")
        .hasMessageEndingWith("): is --tls-password (or ENDOWATCH_CONSOLE_TLS_PASSWORD) right, and is it a PKCS12 or JKS keystore?");
    Path text = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nnot a keystore\n");
    assertThatThrownBy(() -> Tls.serverContext(text, PASSWORD.toCharArray()))
        .hasMessageStartingWith("--tls-keystore " + text + ": cannot open it (");

    // A trust store: the certificate alone, no key to serve with.
    KeyStore source = KeyStore.getInstance(good.toFile(), PASSWORD.toCharArray());
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("console", source.getCertificate("console"));
    Path certsOnly = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(certsOnly)) {
      trust.store(out, PASSWORD.toCharArray());
    }
    assertThatThrownBy(() -> Tls.serverContext(certsOnly, PASSWORD.toCharArray())).hasMessage("--tls-keystore " + certsOnly
        + ": holds no private key, only certificates; the console needs its own key and certificate (keytool -genkeypair), not a trust store");
  }
}
