package org.endowatch.replay;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one recorded procedure back from a topic: only its partition, from the first record at or
 * after a time up to the end of the topic as it was when reading began (a procedure still being
 * recorded is read up to that point). Read committed, as every consumer of scorer output must.
 */
public final class ProcedureRecords {
  private static final Logger LOG = LoggerFactory.getLogger(ProcedureRecords.class);
  /** Unreadable records named one by one in the log; past this, only their count at the end. */
  static final int NAMED = 10;

  private ProcedureRecords() {}

  /**
   * Calls {@code each} for every record of {@code procedure} on {@code topic}, in order. Records are
   * read as bytes and only the procedure's own are decoded: a broken record of another procedure on
   * the same partition (a camera whose ingest lost its headers, which the scorer dead-letters) is no
   * concern of this read, and one of its own is skipped and said in the log (where, and why; never
   * its content), so one bad record does not end a replay, an export or a training run.
   *
   * @param fromMs the earliest record timestamp wanted (0 = from the beginning)
   * @return how many records were passed to {@code each}
   */
  public static <V> long forEach(Properties client, String topic, String procedure, Deserializer<V> values,
      long fromMs, Consumer<ConsumerRecord<String, V>> each) {
    Properties p = new Properties();
    p.putAll(client);
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    // Retention can delete the oldest segment while a long procedure is read: go on from the oldest
    // record kept, where Kafka's default ('latest') jumped to the end and silently ended the read.
    p.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15));
      if (partitions == null || partitions.isEmpty()) {
        throw new IllegalArgumentException("topic " + topic + " does not exist");
      }
      TopicPartition tp = new TopicPartition(topic, Topics.partitionFor(procedure, partitions.size()));
      consumer.assign(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      long start = consumer.beginningOffsets(List.of(tp)).get(tp);
      if (fromMs > 0) {
        Map<TopicPartition, OffsetAndTimestamp> at = consumer.offsetsForTimes(Map.of(tp, fromMs));
        start = at.get(tp) == null ? end : at.get(tp).offset();
      }
      consumer.seek(tp, start);
      long passed = 0;
      long unreadable = 0;
      long position = start;
      int idle = 0;
      // Read committed stops short of the end offset while a transaction is open; give up after
      // a few idle polls rather than wait for a writer that may be gone.
      while (position < end && idle < 10) {
        var records = consumer.poll(Duration.ofMillis(500));
        idle = records.isEmpty() ? idle + 1 : 0;
        for (ConsumerRecord<String, byte[]> r : records) {
          position = r.offset() + 1;
          if (r.offset() < end && procedure.equals(r.key())) {
            V value;
            try {
              value = values.deserialize(r.topic(), r.headers(), r.value());
            } catch (RuntimeException e) {
              if (++unreadable <= NAMED) {
                // Named by where it is: log lines name no procedure (SECURITY.md).
                LOG.warn("skipping unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
              }
              continue;
            }
            each.accept(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType(),
                r.serializedKeySize(), r.serializedValueSize(), r.key(), value, r.headers(), r.leaderEpoch()));
            passed++;
          }
        }
        position = Math.max(position, consumer.position(tp));
      }
      if (unreadable > NAMED) {
        LOG.warn("skipped {} unreadable records of the procedure on {} in all (the first {} named above)", unreadable, topic, NAMED);
      }
      return passed;
    }
  }
}
