package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.endowatch.config.KafkaSettings;
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
 * A rolling restart of a three-broker cluster (how a Kafka team upgrades or reconfigures one)
 * while a procedure is ingested in real time and scored: each broker in turn stops and comes back,
 * so every partition's leader moves at least once. Nothing stops, every frame arrives once and gets
 * exactly one outcome. The cluster is left at Kafka's defaults, so this holds only because every
 * topic, the scorer's own state topics included, gets three copies.
 */
class BrokerRollingRestartIT {
  @Test
  void ingestAndScorerRideOutARollingRestart(@TempDir Path dir) throws Exception {
    Path video = dir.resolve("procedure.mp4");
    int seconds = 20;
    int frameCount = seconds * 25;
    assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", String.valueOf(seconds), "--seed", "5")
        .exitCode()).isZero();
    // Left at Kafka's defaults (one copy of a topic that does not say): endowatch's topics and the
    // scorer's state topics must get their three copies anyway, or a stopped broker stops the work.
    try (ThreeBrokers brokers = new ThreeBrokers(dir.resolve("kafka"), ThreeBrokers.KAFKA_DEFAULTS)) {
      String bootstrap = brokers.bootstrapServers();
      KafkaSettings settings = KafkaSettings.of(bootstrap);
      assertThat(Cli.run("topics", "apply", "--bootstrap", bootstrap).exitCode()).isZero();
      Path model = TestModels.calibratedMicro(dir.resolve("model"));
      try (ModelFrameScorer scorer = new ModelFrameScorer(ModelArtifact.load(model, "cpu"), null);
           ScorerApp app = new ScorerApp(settings.clientProps(), "rolling-it", 1, dir.resolve("state"),
               new ScoringTopology.Settings(Topics.FRAMES.name(), ScoringTopology.Outputs.LIVE, 0, AlertRule.DEFAULT),
               () -> scorer, new SimpleMeterRegistry())) {
        app.start();
        assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
        try (Admin admin = Admin.create(settings.clientProps())) {
          List<String> state = admin.listTopics().names().get().stream().filter(n -> n.startsWith("rolling-it-")).sorted().toList();
          assertThat(state).contains("rolling-it-alert-state-changelog");
          for (TopicDescription d : admin.describeTopics(state).allTopicNames().get().values()) {
            assertThat(d.partitions()).allSatisfy(p -> assertThat(p.replicas()).as(d.name()).hasSize(3));
          }
          List<ConfigResource> resources = state.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
          assertThat(admin.describeConfigs(resources).all().get().values())
              .allSatisfy(c -> assertThat(c.get("min.insync.replicas").value()).isEqualTo("2"));
        }
        CompletableFuture<Cli.Result> ingest = CompletableFuture.supplyAsync(() -> Cli.run("ingest", "--bootstrap", bootstrap,
            "--source", video.toString(), "--procedure", "rolling-1", "--realtime"));
        long t0 = System.nanoTime();
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

        Cli.Result r = ingest.get(180, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains(frameCount + " frames read, " + frameCount + " sent, 0 failed");
        KafkaCluster cluster = KafkaCluster.of(bootstrap, "three embedded brokers");
        List<ConsumerRecord<String, Frame>> frames = TopicReader.read(cluster, Topics.FRAMES.name(),
            Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("rolling-1"), frameCount);
        List<ConsumerRecord<String, Score>> scores = TopicReader.read(cluster, Topics.SCORES.name(),
            Topics.SCORES.valueSerde().deserializer(), TopicReader.key("rolling-1"), frameCount);
        List<Long> range = LongStream.range(0, frameCount).boxed().toList();
        assertThat(frames.stream().map(c -> c.value().frameIndex()).toList()).containsExactlyElementsOf(range);
        assertThat(scores.stream().map(c -> c.value().frameIndex()).sorted().toList()).containsExactlyElementsOf(range);
        List<Score> scored = scores.stream().map(ConsumerRecord::value).filter(Score::isScored)
            .sorted(java.util.Comparator.comparingLong(Score::frameIndex)).toList();
        long gap = 0;
        for (int i = 1; i < scored.size(); i++) {
          gap = Math.max(gap, scored.get(i).scoredTimestampMs() - scored.get(i - 1).scoredTimestampMs());
        }
        System.out.printf("outcomes: %d, scored %d; longest gap between scored frames %d ms; worst latency %d ms%n",
            scores.size(), scored.size(), gap, scored.stream().mapToLong(Score::latencyMs).max().orElse(-1));
        assertThat(app.healthy()).isTrue();
      }
    }
  }
}
