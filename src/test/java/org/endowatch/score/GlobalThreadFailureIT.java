package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The global thread (the one that follows what ingest says of each recording) fails: Kafka Streams
 * cannot replace it, so the scorer stops, with that failure as its own (the `score` command exits
 * non-zero on it, for its supervisor to restart it), rather than scoring on without the recordings.
 */
@ExtendWith(RealKafka.class)
class GlobalThreadFailureIT {
  @Test
  void aFailedGlobalThreadStopsTheScorerWithItsFailure(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String suffix = "-global-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs = ScoringIT.createTopics(kafka, suffix, 1);
    String input = "frames" + suffix;
    String recordings = "procedures" + suffix;
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new NewTopic(recordings, 1, (short) 1))).all().get();
    }
    AtomicBoolean fail = new AtomicBoolean();
    FrameScorer scorer = TestScorers.of("g-1", f -> new FrameScorer.Scored(0.2, new float[] {0.2f}, 1));
    try (ScorerApp app = new ScorerApp(kafka.settings().clientProps(), "global" + suffix, 1, dir.resolve("state"),
        new ScoringTopology.Settings(input, outputs, 0, AlertRule.DEFAULT, 1).withRecordings(recordings), () -> scorer,
        new SimpleMeterRegistry(), new FailingGlobalConsumer(fail))) {
      app.start();
      assertThat(app.awaitRunning(Duration.ofSeconds(60))).as("scorer running").isTrue();
      TopicWriter.send(kafka, input, Topics.FRAMES.valueSerde().serializer(), "room-g",
          ScoringIT.tinyFrames("room-g", 1, System.currentTimeMillis(), 0));
      assertThat(ScoringIT.readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), 1,
          Duration.ofSeconds(60))).extracting(Score::procedureId).containsExactly("room-g");

      fail.set(true);

      assertThat(app.awaitStop(60, TimeUnit.SECONDS)).as("scorer stopped within 60 s of its global thread failing").isTrue();
      assertThat(app.awaitStop()).as("the scorer's failure").isNotNull().hasStackTraceContaining("test: the global consumer fails");
      assertThat(app.healthy()).isFalse();
    }
  }

  /** Kafka Streams' clients as the scorer makes them, but the global consumer's poll fails once {@code fail} is set. */
  private static final class FailingGlobalConsumer implements KafkaClientSupplier {
    private final KafkaClientSupplier clients = new LookBack();
    private final AtomicBoolean fail;

    FailingGlobalConsumer(AtomicBoolean fail) {
      this.fail = fail;
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
      return clients.getAdmin(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
      return clients.getProducer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
      return clients.getConsumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
      return clients.getRestoreConsumer(config);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
      Consumer<byte[], byte[]> consumer = clients.getGlobalConsumer(config);
      return (Consumer<byte[], byte[]>) Proxy.newProxyInstance(Consumer.class.getClassLoader(), new Class<?>[] {Consumer.class},
          (proxy, method, args) -> {
            if (method.getName().equals("poll") && fail.get()) {
              // As a broker's refusal reaches it (an authorization failure, a topic gone for good).
              throw new KafkaException("test: the global consumer fails");
            }
            try {
              return method.invoke(consumer, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
    }
  }
}
