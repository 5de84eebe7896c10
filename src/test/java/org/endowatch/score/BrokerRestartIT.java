package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.Ingestor;
import org.endowatch.model.ModelArtifact;
import org.endowatch.platform.EmbeddedKafkaBroker;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.TestModels;
import org.endowatch.testing.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops for a few seconds while a procedure is being ingested in real time and scored:
 * ingest and scorer recover by themselves, every frame arrives once and gets exactly one outcome.
 */
class BrokerRestartIT {
  @Test
  void ingestAndScorerRideOutABrokerRestart(@TempDir Path dir) throws Exception {
    Path video = dir.resolve("procedure.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", "8", "--seed", "5").exitCode()).isZero();
    Path data = dir.resolve("kafka");
    EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(0, data, Map.of(), Duration.ofSeconds(90));
    int port = first.port();
    String bootstrap = first.bootstrapServers();
    EmbeddedKafkaBroker second = null;
    KafkaSettings settings = KafkaSettings.of(bootstrap);
    try {
      assertThat(Cli.run("topics", "apply", "--bootstrap", bootstrap).exitCode()).isZero();
      Path model = TestModels.calibratedMicro(dir.resolve("model"));
      try (ModelFrameScorer scorer = new ModelFrameScorer(ModelArtifact.load(model, "cpu"), null);
           ScorerApp app = new ScorerApp(settings.clientProps(), "restart-it", 1, dir.resolve("state"),
               new ScoringTopology.Settings(Topics.FRAMES.name(), ScoringTopology.Outputs.LIVE, 0, AlertRule.DEFAULT),
               () -> scorer, new SimpleMeterRegistry())) {
        app.start();
        CompletableFuture<Cli.Result> ingest = CompletableFuture.supplyAsync(() -> Cli.run("ingest", "--bootstrap", bootstrap,
            "--source", video.toString(), "--procedure", "restart-1", "--realtime"));
        Thread.sleep(3_000);
        first.close();
        // Down longer than ingest waits before it says Kafka is silent.
        Thread.sleep(Ingestor.SILENT_AFTER_MS + 3_000);
        second = EmbeddedKafkaBroker.start(port, data, Map.of(), Duration.ofSeconds(90));

        Cli.Result r = ingest.get(180, TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("200 frames read, 200 sent, 0 failed");
        // The operator at the ingest terminal is told, once, and told when it is over.
        List<String> said = r.err().lines().filter(l -> l.contains("Kafka")).toList();
        assertThat(said).as(r.err()).hasSize(2);
        assertThat(said.get(0)).matches("ingest: no answer from Kafka for [6-9] s, \\d+ frames waiting: is the broker up\\? .*");
        assertThat(said.get(1)).matches("ingest: Kafka answers again, after \\d+ s without");
        KafkaCluster cluster = KafkaCluster.of(bootstrap, "embedded, restarted");
        List<ConsumerRecord<String, Frame>> frames = TopicReader.read(cluster, Topics.FRAMES.name(),
            Topics.FRAMES.valueSerde().deserializer(), TopicReader.key("restart-1"), 200);
        List<ConsumerRecord<String, Score>> scores = TopicReader.read(cluster, Topics.SCORES.name(),
            Topics.SCORES.valueSerde().deserializer(), TopicReader.key("restart-1"), 200);
        List<Long> range = java.util.stream.LongStream.range(0, 200).boxed().toList();
        assertThat(frames.stream().map(c -> c.value().frameIndex()).toList()).containsExactlyElementsOf(range);
        assertThat(scores.stream().map(c -> c.value().frameIndex()).sorted().toList()).containsExactlyElementsOf(range);
        assertThat(app.healthy()).isTrue();
      }
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }
}
