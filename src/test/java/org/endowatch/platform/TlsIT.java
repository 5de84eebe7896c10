package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose client listener speaks TLS and requires a client certificate (mutual TLS, as a
 * hospital cluster would): the CLI's Kafka commands work with the key and trust stores passed
 * through --kafka-config, and fail with one line without TLS, or with a trust store that does not
 * know the broker. Certificates are made by the JDK's keytool for the test, valid for two days.
 */
class TlsIT {
  static final String PASSWORD = "store-pw-123";

  @Test
  void kafkaCommandsConnectOverMutualTlsWithTheStoresTheyAreGiven(@TempDir Path dir) throws Exception {
    Path brokerKeys = keyPair(dir, "broker");
    Path clientKeys = keyPair(dir, "client");
    Path strangerKeys = keyPair(dir, "stranger");
    Path brokerTrust = trustStore(dir, "broker-trust", brokerKeys, clientKeys); // itself for its own self-checks
    Path clientTrust = trustStore(dir, "client-trust", brokerKeys);
    Path strangerTrust = trustStore(dir, "stranger-trust", strangerKeys);
    Map<String, String> tls = Map.of(
        "listener.security.protocol.map", "PLAINTEXT:SSL,CONTROLLER:PLAINTEXT",
        "ssl.keystore.type", "PKCS12",
        "ssl.keystore.location", brokerKeys.toString(),
        "ssl.keystore.password", PASSWORD,
        "ssl.key.password", PASSWORD,
        "ssl.truststore.type", "PKCS12",
        "ssl.truststore.location", brokerTrust.toString(),
        "ssl.truststore.password", PASSWORD,
        "ssl.client.auth", "required");
    Properties good = client(clientKeys, clientTrust);
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("kafka"), tls, good, Duration.ofSeconds(90))) {
      String bootstrap = broker.bootstrapServers();
      Path goodFile = SecuredSession.write(dir.resolve("good.properties"), good);
      Path untrusting = SecuredSession.write(dir.resolve("untrusting.properties"), client(clientKeys, strangerTrust));

      SecuredSession s = SecuredSession.run(dir, bootstrap, goodFile, untrusting, "tls-1");

      assertThat(s.without().exitCode()).isEqualTo(1);
      assertThat(s.without().err().lines().toList()).hasSize(1);
      assertThat(s.wrong().exitCode()).isEqualTo(1);
      assertThat(s.wrong().err().lines().toList()).hasSize(1);
      assertThat(s.wrong().err()).contains("TLS handshake with Kafka at " + bootstrap + " failed",
          "check the ssl.* trust and key stores in --kafka-config");
      assertThat(s.apply().exitCode()).as(s.apply().err()).isZero();
      assertThat(s.ingest().exitCode()).as(s.ingest().err()).isZero();
      assertThat(s.framesReadBack()).isEqualTo(50);
    }
  }

  static Properties client(Path keys, Path trust) {
    Properties p = new Properties();
    p.put("security.protocol", "SSL");
    p.put("ssl.keystore.type", "PKCS12");
    p.put("ssl.keystore.location", keys.toString());
    p.put("ssl.keystore.password", PASSWORD);
    p.put("ssl.key.password", PASSWORD);
    p.put("ssl.truststore.type", "PKCS12");
    p.put("ssl.truststore.location", trust.toString());
    p.put("ssl.truststore.password", PASSWORD);
    return p;
  }

  /** A self-signed key pair for localhost / 127.0.0.1 in NAME.p12. */
  static Path keyPair(Path dir, String name) throws Exception {
    Path store = dir.resolve(name + ".p12");
    keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost,O=endowatch-test-" + name, "-ext", "SAN=dns:localhost,ip:127.0.0.1",
        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD);
    return store;
  }

  /** A trust store NAME.p12 holding the certificates of the given key stores. */
  static Path trustStore(Path dir, String name, Path... keyStores) throws Exception {
    Path store = dir.resolve(name + ".p12");
    for (Path keys : keyStores) {
      String alias = keys.getFileName().toString().replace(".p12", "");
      Path cert = dir.resolve(name + "-" + alias + ".pem");
      keytool("-exportcert", "-rfc", "-alias", alias, "-keystore", keys.toString(), "-storepass", PASSWORD,
          "-file", cert.toString());
      keytool("-importcert", "-noprompt", "-alias", alias, "-file", cert.toString(), "-keystore", store.toString(),
          "-storetype", "PKCS12", "-storepass", PASSWORD);
    }
    return store;
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}
