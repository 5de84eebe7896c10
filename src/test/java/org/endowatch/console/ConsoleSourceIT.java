package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.platform.EmbeddedKafkaBroker;
import org.endowatch.platform.MetricsServer;
import org.endowatch.testing.Cli;
import org.endowatch.testing.Scrape;
import org.endowatch.testing.ThreeBrokers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console loses what it reads from: its broker stops, or partitions lose their leader. Nothing
 * arrives, which must not look like quiet: the page says since when it is not updating, and keeps
 * a live procedure live, with its open alert, instead of calling it ended. Or retention deletes
 * what a starting console is still reading: it loses only that. Each test has brokers of its own,
 * since it stops them or deletes records.
 */
class ConsoleSourceIT {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void aLostBrokerIsSaidOnThePageAndALiveProcedureInAlertStaysInAlertUntilItIsBack(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("kafka");
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, data, Map.of(), Duration.ofSeconds(90));
    int port = broker.port();
    String bootstrap = broker.bootstrapServers();
    assertThat(Cli.run("topics", "apply", "--bootstrap", bootstrap).exitCode()).isZero();
    Properties client = new Properties();
    client.put("bootstrap.servers", bootstrap);
    ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
    AtomicBoolean stop = new AtomicBoolean();
    Thread feeder = new Thread(() -> feed(client, "room-src", stop), "feeder");
    feeder.setDaemon(true);
    EmbeddedKafkaBroker again = null;
    try (ConsoleFeed feed = new ConsoleFeed(client, store);
         ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(null, System::currentTimeMillis));
         MetricsServer metrics = new MetricsServer("127.0.0.1", 0, () -> true)) {
      ConsoleMetrics.bind(metrics.registry(), store::source, System::currentTimeMillis, store);   // as `console --metrics-port`
      feeder.start();
      WebDriver browser = ConsoleBrowserIT.chromium(dir);
      try {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.ignoring(StaleElementReferenceException.class);
        browser.get("http://127.0.0.1:" + server.port() + "/");
        By state = By.cssSelector("tr[data-id='room-src'] td:nth-child(2)");
        By alert = By.cssSelector("tr[data-id='room-src'] td:nth-child(5)");
        By banner = By.id("source");
        wait.until(d -> d.findElement(state).getText().equals("live") && d.findElement(alert).getText().equals("ALERT"));
        wait.until(d -> "OK".equals(d.findElement(banner).getAttribute("data-status")) && !d.findElement(banner).isDisplayed());

        broker.close();
        long stoppedAt = System.currentTimeMillis();
        wait.until(d -> "UNREACHABLE".equals(d.findElement(banner).getAttribute("data-status")));
        assertThat(browser.findElement(banner).getText()).startsWith("NOT UPDATING since ").contains("the console cannot reach Kafka");
        wait.until(d -> d.findElement(state).getText().startsWith("NOT UPDATING (since "));
        assertThat(browser.getTitle()).startsWith("⚠ NOT UPDATING — ● ALERT (1) — ");
        // Past the point where silence used to end it on the page, it is still shown live and in alert.
        long past = stoppedAt + ConsoleStore.LIVE_MS + 3_000;
        while (System.currentTimeMillis() < past) {
          Thread.sleep(500);
          String shown = wait.until(d -> d.findElement(state).getText() + " | " + d.findElement(alert).getText());
          assertThat(shown).startsWith("NOT UPDATING (since ").endsWith(" | ALERT (last known)");
        }
        Path shot = Path.of("target", "console-not-updating.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        JsonNode source = get(server.port(), "/api/source");
        assertThat(source.get("status").asText()).isEqualTo("UNREACHABLE");
        assertThat(source.get("sinceMs").asLong()).isBetween(stoppedAt - SourceHealth.PROBE_EVERY_MS - 1_000, stoppedAt);
        JsonNode row = get(server.port(), "/api/procedures").get(0);
        assertThat(row.get("live").asBoolean()).isTrue();
        assertThat(row.get("alerting").asBoolean()).isTrue();
        assertThat(row.get("staleSinceMs").asLong()).isEqualTo(source.get("sinceMs").asLong());
        // The same for Prometheus, where nobody need be looking at the page.
        long scrapedAt = System.currentTimeMillis();
        String scraped = Scrape.of(metrics.port());
        assertThat(Scrape.value(scraped, "endowatch_console_source_state{state=\"unreachable\"}")).isEqualTo(1.0);
        assertThat(Scrape.value(scraped, "endowatch_console_source_state{state=\"ok\"}")).isEqualTo(0.0);
        assertThat(Scrape.value(scraped, "endowatch_console_not_updating_seconds"))
            .isBetween((scrapedAt - source.get("sinceMs").asLong()) / 1000.0 - 1, (System.currentTimeMillis() - source.get("sinceMs").asLong()) / 1000.0);

        again = EmbeddedKafkaBroker.start(port, data, Map.of(), Duration.ofSeconds(90));
        wait.until(d -> "OK".equals(d.findElement(banner).getAttribute("data-status")) && !d.findElement(banner).isDisplayed());
        wait.until(d -> d.findElement(state).getText().equals("live") && d.findElement(alert).getText().equals("ALERT"));
        assertThat(browser.getTitle()).isEqualTo("● ALERT (1) — endowatch console");
        assertThat(get(server.port(), "/api/procedures").get(0).get("staleSinceMs").asLong()).isZero();
        String back = Scrape.of(metrics.port());
        assertThat(Scrape.value(back, "endowatch_console_source_state{state=\"ok\"}")).isEqualTo(1.0);
        assertThat(Scrape.value(back, "endowatch_console_source_state{state=\"unreachable\"}")).isEqualTo(0.0);
        assertThat(Scrape.value(back, "endowatch_console_not_updating_seconds")).isEqualTo(0.0);
      } finally {
        browser.quit();
      }
    } finally {
      stop.set(true);
      feeder.join(10_000);
      if (again != null) {
        again.close();
      }
      broker.close();
    }
  }

  @Test
  void partitionsWithoutALeaderAreNamedAndOnlyTheProceduresOnThemStandStill(@TempDir Path dir) throws Exception {
    try (ThreeBrokers brokers = new ThreeBrokers(dir.resolve("kafka"), Map.of())) {
      Properties client = new Properties();
      client.put("bootstrap.servers", brokers.bootstrapServers());
      // One copy of each partition, partition p on node p + 1: stopping node 2 takes every partition 1 offline.
      Map<Integer, List<Integer>> onePerNode = Map.of(0, List.of(1), 1, List.of(2), 2, List.of(3));
      try (Admin admin = Admin.create(client)) {
        admin.createTopics(ConsoleFeed.SHOWN.stream().map(t -> new NewTopic(t, onePerNode)).toList()).all().get();
      }
      // "on-1" has its frames on the partition that goes; "elsewhere"'s records are all on the others.
      String elsewhere = IntStream.range(0, 100).mapToObj(i -> "room-" + i)
          .filter(id -> BuiltInPartitioner.partitionForKey(id.getBytes(StandardCharsets.UTF_8), 3) != 1).findFirst().orElseThrow();
      ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
      try (ConsoleFeed feed = new ConsoleFeed(client, store);
           ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(null, System::currentTimeMillis));
           KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
        send(producer, "on-1", 1, 0);
        send(producer, elsewhere, 0, 0);
        until(server.port(), "/api/source", s -> s.get("status").asText().equals("OK"));

        long before = System.currentTimeMillis();
        brokers.stop(2);
        JsonNode source = until(server.port(), "/api/source", s -> s.get("status").asText().equals("PARTITIONS_OFFLINE"));
        assertThat(source.get("offline")).extracting(JsonNode::asText)
            .containsExactly("alerts-1", "frames-1", "frames-dlq-1", "heatmaps-1", "procedures-1", "scores-1");
        assertThat(source.get("sinceMs").asLong()).isGreaterThanOrEqualTo(before);
        for (int i = 1; i <= 3; i++) {
          send(producer, elsewhere, 0, i);
        }
        JsonNode rows = until(server.port(), "/api/procedures", r -> row(r, elsewhere).get("lastIndex").asLong() == 3);
        assertThat(row(rows, "on-1").get("live").asBoolean()).isTrue();
        assertThat(row(rows, "on-1").get("staleSinceMs").asLong()).isEqualTo(source.get("sinceMs").asLong());
        assertThat(row(rows, elsewhere).get("staleSinceMs").asLong()).isZero();

        brokers.start(2);
        until(server.port(), "/api/source", s -> s.get("status").asText().equals("OK"));
        assertThat(row(get(server.port(), "/api/procedures"), "on-1").get("staleSinceMs").asLong()).isZero();

        // The unit adds a partition to frames: the console reads it too.
        try (Admin admin = Admin.create(client)) {
          admin.createPartitions(Map.of(Topics.FRAMES.name(), NewPartitions.increaseTo(4, List.of(List.of(1))))).all().get();
        }
        send(producer, "on-3", 3, 0);
        JsonNode added = until(server.port(), "/api/procedures", r -> row(r, "on-3").get("frames").asLong() == 1);
        assertThat(row(added, "on-3").get("live").asBoolean()).isTrue();
      }
    }
  }

  /**
   * A camera whose records arrive broken, on the frames partition another procedure uses: on a
   * broker of its own, since other tests read the shared frames topic whole.
   */
  @Test
  void brokenFrameRecordsAreReadPastAndTheirDeadLettersAloneMakeARow(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("kafka"), Map.of(), Duration.ofSeconds(90))) {
      Properties client = withTopics(broker);
      ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
      try (ConsoleFeed feed = new ConsoleFeed(client, store);
           ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(null, System::currentTimeMillis));
           KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
        long ts = System.currentTimeMillis();
        // Its records lost their headers; the scorer's dead letters (timed when each failed) are all that tell of them.
        for (int i = 0; i < 3; i++) {
          producer.send(new ProducerRecord<>(Topics.FRAMES.name(), 0, ts + i, "broken-room", new byte[] {1, 2, 3}));
          DeadLetter d = new DeadLetter("frame is missing header 'procedure'", Topics.FRAMES.name(), 0, i, ts + i + 20, List.of(),
              new byte[] {1, 2, 3});
          var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
          byte[] kept = Topics.FRAMES_DLQ.valueSerde().serializer().serialize(Topics.FRAMES_DLQ.name(), headers, d);
          producer.send(new ProducerRecord<>(Topics.FRAMES_DLQ.name(), null, ts + i, "broken-room", kept, headers));
        }
        // Another procedure's frames after them on the same partition.
        for (int i = 0; i < 4; i++) {
          send(producer, "good-room", 0, i);
        }
        JsonNode rows = until(server.port(), "/api/procedures",
            r -> row(r, "good-room").get("frames").asLong() == 4 && row(r, "broken-room").get("rejected").asLong() == 3);
        assertThat(row(rows, "good-room").get("lastIndex").asLong()).isEqualTo(3);
        assertThat(row(rows, "good-room").get("rejected").asLong()).isZero();
        JsonNode broken = row(rows, "broken-room");
        assertThat(broken.get("frames").asLong()).isZero();
        assertThat(broken.get("live").asBoolean()).isTrue();
        assertThat(broken.get("rejectReason").asText()).isEqualTo("frame is missing header 'procedure'");
      }
    }
  }

  /**
   * A shown topic deleted under a running console ({@code frames-dlq}, by someone cleaning up):
   * the page says so, the console stops fetching it (the Kafka consumer fetching a deleted topic
   * logs a warning every millisecond), and once `topics apply` makes it again it is read from its
   * start.
   */
  @Test
  void aTopicDeletedUnderTheConsoleIsSaidLetGoOfAndReadAgainOnceMade(@TempDir Path dir) throws Exception {
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> fetches = new ch.qos.logback.core.read.ListAppender<>();
    ch.qos.logback.classic.Logger fetchLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        "org.apache.kafka.clients.consumer.internals.FetchCollector");
    fetches.start();
    fetchLog.addAppender(fetches);
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("kafka"), Map.of(), Duration.ofSeconds(90))) {
      Properties client = withTopics(broker);
      ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
      try (ConsoleFeed feed = new ConsoleFeed(client, store);
           ConsoleServer server = new ConsoleServer("127.0.0.1", 0, store, feed, new Access(null, System::currentTimeMillis));
           KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer());
           Admin admin = Admin.create(client)) {
        deadLetter(producer, "room-a", 0);
        until(server.port(), "/api/procedures", r -> row(r, "room-a").get("rejected").asLong() == 1);

        admin.deleteTopics(List.of(Topics.FRAMES_DLQ.name())).all().get();
        JsonNode source = until(server.port(), "/api/source", s -> s.get("status").asText().equals("FEED_ERROR"));
        Thread.sleep(2 * SourceHealth.PROBE_EVERY_MS);   // a probe has found it gone, and let go of it
        int warnings = fetches.list.size();
        Thread.sleep(3_000);
        int warningsLater = fetches.list.size();
        assertThat(Cli.run("topics", "apply", "--bootstrap", broker.bootstrapServers()).exitCode()).isZero();
        deadLetter(producer, "room-b", 0);

        until(server.port(), "/api/procedures", r -> row(r, "room-b").get("rejected").asLong() == 1);
        assertThat(source.get("message").asText()).isEqualTo("IllegalStateException: topic frames-dlq does not exist "
            + "(endowatch topics apply creates it)");
        assertThat(warningsLater).isEqualTo(warnings);
        assertThat(until(server.port(), "/api/source", s -> s.get("status").asText().equals("OK")).get("status").asText())
            .isEqualTo("OK");
      }
    } finally {
      fetchLog.detachAppender(fetches);
    }
  }

  /** The catalog's topics made on a broker of the test's own, and a client of it. */
  private static Properties withTopics(EmbeddedKafkaBroker broker) {
    assertThat(Cli.run("topics", "apply", "--bootstrap", broker.bootstrapServers()).exitCode()).isZero();
    Properties client = new Properties();
    client.put("bootstrap.servers", broker.bootstrapServers());
    return client;
  }

  private static void deadLetter(KafkaProducer<String, byte[]> producer, String id, long offset) throws Exception {
    DeadLetter d = new DeadLetter("frame is missing header 'procedure'", Topics.FRAMES.name(), 0, offset,
        System.currentTimeMillis(), List.of(), new byte[] {1, 2, 3});
    var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
    byte[] kept = Topics.FRAMES_DLQ.valueSerde().serializer().serialize(Topics.FRAMES_DLQ.name(), headers, d);
    producer.send(new ProducerRecord<>(Topics.FRAMES_DLQ.name(), null, System.currentTimeMillis(), id, kept, headers)).get();
  }

  @Test
  void historyDeletedUnderAStartingConsoleCostsOnlyWhatWasDeleted(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("kafka"), Map.of(), Duration.ofSeconds(90))) {
      assertThat(Cli.run("topics", "apply", "--bootstrap", broker.bootstrapServers()).exitCode()).isZero();
      Properties client = new Properties();
      client.put("bootstrap.servers", broker.bootstrapServers());
      int partition;
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
        // Each frame alone in its batch (a fetch returns at least a whole batch, however small its limit).
        for (int i = 0; i < 2_000; i++) {
          write(producer, "old-1", null, i, 0.2);
          producer.flush();
        }
        int partitions = producer.partitionsFor(Topics.FRAMES.name()).size();
        partition = BuiltInPartitioner.partitionForKey("old-1".getBytes(StandardCharsets.UTF_8), partitions);
      }
      // A console reading one record per fetch, so that retention strikes while it reads the history.
      Properties slow = new Properties();
      slow.putAll(client);
      slow.put("max.partition.fetch.bytes", "1");
      ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
      // The feed thread calls listeners as it reads: hold it at the 100th outcome while retention strikes.
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch go = new CountDownLatch(1);
      store.listen((summary, alert) -> {
        if (summary.lastIndex() == 100 && held.getCount() > 0) {
          held.countDown();
          try {
            go.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      });
      try (ConsoleFeed feed = new ConsoleFeed(slow, store); Admin admin = Admin.create(client)) {
        TopicPartition frames = new TopicPartition(Topics.FRAMES.name(), partition);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        assertThat(held.await(60, TimeUnit.SECONDS)).as("the console reads the first records").isTrue();
        admin.deleteRecords(Map.of(frames, RecordsToDelete.beforeOffset(1_500))).all().get();
        go.countDown();
        while (store.location("old-1", 1_999) == null) {
          assertThat(System.nanoTime()).as("the console reads on from the oldest frame kept, to the last").isLessThan(deadline);
          Thread.sleep(100);
        }
        assertThat(store.location("old-1", 1_500)).containsExactly(partition, 1_500);
        // The deletion came before the console got there (else this test proved nothing).
        assertThat(store.location("old-1", 1_499)).isNull();
      }
    }
  }

  /** A frame and its outcome, as ingest and the scorer would write them, waiting for both to be written; frames to {@code framesPartition}. */
  static void send(KafkaProducer<String, byte[]> producer, String id, int framesPartition, long index) {
    write(producer, id, framesPartition, index, 0.2);
    producer.flush();
  }

  private static void write(KafkaProducer<String, byte[]> producer, String id, Integer framesPartition, long index, double score) {
    long ts = System.currentTimeMillis();
    Frame f = new Frame(id, index, ts, 8, 8, Frame.JPEG, "test", new byte[] {1, 2, 3});
    var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
    byte[] frame = Topics.FRAMES.valueSerde().serializer().serialize(Topics.FRAMES.name(), headers, f);
    producer.send(new ProducerRecord<>(Topics.FRAMES.name(), framesPartition, ts, id, frame, headers));
    producer.send(new ProducerRecord<>(Topics.SCORES.name(), id,
        Topics.SCORES.valueSerde().serializer().serialize("", Score.scored(id, index, ts, ts + 30, score, 0.5, "m"))));
  }

  /** A procedure in alert from its sixth frame on, 10 frames a second, until stopped (waiting out a lost broker). */
  static void feed(Properties client, String id, AtomicBoolean stop) {
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; !stop.get(); i++) {
        write(producer, id, null, i, i >= 5 ? 0.9 : 0.2);
        if (i == 7) {
          long ts = System.currentTimeMillis();
          AlertEvent a = new AlertEvent(AlertEvent.START, id + "/5", id, 5, 7, 7, 0.9, null, ts, ts, "m", null);
          producer.send(new ProducerRecord<>(Topics.ALERTS.name(), id, Topics.ALERTS.valueSerde().serializer().serialize("", a)));
        }
        producer.flush();
        Thread.sleep(100);
      }
    } catch (Exception e) {
      if (!stop.get()) {
        throw new IllegalStateException(e);
      }
    }
  }

  static JsonNode row(JsonNode rows, String id) {
    for (JsonNode r : rows) {
      if (r.get("id").asText().equals(id)) {
        return r;
      }
    }
    throw new AssertionError("no procedure " + id + " in " + rows);
  }

  static JsonNode get(int port, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return JsonSerde.MAPPER.readTree(r.body());
  }

  /** Polls {@code path} until its body satisfies {@code ok}, for at most a minute. */
  static JsonNode until(int port, String path, Predicate<JsonNode> ok) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = get(port, path);
        if (ok.test(last)) {
          return last;
        }
      } catch (AssertionError notYet) {
        // a procedure not there yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError(path + " never became as expected; last: " + last);
  }
}
