package org.endowatch.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;

/**
 * When each score and each alert start becomes readable downstream. The scorer writes inside
 * exactly-once transactions, and consoles read committed, so an outcome is visible only once its
 * transaction commits: its decision time is not when a clinician can see it. This reads the two
 * topics as a console does (read committed, from the start) and notes the wall time each record
 * arrives.
 */
final class OutputWatcher implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final String scores;
  private final LongSupplier clock;
  private final Map<String, Long> scoreSeen = new ConcurrentHashMap<>();
  private final Map<String, Long> alertSeen = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  OutputWatcher(Properties client, String scores, String alerts, LongSupplier clock) {
    Properties p = new Properties();
    p.putAll(client);
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    this.scores = scores;
    this.clock = clock;
    List<TopicPartition> all = new ArrayList<>();
    for (String t : List.of(scores, alerts)) {
      consumer.partitionsFor(t, Duration.ofSeconds(15)).forEach(i -> all.add(new TopicPartition(t, i.partition())));
    }
    consumer.assign(all);
    consumer.seekToBeginning(all);
    thread = new Thread(this::run, "output-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running.get()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long now = clock.getAsLong();
          if (r.topic().equals(scores)) {
            Score s = Topics.SCORES.valueSerde().deserializer().deserialize(r.topic(), r.value());
            scoreSeen.putIfAbsent(s.procedureId() + "/" + s.frameIndex(), now);
          } else {
            AlertEvent a = Topics.ALERTS.valueSerde().deserializer().deserialize(r.topic(), r.value());
            if (a.type().equals(AlertEvent.START)) {
              alertSeen.putIfAbsent(a.alertId(), now);
            }
          }
        }
      }
    } catch (WakeupException stopping) {
      // close() wakes the consumer up
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Waits until {@code count} outcomes have been seen in all, or {@code timeout} passed. */
  void awaitScores(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (scoreSeen.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  /** When the outcome of a procedure's frame was first readable, or null if it has not been. */
  Long scoreSeen(String procedure, long frameIndex) {
    return scoreSeen.get(procedure + "/" + frameIndex);
  }

  /** When an alert's start was first readable, or null if it has not been. */
  Long alertSeen(String alertId) {
    return alertSeen.get(alertId);
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    consumer.wakeup();
    thread.join(10_000);
  }
}
