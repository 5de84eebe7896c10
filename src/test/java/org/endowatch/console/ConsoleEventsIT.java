package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.endowatch.contract.Score;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The event stream an open page reads: a procedure that ends, then one that retention deleted, are both pushed. */
@ExtendWith(RealKafka.class)
class ConsoleEventsIT {
  @Test
  void anOpenPageHearsThatAProcedureEndedAndThatItWasForgotten(KafkaCluster kafka) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    AtomicLong now = new AtomicLong(1_000_000);
    ConsoleStore store = new ConsoleStore(now::get, new ConsoleStore.Retention(60_000, 60_000, 60_000, 60_000));
    try (ConsoleFeed feed = new ConsoleFeed(kafka.settings().clientProps(), store);
         ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(null, now::get))) {
      HttpResponse<InputStream> events = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/events")).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
        assertThat(lines.readLine()).isEqualTo(": connected");
        store.score(Score.scored("evt-room", 0, 999_960, 1_000_000, 0.1, 0.3, "m"));
        assertThat(nextEvent(lines)).startsWith("summary {\"id\":\"evt-room\",\"live\":true,");

        now.addAndGet(ConsoleStore.LIVE_MS);
        // The feed announces it after its next poll; no record of the procedure arrives.
        assertThat(nextEvent(lines)).startsWith("summary {\"id\":\"evt-room\",\"live\":false,");

        now.addAndGet(60_000);
        assertThat(store.expire()).isEqualTo(1);
        assertThat(nextEvent(lines)).isEqualTo("forget {\"id\":\"evt-room\"}");
      }
    }
  }

  /**
   * The next event about this test's procedure as "TYPE DATA": heartbeats and other procedures (other
   * tests' records on the shared broker's topics) skipped.
   */
  private static String nextEvent(BufferedReader lines) throws Exception {
    while (true) {
      List<String> event = new ArrayList<>();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isEmpty() && !event.isEmpty()) {
          break;
        }
        if (line.startsWith("event: ") || line.startsWith("data: ")) {
          event.add(line.substring(line.indexOf(' ') + 1));
        }
      }
      assertThat(event).as("the stream ended").isNotEmpty();
      String joined = String.join(" ", event);
      if (joined.contains("\"id\":\"evt-room\"")) {
        return joined;
      }
    }
  }
}
