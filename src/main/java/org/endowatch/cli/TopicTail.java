package org.endowatch.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reading the newest records of some partitions, up to their end as it was when reading began. */
final class TopicTail {
  /** Every record there is. */
  static final long ALL = Long.MAX_VALUE;

  private TopicTail() {}

  /**
   * Passes the last {@code count} records of each partition to {@code each}, partition by partition
   * in offset order. Under read committed a partition can stop short of its end while a transaction
   * is open: after a few empty polls it gives up on that rather than wait for a writer that may be gone.
   */
  static <V> void read(KafkaConsumer<String, V> consumer, List<TopicPartition> partitions, long count,
      Consumer<ConsumerRecord<String, V>> each) {
    consumer.assign(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
    for (TopicPartition tp : partitions) {
      consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - count));
    }
    int idle = 0;
    while (idle < 3 && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
      var records = consumer.poll(Duration.ofMillis(300));
      idle = records.isEmpty() ? idle + 1 : 0;
      for (ConsumerRecord<String, V> r : records) {
        if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
          each.accept(r);
        }
      }
    }
  }
}
