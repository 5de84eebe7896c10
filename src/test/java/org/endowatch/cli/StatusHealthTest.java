package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;

/** What {@code status} says of a topic's partitions while brokers come and go. */
class StatusHealthTest {
  private static final Node B1 = new Node(1, "127.0.0.1", 9092);
  private static final Node B2 = new Node(2, "127.0.0.1", 9093);
  private static final Node B3 = new Node(3, "127.0.0.1", 9094);

  private static TopicPartitionInfo partition(int i, Node leader, List<Node> isr) {
    return new TopicPartitionInfo(i, leader, List.of(B1, B2, B3), isr);
  }

  @Test
  void allCopiesInSyncIsJustTheShape() {
    TopicDescription d = new TopicDescription("frames", false,
        List.of(partition(0, B1, List.of(B1, B2, B3)), partition(1, B2, List.of(B2, B3, B1))));
    assertThat(StatusCommand.health(d)).isEqualTo("2 partitions x 3 copies");
  }

  @Test
  void aBrokerDownShowsAsCopiesOutOfSyncAndNoLeaderAsOffline() {
    TopicDescription d = new TopicDescription("frames", false, List.of(
        partition(0, B1, List.of(B1, B3)),
        partition(1, null, List.of(B2)),
        partition(2, B3, List.of(B3, B1, B2))));
    assertThat(StatusCommand.health(d)).isEqualTo("3 partitions x 3 copies, 1 OFFLINE (no leader: nothing reads or writes "
        + "them until a broker holding a copy returns), 1 with copies out of sync (a broker down or behind)");
  }

  @Test
  void oneCopyIsSingular() {
    TopicDescription d = new TopicDescription("models", false,
        List.of(new TopicPartitionInfo(0, B1, List.of(B1), List.of(B1))));
    assertThat(StatusCommand.health(d)).isEqualTo("1 partitions x 1 copy");
  }
}
