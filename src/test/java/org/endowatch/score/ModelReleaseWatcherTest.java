package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.endowatch.contract.ModelRelease;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher against Kafka's own MockConsumer, which can refuse a poll as a broker whose ACLs no
 * longer let the scorer read the models topic does (an in-process broker with an authorizer and
 * SASL principals would test the same consumer behaviour at many times the cost).
 */
class ModelReleaseWatcherTest {
  private static final TopicPartition MODELS_0 = new TopicPartition(Topics.MODELS.name(), 0);
  private static final Duration RECHECK = Duration.ofSeconds(1);

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) org.slf4j.LoggerFactory.getLogger(ModelReleaseWatcher.class);

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  @Test
  void aReleasePublishedWhileTheTopicCannotBeReadIsTakenOnceItReadsAgain(@TempDir Path dir) throws Exception {
    ModelHolderTest.model(dir.resolve("v1"), "k-1", 0.5);
    ModelManifest v2 = ModelHolderTest.model(dir.resolve("v2"), "k-2", 0.6);
    ModelManifest v3 = ModelHolderTest.model(dir.resolve("v3"), "k-3", 0.7);
    MockConsumer<String, byte[]> consumer = topicWithOnePartition();
    consumer.updateEndOffsets(Map.of(MODELS_0, 1L));
    AtomicReference<ModelReleaseWatcher> watcher = new AtomicReference<>();
    List<String> whileRefused = new ArrayList<>();
    var registry = new SimpleMeterRegistry();
    // One poll task runs per poll: the release in force, two refused polls, then a new release.
    consumer.schedulePollTask(() -> consumer.addRecord(release(0, "k-2", dir.resolve("v2"), v2)));
    consumer.schedulePollTask(() -> consumer.setPollException(new TopicAuthorizationException(Set.of("models"))));
    consumer.schedulePollTask(() -> consumer.setPollException(new TopicAuthorizationException(Set.of("models"))));
    consumer.schedulePollTask(() -> {
      whileRefused.add(watcher.get().unreadable());
      whileRefused.add("gauge " + registry.get("endowatch.model.releases_unreadable").gauge().value());
      consumer.addRecord(release(1, "k-3", dir.resolve("v3"), v3));
    });
    BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null);
         ModelReleaseWatcher w = new ModelReleaseWatcher(consumer, holder, o -> outcomes.add(o.message()), Topics.MODELS, RECHECK)) {
      watcher.set(w.meter(registry));
      assertThat(outcomes.poll(60, TimeUnit.SECONDS)).isEqualTo("switched from k-1 to k-2");
      assertThat(outcomes.poll(60, TimeUnit.SECONDS)).isEqualTo("switched from k-2 to k-3");
      assertThat(holder.get().modelVersion()).isEqualTo("k-3");
      assertThat(w.unreadable()).isNull();
      assertThat(registry.get("endowatch.model.releases_unreadable").gauge().value()).isEqualTo(0.0);
    }
    assertThat(whileRefused).containsExactly("Not authorized to access topics: [models]", "gauge 1.0");
    // Said once for the two refused polls, and once when it reads again.
    assertThat(logs.list).extracting(e -> e.getLevel() + " " + e.getFormattedMessage()).containsExactly(
        "WARN cannot read model releases on topic models: Not authorized to access topics: [models]; still serving k-2, "
            + "releases published meanwhile are taken once it reads again (tried every 1 s; refused access: grant this "
            + "scorer's principal DESCRIBE and READ on models)",
        "INFO reading model releases on topic models again");
    assertThat(consumer.closed()).isTrue();
  }

  /** A topic created after the scorer started, but that it may not read: looked at again until it may. */
  @Test
  void aTopicThatAppearsRefusedIsLookedAtAgainUntilItMayBeRead(@TempDir Path dir) throws Exception {
    ModelHolderTest.model(dir.resolve("v1"), "k-1", 0.5);
    ModelManifest v2 = ModelHolderTest.model(dir.resolve("v2"), "k-2", 0.6);
    AtomicInteger lookUps = new AtomicInteger();
    MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
      @Override
      public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
        return switch (lookUps.incrementAndGet()) {
          case 1 -> List.of();   // not there as the scorer starts
          case 2 -> throw new TopicAuthorizationException(Set.of(topic));
          default -> List.of(new PartitionInfo(topic, 0, null, null, null));
        };
      }
    };
    consumer.updateBeginningOffsets(Map.of(MODELS_0, 0L));
    consumer.updateEndOffsets(Map.of(MODELS_0, 1L));
    consumer.schedulePollTask(() -> consumer.addRecord(release(0, "k-2", dir.resolve("v2"), v2)));
    BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null);
         ModelReleaseWatcher w = new ModelReleaseWatcher(consumer, holder, o -> outcomes.add(o.message()), Topics.MODELS, RECHECK)) {
      assertThat(w.topicFound()).isFalse();
      assertThat(outcomes.poll(60, TimeUnit.SECONDS)).isEqualTo("switched from k-1 to k-2");
    }
    // missing, refused, there; and once a round while following (a deleted topic is let go of)
    assertThat(lookUps.get()).isGreaterThanOrEqualTo(3);
    assertThat(logs.list).extracting(e -> e.getLevel() + " " + e.getFormattedMessage()).containsExactly(
        "WARN cannot read model releases on topic models: Not authorized to access topics: [models]; still serving k-1, "
            + "releases published meanwhile are taken once it reads again (tried every 1 s; refused access: grant this "
            + "scorer's principal DESCRIBE and READ on models)",
        "INFO reading model releases on topic models again",
        "INFO topic models now exists: following the model releases on it");
  }

  /** Refused at start, with someone there to fix it: said in one line with what to do, not served unfollowed. */
  @Test
  void aScorerRefusedTheTopicAtStartSaysSoAndWhatToDo(@TempDir Path dir) throws Exception {
    ModelHolderTest.model(dir.resolve("v1"), "k-1", 0.5);
    MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
      @Override
      public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
        throw new TopicAuthorizationException(Set.of(topic));
      }
    };
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null)) {
      assertThatThrownBy(() -> new ModelReleaseWatcher(consumer, holder, o -> { }, Topics.MODELS, RECHECK))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("cannot follow model releases on topic models: Not authorized to access topics: [models] (grant this "
              + "scorer's principal DESCRIBE and READ on it, or start with --no-follow-models)");
    }
    assertThat(consumer.closed()).isTrue();
  }

  private static MockConsumer<String, byte[]> topicWithOnePartition() {
    MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    consumer.updatePartitions(MODELS_0.topic(), List.of(new PartitionInfo(MODELS_0.topic(), 0, null, null, null)));
    consumer.updateBeginningOffsets(Map.of(MODELS_0, 0L));
    return consumer;
  }

  private static ConsumerRecord<String, byte[]> release(long offset, String version, Path folder, ModelManifest m) {
    byte[] value = Topics.MODELS.valueSerde().serializer().serialize(MODELS_0.topic(),
        new ModelRelease("k", version, folder.toString(), m.parametersSha256(), offset));
    return new ConsumerRecord<>(MODELS_0.topic(), 0, offset, "k", value);
  }
}
