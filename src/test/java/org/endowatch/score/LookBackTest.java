package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Where a stream thread's consumer starts a partition its group has no offset for (LookBack):
 * Kafka Streams asks offsetsForTimes for the first record of the look-back and seeks to the end
 * where there is none. Here two frames arrive on the empty partition while the look-up runs, as
 * the first frames of a procedure did in ScorerFailoverIT.
 */
class LookBackTest {
  private final TopicPartition empty = new TopicPartition("frames", 0);
  private final TopicPartition used = new TopicPartition("frames", 1);

  /** Partition 0 holds 3 old frames and gets 2 more during the look-up; partition 1's first recent frame is at offset 7. */
  private MockConsumer<byte[], byte[]> consumer() {
    MockConsumer<byte[], byte[]> c = new MockConsumer<>("none") {
      @Override
      public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> query) {
        updateEndOffsets(Map.of(empty, 5L));
        Map<TopicPartition, OffsetAndTimestamp> found = new HashMap<>();
        found.put(empty, null);
        found.put(used, new OffsetAndTimestamp(7, 1_000));
        return found;
      }

      @Override
      public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> query, Duration timeout) {
        return offsetsForTimes(query);
      }
    };
    c.updateEndOffsets(Map.of(empty, 3L, used, 9L));
    return c;
  }

  @Test
  void aPartitionWithNothingRecentStartsAtItsEndAsItWasBeforeTheLookUp() {
    Consumer<byte[], byte[]> c = LookBack.withoutGaps(consumer());

    Map<TopicPartition, OffsetAndTimestamp> start = c.offsetsForTimes(Map.of(empty, 900L, used, 900L));

    // Not 5, where the lazy seek to the end would have started: the two frames from offset 3 on are read.
    assertThat(start.get(empty)).isEqualTo(new OffsetAndTimestamp(3, 900));
    assertThat(start.get(used)).isEqualTo(new OffsetAndTimestamp(7, 1_000));
    assertThat(LookBack.withoutGaps(consumer()).offsetsForTimes(Map.of(empty, 900L), Duration.ofSeconds(1)).get(empty))
        .isEqualTo(new OffsetAndTimestamp(3, 900));
  }

  @Test
  void everythingElseGoesToTheConsumerUnchanged() {
    MockConsumer<byte[], byte[]> mock = consumer();
    Consumer<byte[], byte[]> c = LookBack.withoutGaps(mock);

    c.assign(List.of(empty, used));
    c.seek(used, 8);

    assertThat(mock.assignment()).containsExactlyInAnyOrder(empty, used);
    assertThat(c.position(used)).isEqualTo(8);
    assertThat(c.endOffsets(List.of(empty, used))).isEqualTo(Map.of(empty, 3L, used, 9L));
    c.close();
    assertThat(mock.closed()).isTrue();
  }
}
