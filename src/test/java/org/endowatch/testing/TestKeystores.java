package org.endowatch.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Keystores for tests, made by the JDK's own keytool, as an operator would make one. */
public final class TestKeystores {
  private TestKeystores() {}

  /**
   * A PKCS12 keystore at {@code file} holding one EC key ({@code alias} "console") with a
   * self-signed certificate for 127.0.0.1 and localhost, store and key under {@code password}.
   */
  public static Path selfSigned(Path file, String password) throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "console", "-keyalg", "EC",
        "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", password, "-keypass", password))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    return file;
  }
}
