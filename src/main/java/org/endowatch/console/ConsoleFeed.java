package org.endowatch.console;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@link ConsoleStore} from the topics, as a downstream consumer (read committed,
 * no consumer group: every console sees everything, from the start of retention). Bad records
 * are counted and skipped: a console must keep showing the other procedures. Also reads single
 * frames back by offset for recorded procedures.
 */
public final class ConsoleFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleFeed.class);
  /** How often the store forgets what retention deleted: retention is counted in hours and days. */
  static final Duration EXPIRE_EVERY = Duration.ofMinutes(1);

  private final Properties client;
  private final ConsoleStore store;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaConsumer<String, byte[]> fetcher;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private volatile long skipped;

  public ConsoleFeed(Properties client, ConsoleStore store) {
    this.client = new Properties();
    this.client.putAll(client);
    this.client.put("isolation.level", "read_committed");
    this.client.put("enable.auto.commit", "false");
    this.store = store;
    this.consumer = new KafkaConsumer<>(this.client, new StringDeserializer(), new ByteArrayDeserializer());
    this.fetcher = new KafkaConsumer<>(this.client, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> all = new ArrayList<>();
    for (String t : List.of(Topics.FRAMES.name(), Topics.SCORES.name(), Topics.HEATMAPS.name(), Topics.ALERTS.name())) {
      consumer.partitionsFor(t, Duration.ofSeconds(15)).forEach(p -> all.add(new TopicPartition(t, p.partition())));
    }
    consumer.assign(all);
    consumer.seekToBeginning(all);
    thread = new Thread(this::run, "console-feed");
    thread.setDaemon(true);
    thread.start();
  }

  /** Records that could not be read (counted, never fatal). */
  public long skipped() {
    return skipped;
  }

  private void run() {
    long nextExpiry = 0;
    try {
      while (running.get()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          apply(r);
        }
        store.announceChanges();
        if (System.nanoTime() - nextExpiry >= 0) {
          nextExpiry = System.nanoTime() + EXPIRE_EVERY.toNanos();
          int forgotten = store.expire();
          if (forgotten > 0) {
            LOG.info("forgot {} procedures that the topics no longer hold", forgotten);
          }
        }
      }
    } catch (WakeupException stopping) {
      // close() wakes the consumer up
    } catch (RuntimeException e) {
      LOG.error("console feed stopped: {}", e.getMessage());
    }
  }

  private void apply(ConsumerRecord<String, byte[]> r) {
    try {
      String t = r.topic();
      if (t.equals(Topics.FRAMES.name())) {
        store.frame(Topics.FRAMES.valueSerde().deserializer().deserialize(t, r.headers(), r.value()), r.partition(), r.offset());
      } else if (t.equals(Topics.SCORES.name())) {
        store.score(Topics.SCORES.valueSerde().deserializer().deserialize(t, r.value()));
      } else if (t.equals(Topics.HEATMAPS.name())) {
        store.heatmap(Topics.HEATMAPS.valueSerde().deserializer().deserialize(t, r.value()));
      } else if (t.equals(Topics.ALERTS.name())) {
        store.alert(Topics.ALERTS.valueSerde().deserializer().deserialize(t, r.value()));
      }
    } catch (RuntimeException e) {
      skipped++;
      // Where, not what: a frame's content is patient data and never goes to a log.
      LOG.warn("skipping unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getClass().getSimpleName());
    }
  }

  /** The image of frame {@code index} of a procedure: from memory, else read back by offset; null if unknown. */
  public byte[] image(String procedure, long index) {
    byte[] b = store.image(procedure, index);
    if (b != null) {
      return b;
    }
    long[] at = store.location(procedure, index);
    if (at == null) {
      return null;
    }
    synchronized (fetcher) {
      TopicPartition tp = new TopicPartition(Topics.FRAMES.name(), (int) at[0]);
      fetcher.assign(List.of(tp));
      fetcher.seek(tp, at[1]);
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : fetcher.poll(Duration.ofMillis(200))) {
          if (r.offset() == at[1]) {
            return r.value();
          }
        }
      }
      return null;
    }
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
    consumer.close(Duration.ofSeconds(2));
    synchronized (fetcher) {
      fetcher.close(Duration.ofSeconds(2));
    }
  }
}
