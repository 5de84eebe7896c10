package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestFrames;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL the scorer (a child JVM running the real {@code score} command) mid-stream, five times at
 * five points, restart it each time,
 * and check with a read_committed consumer that every frame has exactly one outcome and that the
 * alert state survived: with a threshold every frame exceeds, each procedure raises exactly one
 * alert, however often the scorer dies; a lost state would raise a second one.
 */
@ExtendWith(RealKafka.class)
class ScorerCrashIT {
  private static final int FRAMES = 160;
  /** Kill points per run (the reliability issue asks for at least 5). */
  private static final int KILLS = 5;

  /**
   * With a backlog batch of 4 the kills also hit frames waiting in the pending store; with two
   * stream threads (one partition each) they share the model through the batcher, as a GPU node's
   * scorer does, and the kills also hit frames in its queue.
   */
  @ParameterizedTest(name = "backlog batch {0}, {1} stream thread(s)")
  @CsvSource({"1, 1", "4, 2"})
  void sigkillMidStreamLosesAndDuplicatesNothing(int backlogBatch, int threads, KafkaCluster kafka, @TempDir Path dir)
      throws Exception {
    String suffix = "-crash-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs = ScoringIT.createTopics(kafka, suffix, 2);
    String input = "frames" + suffix;
    Path model = dir.resolve("model");
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(MemMcMaeConfig.MICRO);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      ModelArtifact.save(model, net, new ModelManifest(ModelArtifact.FORMAT, "crash", "crash-1", MemMcMaeConfig.MICRO,
          "complementary-4", "mean", -1.0, 0.5, Map.of(), Map.of(), null, null, null, null, null));
    }
    Properties pp = kafka.settings().clientProps();
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // One request in flight: right after topic creation a first batch can fail NOT_LEADER while the next
    // is accepted, and the retried first one is then refused as out of sequence forever (seen in CI).
    pp.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    long now = System.currentTimeMillis();
    try (KafkaProducer<String, Frame> producer =
        new KafkaProducer<>(pp, Topics.FRAMES.keySerde().serializer(), Topics.FRAMES.valueSerde().serializer())) {
      for (int i = 0; i < FRAMES; i++) {
        String proc = "room-" + (i % 2);
        producer.send(new ProducerRecord<>(input, proc, TestFrames.jpeg(proc, i / 2, now + i, 96, 96)));
      }
    }

    String[] command = {"java", "-Xmx1g", "-jar", System.getProperty("endowatch.jar", "target/endowatch.jar"), "score",
        "--bootstrap", kafka.bootstrapServers(), "--model", model.toString(), "--input", input, "--output-suffix", suffix,
        "--budget-ms", "0", "--application-id", "crash" + suffix, "--state-dir", dir.resolve("state").toString(),
        "--metrics-port", "0", "--backlog-batch", String.valueOf(backlogBatch), "--threads", String.valueOf(threads)};
    Path log = dir.resolve("scorer.log");
    // KILLS runs, each SIGKILLed once 20 more outcomes are committed than before it started.
    for (int k = 1; k <= KILLS; k++) {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (committedScores(kafka, outputs, 1) < 20 * k && System.nanoTime() < deadline && p.isAlive()) {
          Thread.sleep(200);
        }
        assertThat(p.isAlive()).as("scorer died early: %s", java.nio.file.Files.readString(log)).isTrue();
        if (k == 1) {
          // The first run has scored 20 frames or more: passes through the batcher are counted only where there is one.
          String metrics = scrape(log);
          var passes = java.util.regex.Pattern.compile("(?m)^endowatch_model_batch_size_count(?:\\{\\})? (\\S+)$")
              .matcher(metrics);
          assertThat(passes.find()).as(metrics).isTrue();
          assertThat(Double.parseDouble(passes.group(1)) > 0).as(metrics).isEqualTo(threads > 1);
        }
      } finally {
        p.destroyForcibly(); // SIGKILL: no commit, no leave-group, no state flush
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
    // Last run: let it finish the stream.
    Process second = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    List<Score> scores;
    List<AlertEvent> alerts;
    try {
      scores = ScoringIT.readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), FRAMES);
      alerts = ScoringIT.readCommitted(kafka, outputs.alerts(), Topics.ALERTS.valueSerde().deserializer(), 2);
      // The process exports which model it serves (what an operator checks after a release).
      String metrics = scrape(log);
      assertThat(metrics).containsPattern("(?m)^endowatch_model_serving\\{name=\"crash\",version=\"crash-1\",?\\} 1\\.0$")
          .containsPattern("(?m)^endowatch_model_releases_total\\{result=\"refused\",?\\} 0\\.0$");
    } finally {
      second.destroy();
      second.waitFor(60, TimeUnit.SECONDS);
      second.destroyForcibly();
    }

    assertThat(scores).as("scorer log: %s", java.nio.file.Files.readString(log)).hasSize(FRAMES);
    for (String proc : List.of("room-0", "room-1")) {
      assertThat(scores.stream().filter(s -> s.procedureId().equals(proc)).map(Score::frameIndex).toList())
          .containsExactlyElementsOf(java.util.stream.LongStream.range(0, FRAMES / 2).boxed().toList());
    }
    // Every frame is over the threshold (-1): one alert-start per procedure (at its third frame, starting
    // at frame 0) and no end; a second start after the crash would mean the alert state was lost.
    // (alert-update events come and go with new peak scores.)
    assertThat(alerts.stream().filter(a -> !a.type().equals(AlertEvent.UPDATE)).toList())
        .extracting(AlertEvent::type, AlertEvent::procedureId, AlertEvent::startFrame)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(AlertEvent.START, "room-0", 0L),
            org.assertj.core.groups.Tuple.tuple(AlertEvent.START, "room-1", 0L));
  }

  /** The /metrics of the newest scorer run in {@code log} (the address it printed when it started). */
  private static String scrape(Path log) throws Exception {
    var m = java.util.regex.Pattern.compile("metrics on (http://\\S+/metrics)").matcher(java.nio.file.Files.readString(log));
    String url = null;
    while (m.find()) {
      url = m.group(1);
    }
    assertThat(url).as("the scorer printed its metrics address").isNotNull();
    var client = java.net.http.HttpClient.newHttpClient();
    return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  private static int committedScores(KafkaCluster kafka, ScoringTopology.Outputs outputs, int atLeast) {
    Properties cp = kafka.settings().clientProps();
    cp.put("group.id", "peek-" + UUID.randomUUID());
    cp.put("isolation.level", "read_committed");
    cp.put("auto.offset.reset", "earliest");
    try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<>(cp, Topics.SCORES.keySerde().deserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      c.subscribe(List.of(outputs.scores()));
      int n = 0;
      for (int i = 0; i < 5; i++) {
        n += c.poll(java.time.Duration.ofMillis(300)).count();
      }
      return n;
    }
  }
}
