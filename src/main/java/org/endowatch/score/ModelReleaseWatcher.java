package org.endowatch.score;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.endowatch.contract.ModelRelease;
import org.endowatch.contract.Topic;
import org.endowatch.contract.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted {@code models} topic and offers releases of the serving model's name to the
 * {@link ModelHolder}. At start it reads the topic to its end and offers the latest release there,
 * and only if that one is refused the one before, and so on, ending where a scorer that had seen
 * them all would be: compaction is lazy, so the topic may still hold releases that later ones
 * replaced (a bad version since rolled back among them), and a starting scorer must not load, let
 * alone score with, each in turn. After that it offers every new release as it comes. Releases it
 * cannot parse are logged and ignored. A cluster without the topic yet is looked at again every
 * {@link #TOPIC_RECHECK} until it has one.
 */
public final class ModelReleaseWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelReleaseWatcher.class);

  /** How often a scorer started before its cluster had a models topic looks for it again. */
  static final Duration TOPIC_RECHECK = Duration.ofSeconds(10);

  private final Topic<String, ModelRelease> topic;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final boolean topicFound;

  public ModelReleaseWatcher(Properties clientProps, ModelHolder holder, Consumer<ModelHolder.Outcome> onOutcome) {
    this(clientProps, holder, onOutcome, Topics.MODELS);
  }

  ModelReleaseWatcher(Properties clientProps, ModelHolder holder, Consumer<ModelHolder.Outcome> onOutcome,
      Topic<String, ModelRelease> topic) {
    this.topic = topic;
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "endowatch-model-watcher-" + UUID.randomUUID());
    consumer = new KafkaConsumer<>(p, topic.keySerde().deserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    List<TopicPartition> found = partitions(Duration.ofSeconds(15));
    topicFound = !found.isEmpty();
    thread = new Thread(() -> {
      try {
        // A cluster set up by hand may get its models topic after the scorer started ('topics apply'
        // later): score meanwhile, look for it now and then, and follow it from its first release
        // once it is there. Until then there is nothing to catch up on.
        List<TopicPartition> partitions = found;
        while (partitions.isEmpty()) {
          caughtUp.countDown();
          if (stopping.await(TOPIC_RECHECK.toMillis(), TimeUnit.MILLISECONDS)) {
            return;
          }
          try {
            partitions = partitions(Duration.ofSeconds(5));
          } catch (org.apache.kafka.common.errors.TimeoutException unreachable) {
            // the brokers did not answer this time: look again at the next recheck
          }
        }
        if (!topicFound) {
          LOG.info("topic {} now exists: following the model releases on it", topic.name());
        }
        follow(holder, onOutcome, partitions);
      } catch (WakeupException | InterruptedException stopped) {
        // close() woke the poll
      } finally {
        caughtUp.countDown();
        consumer.close();
      }
    }, "model-release-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  /** The topic's partitions; none while it does not exist. */
  private List<TopicPartition> partitions(Duration timeout) {
    return consumer.partitionsFor(topic.name(), timeout).stream()
        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
  }

  /**
   * Reads the topic from its start: while catching up to the end it had when reading began, keeps
   * the serving name's releases, then offers the latest (and the one before only if that is
   * refused, and so on), and from then on every release as it comes.
   */
  private void follow(ModelHolder holder, Consumer<ModelHolder.Outcome> onOutcome, List<TopicPartition> partitions) {
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> startEnd = consumer.endOffsets(partitions);
    List<ModelRelease> earlier = new ArrayList<>();   // while catching up: our name's releases so far, in order
    boolean following = false;
    while (running.get()) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
        if (!holder.modelName().equals(r.key())) {
          continue;
        }
        if (r.value() == null) {
          earlier.clear();   // a tombstone withdraws the name's releases
          continue;
        }
        ModelRelease release = read(topic, r);
        if (release != null && following) {
          onOutcome.accept(holder.offer(release));
        } else if (release != null) {
          earlier.add(release);
        }
      }
      if (!following && startEnd.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
        following = true;
        for (int i = earlier.size() - 1; i >= 0; i--) {
          ModelHolder.Outcome o = holder.offer(earlier.get(i));
          onOutcome.accept(o);
          if (!o.result().equals(ModelHolder.REFUSED)) {
            break;
          }
        }
        earlier.clear();
        caughtUp.countDown();
      }
    }
  }

  /** False when the topic did not exist as the watcher started (it then waits for it to appear). */
  public boolean topicFound() {
    return topicFound;
  }

  private static ModelRelease read(Topic<String, ModelRelease> topic, ConsumerRecord<String, byte[]> r) {
    try {
      return topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
    } catch (RuntimeException e) {
      LOG.error("ignoring unreadable model release at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
      return null;
    }
  }

  /**
   * Waits until the releases on the topic when it started were read and the latest of them offered
   * (so the first frame is scored with the released version, not the folder's); false on timeout.
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    running.set(false);
    stopping.countDown();
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
