package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.endowatch.contract.Score;
import org.junit.jupiter.api.Test;

class ConsoleServerTest {
  @Test
  void gzipIsSentOnlyToAClientThatTakesIt() {
    assertThat(ConsoleServer.acceptsGzip("gzip, deflate, br, zstd")).isTrue();   // Chromium's
    assertThat(ConsoleServer.acceptsGzip("GZIP;q=0.5")).isTrue();
    assertThat(ConsoleServer.acceptsGzip("br")).isFalse();
    assertThat(ConsoleServer.acceptsGzip("gzip;q=0, br")).isFalse();
    assertThat(ConsoleServer.acceptsGzip("gzip; q=0.0")).isFalse();
    assertThat(ConsoleServer.acceptsGzip("")).isFalse();
    assertThat(ConsoleServer.acceptsGzip(null)).isFalse();
  }

  /** A failure inside the console answers that request with a 500 and its kind; the next request is served. */
  @Test
  void aRequestThatFailsInsideIsAnsweredWithItsKindAndTheConsoleGoesOn() throws Exception {
    ConsoleStore store = new ConsoleStore(() -> 1_000_000L);
    store.score(Score.scored("room-1", 0, 900_000, 900_020, 0.1, 0.3, "m"));
    // No feed: asking it for a frame throws inside the console, standing for any failure there.
    try (ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, null, new Access(null, () -> 1_000_000L))) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> failed = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/api/procedures/room-1/frames/0")).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> next = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/api/procedures/room-1/models")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(failed.statusCode()).isEqualTo(500);
      assertThat(failed.body()).isEqualTo("server error: NullPointerException\n");
      assertThat(next.statusCode()).isEqualTo(200);
      assertThat(next.body()).isEqualTo("[{\"fromIndex\":0,\"model\":\"m\",\"threshold\":0.3}]");
    }
  }
}
