package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.TestModels;
import org.endowatch.testing.ThreeBrokers;
import org.endowatch.testing.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-broker cluster loses brokers while a procedure is ingested in real time and scored:
 * nothing stops for good, every frame arrives once and gets exactly one outcome. The cluster is left
 * at Kafka's defaults (one copy of a topic that does not say), so this holds only because every
 * topic, the scorer's own state topics included, gets three copies with two in sync.
 */
class BrokerClusterIT {
  private static final int SECONDS = 20;
  private static final int FRAMES = SECONDS * 25;

  /** Each broker in turn stops (controlled shutdown) and comes back, as an upgrade does. */
  @Test
  void ingestAndScorerRideOutARollingRestart(@TempDir Path dir) throws Exception {
    scoreWhile(dir, "rolling", ThreeBrokers.KAFKA_DEFAULTS, (brokers, bootstrap, t0) -> {
      for (int id = 1; id <= 3; id++) {
        Thread.sleep(2_000);
        long s = System.nanoTime();
        brokers.stop(id);
        long stopped = System.nanoTime();
        if (id == 2) {
          // What an operator sees meanwhile: every partition has a copy on the stopped broker.
          Cli.Result status = Cli.run("status", "--bootstrap", bootstrap);
          assertThat(status.out()).as(status.err()).contains("topics (2 brokers):\n",
              "  frames      6 partitions x 3 copies, 6 with copies out of sync (a broker down or behind)\n");
        }
        brokers.start(id);
        System.out.printf("broker %d: stopped in %d ms, back in %d ms (at %.1f s)%n", id, (stopped - s) / 1_000_000,
            (System.nanoTime() - stopped) / 1_000_000, (System.nanoTime() - t0) / 1e9);
      }
    });
  }

  /**
   * The broker leading the procedure's frames partition dies: no controlled shutdown, so the
   * partition keeps it as leader until the controller misses its heartbeats and fences it (9 s,
   * Kafka's broker.session.timeout.ms), and only then moves. The procedure's frames stop meanwhile.
   */
  @Test
  void ingestAndScorerRideOutABrokerDying(@TempDir Path dir) throws Exception {
    Map<String, String> crashing = new HashMap<>(ThreeBrokers.KAFKA_DEFAULTS);
    crashing.put("controlled.shutdown.enable", "false");
    scoreWhile(dir, "dying", crashing, (brokers, bootstrap, t0) -> {
      Thread.sleep(4_000);
      int leader;
      try (Admin admin = Admin.create(KafkaSettings.of(bootstrap).clientProps())) {
        TopicDescription frames = admin.describeTopics(List.of(Topics.FRAMES.name())).allTopicNames().get()
            .get(Topics.FRAMES.name());
        leader = frames.partitions().get(Topics.partitionFor("dying-1", frames.partitions().size())).leader().id();
      }
      brokers.stop(leader);
      System.out.printf("broker %d (leads the procedure's frames) gone at %.1f s%n", leader, (System.nanoTime() - t0) / 1e9);
    });
  }

  interface Disturbance {
    void run(ThreeBrokers brokers, String bootstrap, long t0) throws Exception;
  }

