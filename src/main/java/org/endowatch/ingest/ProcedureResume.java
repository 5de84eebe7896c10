package org.endowatch.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.FrameSerde;
import org.endowatch.contract.Topics;

/**
 * Where an interrupted ingest of a procedure continues: after the last frame of that procedure
 * already on the topic. The producer is idempotent within one process only, so after a crash
 * this is what keeps a restarted ingest from sending frame indices twice.
 */
public final class ProcedureResume {
  /** The next frame index to send; the source's first {@code nextIndex} pictures are already on the topic. */
  public record Position(long nextIndex) {
    public static final Position START = new Position(0);
  }

  /** Records read back from the end per step when looking for the procedure's last frame. */
  static final int STEP = 2000;

  private ProcedureResume() {}

  private static long index(byte[] header, String procedure, ConsumerRecord<String, byte[]> r) throws IngestException {
    String text = new String(header, StandardCharsets.UTF_8);
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IngestException("cannot find where procedure " + procedure + " stopped: its record at " + r.topic() + "-"
          + r.partition() + "@" + r.offset() + " has " + FrameSerde.H_INDEX + " '" + text + "', not a frame index (not "
          + "written by endowatch ingest?); ingest under another --procedure, or without --resume");
    }
  }

  public static Position find(Properties client, String topic, String procedure) throws IngestException {
    Properties p = new Properties();
    p.putAll(client);
    p.put("enable.auto.commit", "false");
    p.put("max.poll.records", Integer.toString(STEP));
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15));
      int partition = Topics.partitionFor(procedure, partitions.size());
      TopicPartition tp = new TopicPartition(topic, partition);
      consumer.assign(List.of(tp));
      long begin = consumer.beginningOffsets(List.of(tp)).get(tp);
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      for (long to = end; to > begin; to -= STEP) {
        long from = Math.max(begin, to - STEP);
        consumer.seek(tp, from);
        long last = -1;
        long position = from;
        while (position < to) {
          var records = consumer.poll(Duration.ofSeconds(5));
          if (records.isEmpty()) {
            break;
          }
          for (ConsumerRecord<String, byte[]> r : records) {
            if (r.offset() < to && procedure.equals(r.key())) {
              var h = r.headers().lastHeader(FrameSerde.H_INDEX);
              if (h != null) {
                last = Math.max(last, index(h.value(), procedure, r));
              }
            }
            position = r.offset() + 1;
          }
        }
        if (last >= 0) {
          return new Position(last + 1);
        }
      }
      return Position.START;
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new IngestException("cannot find where procedure " + procedure + " stopped on " + topic + ": " + e.getMessage(), e);
    }
  }
}
