package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestKeystores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console with a token, over real HTTP: data without the token 401 (the page itself open), the
 * token 200, repeated wrong tokens 429;
 * and over HTTPS with its own keystore.
 */
@ExtendWith(RealKafka.class)
class ConsoleAccessIT {
  static final String TOKEN = "a-long-enough-console-token";

  @Test
  void everyRequestForDataNeedsTheTokenAndGuessingIsRateLimited(KafkaCluster kafka) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
    try (ConsoleFeed feed = new ConsoleFeed(kafka.settings().clientProps(), store);
         ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(TOKEN, System::currentTimeMillis))) {
      String base = "http://127.0.0.1:" + server.port();
      HttpClient http = HttpClient.newHttpClient();

      assertThat(get(http, base + "/api/procedures", null)).isEqualTo(401);
      assertThat(get(http, base + "/api/procedures/any/frames/0", null)).isEqualTo(401);
      assertThat(get(http, base + "/health", null)).as("the probe endpoint stays open").isEqualTo(200);
      // The page's own files hold no data, and a browser fetches its script and style without the
      // token its address carries: open, and not counted as failures.
      for (String file : List.of("/", "/index.html", "/app.js", "/app.css")) {
        assertThat(get(http, base + file, null)).as(file).isEqualTo(200);
      }
      assertThat(get(http, base + "/api/procedures", TOKEN)).isEqualTo(200);
      assertThat(get(http, base + "/api/procedures?token=" + TOKEN, null)).isEqualTo(200);
      // As the page sends it: a cookie per console port; another console's on the same host beside it.
      assertThat(cookie(http, base + "/api/procedures", "endowatch_token_9999=another-consoles-token; endowatch_token_"
          + server.port() + "=" + TOKEN)).isEqualTo(200);
      assertThat(cookie(http, base + "/api/procedures", "endowatch_token_" + server.port() + "=wrong")).isEqualTo(401);
      assertThat(cookie(http, base + "/api/procedures", "endowatch_token_" + server.port() + "=%zz"))
          .as("not percent-encoding: a wrong token, not a server error").isEqualTo(401);
      // The two requests without a token, the wrong cookie and the %zz were failures 1 to 4; one more makes five.
      for (int i = 0; i < Access.MAX_FAILURES - 4; i++) {
        assertThat(get(http, base + "/api/procedures", "wrong-token-" + i)).isEqualTo(401);
      }
      assertThat(get(http, base + "/api/procedures", TOKEN)).as("locked out for a minute").isEqualTo(429);
    }
  }

  @Test
  void overHttpsWithItsKeystoreOnlyATlsClientThatTrustsItsCertificateGetsIn(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    Path keystore = TestKeystores.selfSigned(dir.resolve("console.p12"), "keystore-password");
    ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
    try (ConsoleFeed feed = new ConsoleFeed(kafka.settings().clientProps(), store);
         ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(TOKEN, System::currentTimeMillis),
             Tls.serverContext(keystore, "keystore-password".toCharArray()))) {
      assertThat(server.scheme()).isEqualTo("https");
      // A client that trusts the console's certificate (as a unit installs it on its workstations).
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(KeyStore.getInstance(keystore.toFile(), "keystore-password".toCharArray()));
      SSLContext trusting = SSLContext.getInstance("TLS");
      trusting.init(null, tmf.getTrustManagers(), null);
      HttpClient https = HttpClient.newBuilder().sslContext(trusting).build();
      String base = "https://127.0.0.1:" + server.port();

      assertThat(get(https, base + "/api/procedures", TOKEN)).isEqualTo(200);
      assertThat(get(https, base + "/api/procedures", null)).as("the token still counts").isEqualTo(401);
      assertThat(get(https, base + "/health", null)).isEqualTo(200);
      // Plain HTTP to the same port gets nothing; nor does a client that does not trust the certificate.
      assertThatThrownBy(() -> get(HttpClient.newHttpClient(), "http://127.0.0.1:" + server.port() + "/health", null))
          .isInstanceOf(java.io.IOException.class);
      assertThatThrownBy(() -> get(HttpClient.newHttpClient(), base + "/health", null))
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }
  }

  private static int cookie(HttpClient http, String url, String cookies) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookies).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int get(HttpClient http, String url, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
