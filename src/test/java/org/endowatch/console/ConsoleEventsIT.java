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
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TopicWriter;
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
      try (BufferedReader lines = events(server)) {
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
   * An Error on the feed thread (the console's heap used up by images: OutOfMemoryError, here thrown
   * by a listener the feed calls) is said on the page as a feed error, and the feed reads on: it
   * ended the thread, and the page stood still saying it was current, alerts included.
   */
  @Test
  void anErrorOnTheFeedThreadIsSaidAndTheFeedReadsOn(KafkaCluster kafka) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
    java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
    List<SourceHealth.Status> said = new java.util.concurrent.CopyOnWriteArrayList<>();
    store.listen(new ConsoleStore.Listener() {
      @Override
      public void changed(ConsoleStore.Summary summary, org.endowatch.contract.AlertEvent alert) {
        if (summary.id().equals("oom-room") && thrown.compareAndSet(false, true)) {
          throw new OutOfMemoryError("Java heap space");
        }
      }

      @Override
      public void source(SourceHealth.State state) {
        said.add(state.status());
      }
    });
    try (ConsoleFeed feed = new ConsoleFeed(kafka.settings().clientProps(), store)) {
      long t = System.currentTimeMillis();
      TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), "oom-room",
          List.of(Score.scored("oom-room", 0, t - 40, t, 0.1, 0.3, "m")));
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!thrown.get()) {
        assertThat(System.nanoTime()).as("the feed reads the first score").isLessThan(deadline);
        Thread.sleep(50);
      }
      TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), "oom-room",
          List.of(Score.scored("oom-room", 1, t, t + 40, 0.1, 0.3, "m")));
      while (store.summary("oom-room").lastIndex() < 1) {
        assertThat(System.nanoTime()).as("the feed reads on after the Error").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(said).contains(SourceHealth.Status.FEED_ERROR);
    }
  }

  @Test
  void anOpenPageHearsAtOnceThatIngestEndedARecordingNotFifteenSecondsLater(KafkaCluster kafka) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    AtomicLong now = new AtomicLong(System.currentTimeMillis());
    ConsoleStore store = new ConsoleStore(now::get);
    try (ConsoleFeed feed = new ConsoleFeed(kafka.settings().clientProps(), store);
         ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(null, now::get))) {
      try (BufferedReader lines = events(server)) {
        store.score(Score.scored("evt-ended", 0, now.get() - 40, now.get(), 0.1, 0.3, "m"));
        assertThat(nextEvent(lines, "evt-ended")).startsWith("summary {\"id\":\"evt-ended\",\"live\":true,");

        // Through the topic and the feed, with the console's clock standing still: no 15 s pass.
        TopicWriter.send(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().serializer(), "evt-ended",
            List.of(ProcedureEvent.ended("evt-ended", now.get(), "v4l2:/dev/video0", 1, ProcedureEvent.STOPPED)));
        assertThat(nextEvent(lines, "evt-ended")).startsWith("summary {\"id\":\"evt-ended\",\"live\":false,")
            .contains(",\"recording\":\"ended\",\"recordingReason\":\"stopped\",\"recordingAtMs\":" + now.get() + ",")
            .contains("\"framesStopped\":false");
      }
    }
  }

  @Test
  void aLongTimelineGoesGzippedToAClientThatTakesItAndPlainToOneThatDoesNot(KafkaCluster kafka) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    AtomicLong now = new AtomicLong(1_000_000);
    ConsoleStore store = new ConsoleStore(now::get);
    for (int i = 0; i < 2_000; i++) {
      store.score(Score.scored("gz-room", i, 900_000 + 33L * i, 900_020 + 33L * i, 0.001 * (i % 17), 0.3, "m"));
    }
    try (ConsoleFeed feed = new ConsoleFeed(kafka.settings().clientProps(), store);
         ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(null, now::get))) {
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/api/procedures/gz-room");
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<byte[]> plain = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
      HttpResponse<byte[]> packed = http.send(HttpRequest.newBuilder(uri).header("Accept-Encoding", "gzip, deflate").build(),
          HttpResponse.BodyHandlers.ofByteArray());

      assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
      assertThat(new String(plain.body(), StandardCharsets.UTF_8)).startsWith("{\"summary\":{\"id\":\"gz-room\"");
      assertThat(packed.headers().firstValue("Content-Encoding")).contains("gzip");
      assertThat(packed.headers().firstValue("Vary")).contains("Accept-Encoding");
      try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(packed.body()))) {
        assertThat(in.readAllBytes()).isEqualTo(plain.body());
      }
      assertThat(packed.body().length).isLessThan(plain.body().length / 3);
      // A small body is sent as it is.
      HttpResponse<byte[]> small = http.send(HttpRequest.newBuilder(URI.create(uri + "/models"))
          .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(small.headers().firstValue("Content-Encoding")).isEmpty();
      assertThat(new String(small.body(), StandardCharsets.UTF_8)).isEqualTo("[{\"fromIndex\":0,\"model\":\"m\",\"threshold\":0.3}]");
    }
  }

  /** A frame older than the ones kept in memory is read back from the frames topic by its offset. */
  @Test
  void aFrameNoLongerInMemoryIsReadBackFromTheTopic(KafkaCluster kafka) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    long t0 = System.currentTimeMillis();
    String id = "api-frames-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    List<org.endowatch.contract.Frame> frames = new ArrayList<>();
    for (int i = 0; i < ConsoleStore.RECENT + 6; i++) {
      frames.add(org.endowatch.testing.TestFrames.jpeg(id, i, t0 + 40L * i, 64, 48));
    }
    TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), id, frames);
    ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
    try (ConsoleFeed feed = new ConsoleFeed(kafka.settings().clientProps(), store);
         ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(null, System::currentTimeMillis))) {
      long last = frames.size() - 1;
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (store.location(id, last) == null && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(store.image(id, 0)).as("past the frames kept in memory").isNull();
      HttpClient http = HttpClient.newHttpClient();
      java.util.function.Function<String, HttpResponse<byte[]>> get = path -> {
        try {
          return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/procedures/" + id
              + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };

      HttpResponse<byte[]> first = get.apply("/frames/0");
      HttpResponse<byte[]> newest = get.apply("/frames/" + last);
      HttpResponse<byte[]> never = get.apply("/frames/" + (last + 100));

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.body()).isEqualTo(frames.get(0).image());
      assertThat(newest.body()).isEqualTo(frames.get((int) last).image());
      assertThat(never.statusCode()).isEqualTo(404);
      assertThat(new String(never.body(), StandardCharsets.UTF_8)).isEqualTo("frame not available\n");
    }
  }

  /** What a script using the console's API gets back for requests the page never makes. */
  @Test
  void theApiAnswersWhatItCannotServeWithAStatusAndWhy(KafkaCluster kafka) throws Exception {
    AtomicLong now = new AtomicLong(1_000_000);
    ConsoleStore store = new ConsoleStore(now::get);
    for (int i = 0; i < 5; i++) {
      store.score(Score.scored("api-room", i, 900_000 + 33L * i, 900_020 + 33L * i, 0.1, 0.3, "m"));
    }
    try (ConsoleFeed feed = new ConsoleFeed(kafka.settings().clientProps(), store);
         ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(null, now::get))) {
      String base = "http://127.0.0.1:" + server.port();
      HttpClient http = HttpClient.newHttpClient();
      java.util.function.Function<HttpRequest, String> answer = request -> {
        try {
          HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
          return r.statusCode() + " " + r.body().strip();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
      java.util.function.Function<String, String> get = path -> answer.apply(HttpRequest.newBuilder(URI.create(base + path)).build());

      assertThat(get.apply("/api/procedures/api-room/timeline?from=3")).startsWith("200 [{\"index\":3,").doesNotContain("\"index\":2,");
      assertThat(get.apply("/api/procedures/api-room/timeline?from=three"))
          .isEqualTo("400 bad request: from must be a whole number, got 'three'");
      assertThat(get.apply("/api/procedures/api-room/frames/x1")).isEqualTo("400 bad request: frame index must be a whole number, got 'x1'");
      assertThat(get.apply("/api/procedures/api-room/heatmaps/2.5"))
          .isEqualTo("400 bad request: frame index must be a whole number, got '2.5'");
      assertThat(get.apply("/api/procedures/api-room/heatmaps/2")).isEqualTo("404 heatmap not available");
      assertThat(get.apply("/api/procedures/nobody")).isEqualTo("404 no such procedure");
      assertThat(get.apply("/api/procedures/api-room/nothing")).isEqualTo("404 not found");
      assertThat(get.apply("/nothing")).isEqualTo("404 not found");
      assertThat(answer.apply(HttpRequest.newBuilder(URI.create(base + "/api/procedures"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build())).isEqualTo("405 GET only");
    }
  }

  /** The page's event stream from {@code server}, past its first line. */
  private static BufferedReader events(ConsoleServer server) throws Exception {
    HttpResponse<InputStream> events = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/events")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    // Said to proxies too: nginx holds back what it buffers, and a page behind it heard nothing.
    assertThat(events.headers().firstValue("X-Accel-Buffering")).contains("no");
    BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8));
    assertThat(lines.readLine()).isEqualTo(": connected");
    // Then the overview as it is now, which a page that connects again replaces its own with.
    assertThat(lines.readLine()).isEqualTo("");
    assertThat(lines.readLine()).isEqualTo("event: procedures");
    assertThat(lines.readLine()).startsWith("data: [");
    return lines;
  }

  /**
   * The next event about this test's procedure as "TYPE DATA": heartbeats and other procedures (other
   * tests' records on the shared broker's topics) skipped.
   */
  private static String nextEvent(BufferedReader lines) throws Exception {
    return nextEvent(lines, "evt-room");
  }

  private static String nextEvent(BufferedReader lines, String id) throws Exception {
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
      // The overview each connection opens with (tested on its own) lists every procedure.
      if (!event.get(0).equals("procedures") && joined.contains("\"id\":\"" + id + "\"")) {
        return joined;
      }
    }
  }
}