  private static void scoreWhile(Path dir, String name, Map<String, String> brokerConfig, Disturbance disturbance)
      throws Exception {
    Path video = dir.resolve("procedure.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", String.valueOf(SECONDS), "--seed", "5")
        .exitCode()).isZero();
    String procedure = name + "-1";
    String app = name + "-it";
    try (ThreeBrokers brokers = new ThreeBrokers(dir.resolve("kafka"), brokerConfig)) {
      String bootstrap = brokers.bootstrapServers();
      KafkaSettings settings = KafkaSettings.of(bootstrap);
      assertThat(Cli.run("topics", "apply", "--bootstrap", bootstrap).exitCode()).isZero();
      // Every frame over the threshold: one alert from frame 0 that only the end of the video ends.
      Path model = TestModels.calibratedMicro(dir.resolve("model"), -1.0);
      try (ModelFrameScorer scorer = new ModelFrameScorer(ModelArtifact.load(model, "cpu"), null);
           ScorerApp scorerApp = new ScorerApp(settings.clientProps(), app, 1, dir.resolve("state"),
               new ScoringTopology.Settings(Topics.FRAMES.name(), ScoringTopology.Outputs.LIVE, 0, AlertRule.DEFAULT),
               () -> scorer, new SimpleMeterRegistry())) {
        scorerApp.start();
        assertThat(scorerApp.awaitRunning(Duration.ofSeconds(60))).isTrue();
        assertStateTopicsHaveThreeCopies(settings, app);
        CompletableFuture<Cli.Result> ingest = CompletableFuture.supplyAsync(() -> Cli.run("ingest", "--bootstrap", bootstrap,
            "--source", video.toString(), "--procedure", procedure, "--realtime"));
        disturbance.run(brokers, bootstrap, System.nanoTime());

        Cli.Result r = ingest.get(180, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains(FRAMES + " frames read, " + FRAMES + " sent, 0 failed");
        KafkaCluster cluster = KafkaCluster.of(bootstrap, "three embedded brokers");
        List<ConsumerRecord<String, Frame>> frames = TopicReader.read(cluster, Topics.FRAMES.name(),
            Topics.FRAMES.valueSerde().deserializer(), TopicReader.key(procedure), FRAMES);
        List<ConsumerRecord<String, Score>> scores = TopicReader.read(cluster, Topics.SCORES.name(),
            Topics.SCORES.valueSerde().deserializer(), TopicReader.key(procedure), FRAMES);
        List<Long> range = LongStream.range(0, FRAMES).boxed().toList();
        assertThat(frames.stream().map(c -> c.value().frameIndex()).toList()).containsExactlyElementsOf(range);
        assertThat(scores.stream().map(c -> c.value().frameIndex()).sorted().toList()).containsExactlyElementsOf(range);
        List<Score> scored = scores.stream().map(ConsumerRecord::value).filter(Score::isScored)
            .sorted(java.util.Comparator.comparingLong(Score::frameIndex)).toList();
        long gap = 0;
        for (int i = 1; i < scored.size(); i++) {
          gap = Math.max(gap, scored.get(i).scoredTimestampMs() - scored.get(i - 1).scoredTimestampMs());
        }
        // For the reader (OPERATIONS), not asserted: three brokers, ingest and scorer share this JVM's cores.
        System.out.printf("%s: outcomes %d, scored %d; longest gap between scored frames %d ms; worst latency %d ms%n",
            name, scores.size(), scored.size(), gap, scored.stream().mapToLong(Score::latencyMs).max().orElse(-1));
        // Not ended while a broker was away (and started again after): the one alert ends 15 s
        // after the video's last frame, at that frame.
        List<AlertEvent> alerts = TopicReader.read(cluster, Topics.ALERTS.name(), Topics.ALERTS.valueSerde().deserializer(),
            c -> procedure.equals(c.key()) && !c.value().type().equals(AlertEvent.UPDATE), 2).stream()
            .map(ConsumerRecord::value).toList();
        assertThat(alerts).extracting(AlertEvent::type, AlertEvent::startFrame, AlertEvent::endFrame, AlertEvent::endReason)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple(AlertEvent.START, 0L, 2L, null),
                org.assertj.core.groups.Tuple.tuple(AlertEvent.END, 0L, (long) FRAMES - 1, AlertEvent.FRAMES_STOPPED));
        assertThat(scorerApp.healthy()).isTrue();
      }
    }
  }

  /** Kafka Streams made them; the scorer asked for as many copies as frames has, two in sync, and small segments. */
  private static void assertStateTopicsHaveThreeCopies(KafkaSettings settings, String app) throws Exception {
    try (Admin admin = Admin.create(settings.clientProps())) {
      List<String> state = admin.listTopics().names().get().stream().filter(n -> n.startsWith(app + "-")).sorted().toList();
      assertThat(state).contains(app + "-alert-state-changelog");
      for (TopicDescription d : admin.describeTopics(state).allTopicNames().get().values()) {
        assertThat(d.partitions()).allSatisfy(p -> assertThat(p.replicas()).as(d.name()).hasSize(3));
      }
      List<ConfigResource> resources = state.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      assertThat(admin.describeConfigs(resources).all().get().values())
          .allSatisfy(c -> assertThat(c.get("min.insync.replicas").value()).isEqualTo("2"));
      // Small segments, so the log cleaner keeps what a restore reads to the live records.
      var alertState = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
          app + "-alert-state-changelog"))).all().get().values().iterator().next();
      assertThat(alertState.get("segment.ms").value()).isEqualTo("60000");
      assertThat(alertState.get("segment.bytes").value()).isEqualTo("16777216");
      assertThat(alertState.get("cleanup.policy").value()).isEqualTo("compact");
    }
  }
}
