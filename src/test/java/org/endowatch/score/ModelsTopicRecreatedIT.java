package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.endowatch.contract.ModelRelease;
import org.endowatch.contract.Topic;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The models topic deleted under a running scorer and made again ('topics apply' on a cluster
 * someone cleaned up): the watcher lets go of the deleted topic's partition (the Kafka consumer
 * fetching one logs a warning a millisecond: 17,953 lines in the 3 s it was gone, 352,000 in this
 * test's 36 s without the fix; now some 550, the half second before the watcher sees it), says so,
 * waits for the topic, and reads the new one from its start as at a start: the latest release of
 * its name, not each release in turn from wherever the old topic's position fell.
 */
@ExtendWith(RealKafka.class)
class ModelsTopicRecreatedIT {
  @Test
  void aModelsTopicMadeAgainIsFollowedFromItsStart(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    ModelHolderTest.model(dir.resolve("v1"), "k-1", 0.5);
    ModelManifest v2 = ModelHolderTest.model(dir.resolve("v2"), "k-2", 0.6);
    ModelManifest v3 = ModelHolderTest.model(dir.resolve("v3"), "k-3", 0.7);
    ModelManifest v4 = ModelHolderTest.model(dir.resolve("v4"), "k-4", 0.8);
    String name = "models-again-" + UUID.randomUUID().toString().substring(0, 8);
    Topic<String, ModelRelease> topic = new Topic<>(name, Topics.MODELS.keySerde(), Topics.MODELS.valueSerde());
    ListAppender<ILoggingEvent> said = new ListAppender<>();
    ListAppender<ILoggingEvent> fetches = new ListAppender<>();
    Logger watcherLog = (Logger) org.slf4j.LoggerFactory.getLogger(ModelReleaseWatcher.class);
    Logger fetchLog = (Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients.consumer.internals.FetchCollector");
    said.start();
    fetches.start();
    watcherLog.addAppender(said);
    fetchLog.addAppender(fetches);
    BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
    try (Admin admin = Admin.create(kafka.settings().clientProps());
         ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null)) {
      create(admin, name);
      for (int i = 1; i <= 3; i++) {   // three offsets to be past when the topic comes back with two
        publish(kafka, name, new ModelRelease("k", "k-2", dir.resolve("v2").toString(), v2.parametersSha256(), i));
      }
      try (ModelReleaseWatcher watcher = new ModelReleaseWatcher(ModelReleaseWatcher.consumer(kafka.settings().clientProps(), topic),
          holder, o -> outcomes.add(o.message()), topic, Duration.ofSeconds(1))) {
        assertThat(outcomes.poll(30, TimeUnit.SECONDS)).isEqualTo("switched from k-1 to k-2");
        admin.deleteTopics(List.of(name)).all().get();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (said.list.stream().noneMatch(e -> e.getFormattedMessage().contains(" is gone")) && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        int fetchWarningsWhenLetGo = fetches.list.size();
        Thread.sleep(3_000);   // gone a while: nothing more is fetched from it
        int fetchWarningsAfter = fetches.list.size();
        create(admin, name);
        publish(kafka, name, new ModelRelease("k", "k-3", dir.resolve("v3").toString(), v3.parametersSha256(), 4));
        publish(kafka, name, new ModelRelease("k", "k-4", dir.resolve("v4").toString(), v4.parametersSha256(), 5));

        assertThat(outcomes.poll(30, TimeUnit.SECONDS)).isEqualTo("switched from k-2 to k-4");
        assertThat(fetchWarningsAfter).isEqualTo(fetchWarningsWhenLetGo);
        assertThat(said.list).extracting(e -> e.getLevel() + " " + e.getFormattedMessage()).containsExactly(
            "WARN topic " + name + " is gone (deleted?): still serving k-2; following the model releases on it again once it exists",
            "INFO topic " + name + " now exists: following the model releases on it");
        Thread.sleep(1_000);
        assertThat(outcomes).isEmpty();   // k-3, which k-4 replaced, was not loaded on the way
      }
    } finally {
      watcherLog.detachAppender(said);
      fetchLog.detachAppender(fetches);
    }
  }

  private static void create(Admin admin, String name) throws Exception {
    admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")))).all().get();
  }

  private static void publish(KafkaCluster kafka, String name, ModelRelease r) throws Exception {
    try (KafkaProducer<String, ModelRelease> p = new KafkaProducer<>(kafka.settings().clientProps(), Topics.MODELS.keySerde().serializer(),
        Topics.MODELS.valueSerde().serializer())) {
      p.send(new ProducerRecord<>(name, r.modelName(), r)).get();
    }
  }
}
