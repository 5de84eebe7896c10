package org.endowatch.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic from the beginning as a downstream consumer does (read_committed). */
public final class TopicReader {
  private TopicReader() {}

  /**
   * The records of {@code topic} that match {@code keep}, read until {@code expected} of them have
   * arrived (or 120 s passed), then two more seconds, so extra records (duplicates) show up too.
   */
  public static <T> List<ConsumerRecord<String, T>> read(KafkaCluster kafka, String topic, Deserializer<T> values,
      Predicate<ConsumerRecord<String, T>> keep, int expected) {
    Properties cp = kafka.settings().clientProps();
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + UUID.randomUUID());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<String, T>> out = new ArrayList<>();
    try (KafkaConsumer<String, T> c = new KafkaConsumer<>(cp, new StringDeserializer(), values)) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> {
          if (keep.test(r)) {
            out.add(r);
          }
        });
      }
      long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < settle) {
        c.poll(Duration.ofMillis(200)).forEach(r -> {
          if (keep.test(r)) {
            out.add(r);
          }
        });
      }
    }
    return out;
  }

  /** Records whose key is {@code key}. */
  public static <T> Predicate<ConsumerRecord<String, T>> key(String key) {
    return r -> key.equals(r.key());
  }
}
