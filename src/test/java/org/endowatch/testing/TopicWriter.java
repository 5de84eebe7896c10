package org.endowatch.testing;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.contract.Frame;

/** Writes records for a test under one key, each acknowledged before the next; frames keep their capture time. */
public final class TopicWriter {
  private TopicWriter() {}

  public static <V> void send(KafkaCluster kafka, String topic, Serializer<V> values, String key, List<V> records)
      throws Exception {
    Properties p = kafka.settings().clientProps();
    p.put("acks", "all");
    try (KafkaProducer<String, V> producer = new KafkaProducer<>(p, new StringSerializer(), values)) {
      for (V v : records) {
        long ts = v instanceof Frame f ? f.captureTimestampMs() : System.currentTimeMillis();
        producer.send(new ProducerRecord<>(topic, null, ts, key, v)).get();
      }
    }
  }
}
