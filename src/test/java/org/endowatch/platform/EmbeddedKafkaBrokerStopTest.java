package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/**
 * A node's controlled shutdown is bounded by reaching the broker inside Kafka's combined server,
 * which Kafka keeps private: a Kafka upgrade that renames it must fail here, not turn a stopped
 * cluster's last node back into a five-minute wait.
 */
class EmbeddedKafkaBrokerStopTest {
  @Test
  void theBrokerOfKafkasCombinedServerIsFound() {
    Field broker = EmbeddedKafkaBroker.brokerHalfField();

    assertThat(broker).isNotNull();
    assertThat(broker.getName()).isEqualTo("broker");
    assertThat(broker.getType()).isEqualTo(scala.Option.class);
    assertThat(broker.getDeclaringClass()).isEqualTo(kafka.server.KafkaRaftServer.class);
    assertThat(broker.getGenericType().getTypeName()).isEqualTo("scala.Option<kafka.server.BrokerServer>");
  }
}
