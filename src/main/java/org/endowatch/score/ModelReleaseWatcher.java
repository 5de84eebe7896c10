package org.endowatch.score;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
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
 * Follows the compacted {@code models} topic and offers every release of the serving model's name
 * to the {@link ModelHolder}. It reads the topic from the start (compaction keeps the latest
 * release per name), so a scorer started after a release still picks it up; releases it cannot
 * parse are logged and ignored.
 */
public final class ModelReleaseWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelReleaseWatcher.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);

  public ModelReleaseWatcher(Properties clientProps, ModelHolder holder, Consumer<ModelHolder.Outcome> onOutcome) {
    Topic<String, ModelRelease> topic = Topics.MODELS;
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "endowatch-model-watcher-" + UUID.randomUUID());
    consumer = new KafkaConsumer<>(p, topic.keySerde().deserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(15)).stream()
        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread = new Thread(() -> {
      try {
        while (running.get()) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
            if (r.value() == null || !holder.modelName().equals(r.key())) {
              continue;
            }
            try {
              ModelRelease release = topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
              onOutcome.accept(holder.offer(release));
            } catch (RuntimeException e) {
              LOG.error("ignoring unreadable model release at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            }
          }
        }
      } catch (WakeupException stopping) {
        // close() woke the poll
      } finally {
        consumer.close();
      }
    }, "model-release-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
