package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestFrames;
import org.endowatch.testing.TestModels;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The scorer against a real broker: every frame gets exactly one committed outcome. */
@ExtendWith(RealKafka.class)
class ScoringIT {

  /** Backlog batch 1 scores each frame as reached; 4 scores the waiting frames (here: all of them) in batches. */
  @ParameterizedTest(name = "backlog batch {0}")
  @ValueSource(ints = {1, 4})
  void everyFrameGetsExactlyOneCommittedOutcome(int backlogBatch, KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String suffix = "-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs = createTopics(kafka, suffix, 2);
    String input = "frames" + suffix;
    Properties pp = kafka.settings().clientProps();
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // One request in flight: right after topic creation a first batch can fail NOT_LEADER while the next
    // is accepted, and the retried first one is then refused as out of sequence forever (seen in CI).
    pp.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    long now = System.currentTimeMillis();
    try (KafkaProducer<String, Frame> producer =
        new KafkaProducer<>(pp, Topics.FRAMES.keySerde().serializer(), Topics.FRAMES.valueSerde().serializer())) {
      for (int i = 0; i < 12; i++) {
        String proc = i % 2 == 0 ? "room-1" : "room-2";
        producer.send(new ProducerRecord<>(input, proc, TestFrames.jpeg(proc, i / 2, now + i, 160, 120)));
      }
      Frame garbage = new Frame("room-1", 6, now, 160, 120, Frame.JPEG, "test", new byte[] {1, 2, 3, 4});
      producer.send(new ProducerRecord<>(input, "room-1", garbage)).get();
    }

    Path model = TestModels.calibratedMicro(dir.resolve("model"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ModelFrameScorer scorer = new ModelFrameScorer(ModelArtifact.load(model, "cpu"), null);
         ScorerApp app = new ScorerApp(kafka.settings().clientProps(), "it" + suffix, 1, dir.resolve("state"),
             new ScoringTopology.Settings(input, outputs, 0, AlertRule.DEFAULT, backlogBatch), () -> scorer, registry)) {
      app.start();
      List<Score> scores = readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), 12);
      List<DeadLetter> letters = readCommitted(kafka, outputs.deadLetters(), Topics.FRAMES_DLQ.valueSerde().deserializer(), 1);

      assertThat(scores).hasSize(12);
      for (String proc : List.of("room-1", "room-2")) {
        assertThat(scores.stream().filter(s -> s.procedureId().equals(proc)).map(Score::frameIndex))
            .containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
      }
      assertThat(scores).allMatch(s -> s.isScored() && s.modelVersion().equals("it-1") && s.threshold() == 0.5);
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).reason()).startsWith("undecodable image");
      assertThat(letters.get(0).sourceTopic()).isEqualTo(input);
      // What an operator reads of it: the frame, where it was, and why (the image itself stays on the topic).
      org.endowatch.testing.Cli.Result listed = org.endowatch.testing.Cli.run("dead-letters", "--bootstrap",
          kafka.bootstrapServers(), "--topic", outputs.deadLetters(), "--json");
      assertThat(listed.exitCode()).as(listed.err()).isZero();
      var line = org.endowatch.contract.JsonSerde.MAPPER.readTree(listed.out().strip());
      assertThat(List.of(line.get("procedureId").asText(), line.get("frameIndex").asText(), line.get("captureTimestampMs").asText(),
          line.get("source").asText(), line.get("sourceTopic").asText(), line.get("sourceOffset").asText(), line.get("bytes").asText(),
          line.get("reason").asText())).containsExactly("room-1", "6", String.valueOf(now), "test", input,
          String.valueOf(letters.get(0).sourceOffset()), "4", letters.get(0).reason());
      assertThat(registry.get("endowatch.frames.scored").counter().count()).isEqualTo(12.0);
      assertThat(registry.get("endowatch.frames.dead_lettered").counter().count()).isEqualTo(1.0);
      assertThat(registry.get("endowatch.capture_to_score").timer().count()).isEqualTo(12);
      assertThat(registry.getMeters()).anyMatch(m -> m.getId().getName().equals("kafka.consumer.fetch.manager.records.lag.max"));
      if (backlogBatch > 1) {
        // All 13 decodable-looking frames went through batches (the garbage one fails to decode inside
        // its batch), and the backlog was there from the start, so batches held more than one frame.
        var batches = registry.get("endowatch.backlog.batch_size").summary();
        assertThat(batches.totalAmount()).isEqualTo(13.0);
        assertThat(batches.count()).isLessThan(13);
        // The waiting frames' changelog rolls small segments, so the cleaner keeps what a restart
        // reads to the frames still waiting, and drops their delete markers after 5 minutes.
        try (Admin admin = Admin.create(kafka.settings().clientProps())) {
          var c = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
              org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "it" + suffix + "-pending-frames-changelog")))
              .all().get().values().iterator().next();
          assertThat(List.of("cleanup.policy", "segment.ms", "segment.bytes", "delete.retention.ms").stream()
              .map(k -> c.get(k).value()).toList()).containsExactly("compact", "60000", "16777216", "300000");
        }
      }
    }
  }

  /**
   * A live scorer whose group has no offsets yet (a new application id) on a topic holding older
   * procedures: it looks back a minute, not to the topic's start. Frames of the last minute get an
   * outcome (here a skip: older than the 5 s budget), older ones none, and the live frame is scored.
   */
  @Test
  void aNewGroupStartsAMinuteBackNotAtTheStartOfTheTopic(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String suffix = "-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs = createTopics(kafka, suffix, 1);
    String input = "frames" + suffix;
    long now = System.currentTimeMillis();
    long old = now - ScoringTopology.FRESH_START_LOOKBACK.toMillis() - 600_000;
    TopicWriter.send(kafka, input, Topics.FRAMES.valueSerde().serializer(), "old-1", tinyFrames("old-1", 40, old, 40));
    TopicWriter.send(kafka, input, Topics.FRAMES.valueSerde().serializer(), "recent-1", tinyFrames("recent-1", 5, now - 20_000, 40));

    FrameScorer scorer = TestScorers.of("fresh-1", f -> new FrameScorer.Scored(0.2, new float[] {0.2f}, 1));
    try (ScorerApp app = new ScorerApp(kafka.settings().clientProps(), "fresh" + suffix, 1, dir.resolve("state"),
        new ScoringTopology.Settings(input, outputs, 5_000, AlertRule.DEFAULT, 1), () -> scorer, new SimpleMeterRegistry())) {
      app.start();
      List<Score> skips = readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), 5);
      assertThat(skips).extracting(sc -> sc.procedureId() + "/" + sc.frameIndex() + "/" + sc.skipReason())
          .containsExactly("recent-1/0/stale", "recent-1/1/stale", "recent-1/2/stale", "recent-1/3/stale", "recent-1/4/stale");
      // A live frame after the group formed is scored.
      TopicWriter.send(kafka, input, Topics.FRAMES.valueSerde().serializer(), "live-1",
          tinyFrames("live-1", 1, System.currentTimeMillis(), 0));
      List<Score> all = readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), 6);
      assertThat(all).hasSize(6);
      assertThat(all.get(5).procedureId()).isEqualTo("live-1");
      assertThat(all.get(5).isScored()).isTrue();
      assertThat(all).noneMatch(sc -> sc.procedureId().equals("old-1"));
    }
  }

  /**
   * A stream thread that fails (here the model throws once; in CI, the broker aborting a transaction
   * after a 9 s outage) is replaced: the new thread resumes from the last commit and every frame
   * still gets exactly one outcome. The failed thread's consumer is taken out of the group at once:
   * with Kafka's default 45 s session here, the frames are all scored in 30 s only if the new thread
   * did not wait for the dead member's session to run out. A frame that fails every time goes to
   * the dead-letter topic; a model that fails on every frame stops the scorer.
   */
  @Test
  void aFailedThreadIsReplacedAFrameThatFailsAgainIsDeadLetteredAndABrokenModelStopsTheScorer(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String suffix = "-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs = createTopics(kafka, suffix, 1);
    String input = "frames" + suffix;
    long now = System.currentTimeMillis();
    List<Frame> frames = tinyFrames("room-x", 12, now, 1);
    TopicWriter.send(kafka, input, Topics.FRAMES.valueSerde().serializer(), "room-x", frames);

    java.util.concurrent.atomic.AtomicInteger thrown = new java.util.concurrent.atomic.AtomicInteger();
    FrameScorer once = TestScorers.of("once-1", f -> {
      if (f.frameIndex() == 5 && thrown.getAndIncrement() == 0) {
        throw new IllegalStateException("boom on frame 5");
      }
      return new FrameScorer.Scored(0.2, new float[] {0.2f}, 1);
    });
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Properties longSession = kafka.settings().clientProps();
    longSession.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "45000");
    try (ScorerApp app = new ScorerApp(longSession, "once" + suffix, 1, dir.resolve("state-once"),
        new ScoringTopology.Settings(input, outputs, 0, AlertRule.DEFAULT, 1), () -> once, registry)) {
      app.start();
      List<Score> scores = readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), 12,
          Duration.ofSeconds(30));
      assertThat(scores).extracting(Score::frameIndex).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
      assertThat(thrown.get()).isEqualTo(2);
      assertThat(registry.get("endowatch.scorer.threads.replaced").counter().count()).isEqualTo(1.0);
      assertThat(app.healthy()).isTrue();
      try (Admin admin = Admin.create(kafka.settings().clientProps())) {
        var members = admin.describeConsumerGroups(List.of("once" + suffix)).all().get().get("once" + suffix).members();
        assertThat(members).as("the new thread only").hasSize(1);
        assertThat(members.iterator().next().groupInstanceId().orElseThrow()).endsWith("-2");
      }
    }

    // A frame that breaks the model every time: tried once more on its own by the new thread, then
    // sent to the dead-letter topic with the reason; the scorer goes on with the frames after it.
    String suffix2 = "-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs2 = createTopics(kafka, suffix2, 1);
    TopicWriter.send(kafka, "frames" + suffix2, Topics.FRAMES.valueSerde().serializer(), "room-x", frames);
    FrameScorer poisoned = TestScorers.of("poisoned-1", f -> {
      if (f.frameIndex() == 5) {
        throw new IllegalStateException("boom on frame 5, every time");
      }
      return new FrameScorer.Scored(0.2, new float[] {0.2f}, 1);
    });
    SimpleMeterRegistry registry2 = new SimpleMeterRegistry();
    try (ScorerApp app = new ScorerApp(kafka.settings().clientProps(), "poisoned" + suffix2, 1, dir.resolve("state-poisoned"),
        new ScoringTopology.Settings("frames" + suffix2, outputs2, 0, AlertRule.DEFAULT, 1), () -> poisoned, registry2)) {
      app.start();
      List<Score> scores = readCommitted(kafka, outputs2.scores(), Topics.SCORES.valueSerde().deserializer(), 11);
      assertThat(scores).extracting(Score::frameIndex).containsExactly(0L, 1L, 2L, 3L, 4L, 6L, 7L, 8L, 9L, 10L, 11L);
      List<DeadLetter> letters = readCommitted(kafka, outputs2.deadLetters(), Topics.FRAMES_DLQ.valueSerde().deserializer(), 1);
      assertThat(letters).extracting(DeadLetter::sourceOffset, DeadLetter::reason).containsExactly(
          org.assertj.core.groups.Tuple.tuple(5L, "scoring failed twice: IllegalStateException: boom on frame 5, every time"));
      assertThat(registry2.get("endowatch.scorer.threads.replaced").counter().count()).isEqualTo(1.0);
      assertThat(app.healthy()).isTrue();
    }

    // A model that fails on every frame from the fifth on stops the scorer, for its supervisor.
    String suffix3 = "-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs3 = createTopics(kafka, suffix3, 1);
    TopicWriter.send(kafka, "frames" + suffix3, Topics.FRAMES.valueSerde().serializer(), "room-x", frames);
    FrameScorer broken = TestScorers.of("broken-1", f -> {
      if (f.frameIndex() >= 5) {
        throw new IllegalStateException("boom on frame " + f.frameIndex() + ", the model is broken");
      }
      return new FrameScorer.Scored(0.2, new float[] {0.2f}, 1);
    });
    SimpleMeterRegistry registry3 = new SimpleMeterRegistry();
    try (ScorerApp app = new ScorerApp(kafka.settings().clientProps(), "broken" + suffix3, 1, dir.resolve("state-broken"),
        new ScoringTopology.Settings("frames" + suffix3, outputs3, 0, AlertRule.DEFAULT, 1), () -> broken, registry3)) {
      app.start();
      assertThat(app.awaitStop(120, java.util.concurrent.TimeUnit.SECONDS)).as("the scorer stops").isTrue();
      assertThat(app.awaitStop()).hasRootCauseMessage("boom on frame 7, the model is broken");
      assertThat(registry3.get("endowatch.scorer.threads.replaced").counter().count())
          .isEqualTo(ThreadFailures.MAX_RECENT - 1.0);
      assertThat(app.healthy()).isFalse();
    }
  }

  /** Frames 0..count-1 of {@code id}, captured {@code stepMs} apart from {@code t0}, for stand-in models that read no image. */
  static List<Frame> tinyFrames(String id, int count, long t0, long stepMs) {
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(new Frame(id, i, t0 + stepMs * i, 8, 8, Frame.JPEG, "test", new byte[] {1}));
    }
    return frames;
  }

  /** Creates {@code frames<suffix>} and the suffixed output topics; returns the outputs. */
  static ScoringTopology.Outputs createTopics(KafkaCluster kafka, String suffix, int partitions) throws Exception {
    ScoringTopology.Outputs outputs = ScoringTopology.Outputs.suffixed(suffix);
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of("frames" + suffix, outputs.scores(), outputs.heatmaps(), outputs.alerts(),
          outputs.deadLetters()).stream().map(t -> new NewTopic(t, partitions, (short) 1)).toList()).all().get();
    }
    return outputs;
  }

  static <T> List<T> readCommitted(KafkaCluster kafka, String topic, Deserializer<T> values, int expected) {
    return readCommitted(kafka, topic, values, expected, Duration.ofSeconds(120));
  }

  /** The committed records of {@code topic}: {@code expected} of them, or what came within {@code wait}, and any beyond. */
  static <T> List<T> readCommitted(KafkaCluster kafka, String topic, Deserializer<T> values, int expected, Duration wait) {
    Properties cp = kafka.settings().clientProps();
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + UUID.randomUUID());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<T> out = new ArrayList<>();
    try (KafkaConsumer<String, T> c = new KafkaConsumer<>(cp, Topics.SCORES.keySerde().deserializer(), values)) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + wait.toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
      }
      // nothing beyond the expected outcomes: no duplicates
      c.poll(Duration.ofSeconds(2)).forEach(r -> out.add(r.value()));
    }
    return out;
  }
}
