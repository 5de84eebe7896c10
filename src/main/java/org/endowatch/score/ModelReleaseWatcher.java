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
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
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
 * {@link #TOPIC_RECHECK} until it has one; a topic deleted under it is let go of and waited for in
 * the same way, and read from its start once made again, as at a start. A topic it cannot read (the scorer's principal lost its
 * permission, the brokers refuse it) is tried again as often, said once in the log and by the gauge
 * {@code endowatch.model.releases_unreadable}: the scorer goes on scoring with what it serves, and
 * a hot swap published meanwhile is taken when the topic reads again, not lost with the thread.
 */
public final class ModelReleaseWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelReleaseWatcher.class);

  /** How often a scorer started before its cluster had a models topic looks for it again. */
  static final Duration TOPIC_RECHECK = Duration.ofSeconds(10);

  private final Topic<String, ModelRelease> topic;
  private final org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  /** Why the topic cannot be read now; null while it reads. */
  private final AtomicReference<String> unreadable = new AtomicReference<>();
  private final Duration recheck;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final boolean topicFound;

  public ModelReleaseWatcher(Properties clientProps, ModelHolder holder, Consumer<ModelHolder.Outcome> onOutcome) {
    this(clientProps, holder, onOutcome, Topics.MODELS);
  }

  ModelReleaseWatcher(Properties clientProps, ModelHolder holder, Consumer<ModelHolder.Outcome> onOutcome,
      Topic<String, ModelRelease> topic) {
    this(consumer(clientProps, topic), holder, onOutcome, topic, TOPIC_RECHECK);
  }

  /** With the consumer given (a test's), and how long to wait before looking again at a missing or unreadable topic. */
  ModelReleaseWatcher(org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer, ModelHolder holder,
      Consumer<ModelHolder.Outcome> onOutcome, Topic<String, ModelRelease> topic, Duration recheck) {
    this.topic = topic;
    this.consumer = consumer;
    this.recheck = recheck;
    List<TopicPartition> found;
    try {
      found = partitions(Duration.ofSeconds(15));
    } catch (AuthorizationException | AuthenticationException refused) {
      // At start someone is there to fix it: say so rather than serve a model that never follows releases.
      consumer.close();
      throw new IllegalStateException("cannot follow model releases on topic " + topic.name() + ": " + refused.getMessage()
          + " (grant this scorer's principal DESCRIBE and READ on it, or start with --no-follow-models)", refused);
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    topicFound = !found.isEmpty();
    thread = new Thread(() -> watch(holder, onOutcome, found), "model-release-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  /** The watcher's thread: waits for the topic while it is missing, and follows it while it is there. */
  private void watch(ModelHolder holder, Consumer<ModelHolder.Outcome> onOutcome, List<TopicPartition> found) {
    try {
      // A cluster set up by hand may get its models topic after the scorer started ('topics apply'
      // later): score meanwhile, look for it now and then, and follow it from its first release
      // once it is there. Until then there is nothing to catch up on.
      // Deleted under a running scorer, it is waited for in the same way, and read from its start
      // as at a start once it is back.
      List<TopicPartition> partitions = found;
      boolean missing = !topicFound;
      while (running.get()) {
        while (partitions.isEmpty()) {
          caughtUp.countDown();
          if (stopping.await(recheck.toMillis(), TimeUnit.MILLISECONDS)) {
            return;
          }
          try {
            partitions = partitions(Duration.ofSeconds(5));
            readable();
          } catch (org.apache.kafka.common.errors.TimeoutException unreachable) {
            // the brokers did not answer this time: look again at the next recheck
          } catch (WakeupException | InterruptException stopped) {
            throw stopped;
          } catch (KafkaException e) {
            unreadable(holder, e);
          }
        }
        if (missing) {
          LOG.info("topic {} now exists: following the model releases on it", topic.name());
        }
        if (!follow(holder, onOutcome, partitions)) {
          return;
        }
        LOG.warn("topic {} is gone (deleted?): still serving {}; following the model releases on it again once it exists",
            topic.name(), holder.get().modelVersion());
        consumer.unsubscribe();   // its partitions: a consumer fetching a deleted topic's logs a warning every millisecond
        partitions = List.of();
        missing = true;
      }
    } catch (WakeupException | InterruptException | InterruptedException stopped) {
      // close() woke the poll
    } finally {
      caughtUp.countDown();
      consumer.close();
    }
  }

  static KafkaConsumer<String, byte[]> consumer(Properties clientProps, Topic<String, ModelRelease> topic) {
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "endowatch-model-watcher-" + UUID.randomUUID());
    return new KafkaConsumer<>(p, topic.keySerde().deserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
  }

  /** The topic's partitions; none while it does not exist. */
  private List<TopicPartition> partitions(Duration timeout) {
    return consumer.partitionsFor(topic.name(), timeout).stream()
        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
  }

  /**
   * Reads the topic from its start: while catching up to the end it had when reading began, keeps
   * the serving name's releases, then offers the latest (and the one before only if that is
   * refused, and so on), and from then on every release as it comes. Returns true when the topic
   * is gone, false when closing.
   */
  private boolean follow(ModelHolder holder, Consumer<ModelHolder.Outcome> onOutcome, List<TopicPartition> partitions)
      throws InterruptedException {
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> startEnd = null;
    List<ModelRelease> earlier = new ArrayList<>();   // while catching up: our name's releases so far, in order
    boolean following = false;
    while (running.get()) {
      try {
        if (startEnd == null) {
          startEnd = consumer.endOffsets(partitions);
        }
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
        readable();
        for (ConsumerRecord<String, byte[]> r : records) {
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
        Map<TopicPartition, Long> end = startEnd;
        if (!following && end.keySet().stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
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
        // The consumer's own metadata while the topic is there (no request); asked of the brokers once
        // a fetch found it missing.
        if (partitions(Duration.ofSeconds(5)).isEmpty()) {
          return true;
        }
      } catch (WakeupException | InterruptException stopped) {
        throw stopped;
      } catch (KafkaException e) {
        // The consumer keeps its place (what a poll returned was taken above): the next poll goes
        // on from where this one could not.
        unreadable(holder, e);
        if (stopping.await(recheck.toMillis(), TimeUnit.MILLISECONDS)) {
          return false;
        }
      }
    }
    return false;
  }

  /** Says, once for each new reason, that the releases cannot be read and what goes on meanwhile. */
  private void unreadable(ModelHolder holder, KafkaException e) {
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (!reason.equals(unreadable.getAndSet(reason))) {
      LOG.warn("cannot read model releases on topic {}: {}; still serving {}, releases published meanwhile are taken "
          + "once it reads again (tried every {} s; refused access: grant this scorer's principal DESCRIBE and READ on {})",
          topic.name(), reason, holder.get().modelVersion(), recheck.toSeconds(), topic.name());
    }
  }

  private void readable() {
    if (unreadable.getAndSet(null) != null) {
      LOG.info("reading model releases on topic {} again", topic.name());
    }
  }

  /** Why the models topic cannot be read now; null while it reads (or the watcher waits for it to exist). */
  public String unreadable() {
    return unreadable.get();
  }

  /** Registers the gauge {@code endowatch.model.releases_unreadable}: 1 while the topic cannot be read, else 0. */
  public ModelReleaseWatcher meter(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.Gauge.builder("endowatch.model.releases_unreadable", unreadable, u -> u.get() == null ? 0 : 1)
        .description("1 while this scorer cannot read the models topic (it then follows no new releases)")
        .register(registry);
    return this;
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
