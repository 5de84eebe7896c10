package org.endowatch.score;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a live scorer starts reading a partition its group has no offset for, without passing over
 * the frames that arrive while it looks.
 *
 * <p>Such a partition is read from {@link ScoringTopology#FRESH_START_LOOKBACK} back
 * (ScoringTopology#startWithoutOffsets): a new deployment's first start, and, at every rebalance,
 * each partition no frame has come through yet (Kafka Streams commits offsets only for partitions
 * it has read something from). Kafka Streams asks for the first record that recent
 * (offsetsForTimes) and, where there is none (the partition is empty, or holds only older frames),
 * seeks to the partition's end. That seek is lazy: the consumer looks the end up at its next
 * poll, and frames written in between were passed over, with no outcome at all. This happened to
 * the first two frames of a procedure that started while the scorers' group formed, in one of 18
 * ScorerFailoverIT runs on a loaded machine (docs/OPERATIONS.md, "Scaling out": a new scorer group
 * starts a minute back).
 *
 * <p>The stream threads' consumers here read the end before they look for the first recent record,
 * and answer with that end where they found none: every record before it is older than the
 * look-back (the look-up, made after, found none newer) and every record from it on is read.
 * Everything else goes to the consumer unchanged; the other clients are Kafka Streams' own.
 */
final class LookBack implements KafkaClientSupplier {
  private static final Logger LOG = LoggerFactory.getLogger(LookBack.class);

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return Admin.create(config);
  }

  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
    return withoutGaps(new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
  }

  @Override
  public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** {@code consumer}, whose offsetsForTimes answers a partition with nothing that recent with its end as it was before the look-up. */
  @SuppressWarnings("unchecked")
  static Consumer<byte[], byte[]> withoutGaps(Consumer<byte[], byte[]> consumer) {
    InvocationHandler handler = (proxy, method, args) -> {
      try {
        return method.getName().equals("offsetsForTimes") ? offsetsForTimes(consumer, method, args) : method.invoke(consumer, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return (Consumer<byte[], byte[]>) Proxy.newProxyInstance(Consumer.class.getClassLoader(), new Class<?>[] {Consumer.class},
        handler);
  }

  @SuppressWarnings("unchecked")
  private static Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Consumer<byte[], byte[]> consumer, Method method,
      Object[] args) throws ReflectiveOperationException {
    Map<TopicPartition, Long> query = (Map<TopicPartition, Long>) args[0];
    Collection<TopicPartition> partitions = query.keySet();
    Map<TopicPartition, Long> ends = args.length > 1 ? consumer.endOffsets(partitions, (Duration) args[1])
        : consumer.endOffsets(partitions);
    Map<TopicPartition, OffsetAndTimestamp> found = new HashMap<>((Map<TopicPartition, OffsetAndTimestamp>) method.invoke(consumer, args));
    query.forEach((partition, timestamp) -> {
      if (found.get(partition) != null) {
        LOG.debug("{} has no offset of this scorer group: reading it from offset {}, its first record of the last {} s",
            partition, found.get(partition).offset(), ScoringTopology.FRESH_START_LOOKBACK.toSeconds());
      } else if (ends.get(partition) != null) {
        found.put(partition, new OffsetAndTimestamp(ends.get(partition), timestamp));
        LOG.debug("{} has no offset of this scorer group and nothing from the last {} s: reading it from offset {}, its end",
            partition, ScoringTopology.FRESH_START_LOOKBACK.toSeconds(), ends.get(partition));
      }
    });
    return found;
  }
}
