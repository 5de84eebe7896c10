package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The scorer's Kafka Streams settings: its failover timeouts, unless the operator's client properties say otherwise. */
class ScorerConfigTest {
  private static final ScoringTopology.Settings SETTINGS =
      new ScoringTopology.Settings("frames", ScoringTopology.Outputs.LIVE, 0, AlertRule.DEFAULT);

  private static Properties client(String... keyValues) {
    Properties p = new Properties();
    p.put("bootstrap.servers", "127.0.0.1:9092");
    for (int i = 0; i < keyValues.length; i += 2) {
      p.put(keyValues[i], keyValues[i + 1]);
    }
    return p;
  }

  @Test
  void failoverTimeoutsAreShortByDefault() {
    Properties p = ScorerApp.streamsConfig(client(), "scorer", 1, Path.of("state"), SETTINGS, 3);
    StreamsConfig c = new StreamsConfig(p);
    assertThat(c.getMainConsumerConfigs("scorer", "c", 0)).containsEntry("session.timeout.ms", 6000)
        .containsEntry("heartbeat.interval.ms", 1000);
    assertThat(c.getProducerConfigs("p")).containsEntry("transaction.timeout.ms", 5000);
    // The global store of recordings is read at start without the consumer's 500 ms per empty fetch.
    assertThat(c.getGlobalConsumerConfigs("g")).containsEntry("fetch.max.wait.ms", 50);
    assertThat(c.getMainConsumerConfigs("scorer", "c", 0)).doesNotContainKey("fetch.max.wait.ms");
    assertThat(p).containsEntry("replication.factor", 3).containsEntry("topic.min.insync.replicas", "2")
        .containsEntry("processing.guarantee", "exactly_once_v2");
  }

  /**
   * Each stream thread's consumer is a static member with an id of this instance's own, and the
   * member a failed thread leaves behind is named from its thread's name as Kafka Streams names it.
   */
  @Test
  void streamThreadsAreStaticMembersThatAFailedThreadsNameIdentifies() {
    Properties p = ScorerApp.streamsConfig(client(), "scorer", 2, Path.of("state"), SETTINGS, 0);
    String instance = ScorerApp.instanceId(p);
    assertThat(instance).matches("scorer-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    assertThat(new StreamsConfig(p).getMainConsumerConfigs("scorer", "scorer-x-StreamThread-2-consumer", 2))
        .containsEntry("group.instance.id", DeadMembers.memberOf("scorer-x-StreamThread-2", instance))
        .containsEntry("group.instance.id", instance + "-2");
    assertThat(ScorerApp.instanceId(ScorerApp.streamsConfig(client(), "scorer", 2, Path.of("state"), SETTINGS, 0)))
        .as("another instance of the same scorer").isNotEqualTo(instance);

    Properties given = ScorerApp.streamsConfig(client("group.instance.id", "room-scorer-a"), "scorer", 1, Path.of("state"),
        SETTINGS, 0);
    assertThat(ScorerApp.instanceId(given)).isEqualTo("room-scorer-a");
    assertThat(new StreamsConfig(given).getMainConsumerConfigs("scorer", "c", 1)).containsEntry("group.instance.id",
        "room-scorer-a-1");
    for (String key : new String[] {"consumer.group.instance.id", "main.consumer.group.instance.id"}) {
      Properties prefixed = ScorerApp.streamsConfig(client(key, "room-scorer-b"), "scorer", 1, Path.of("state"), SETTINGS, 0);
      assertThat(ScorerApp.instanceId(prefixed)).as(key).isEqualTo("room-scorer-b");
      StreamsConfig c = new StreamsConfig(prefixed);
      assertThat(c.getMainConsumerConfigs("scorer", "c", 1)).as(key).containsEntry("group.instance.id", "room-scorer-b-1");
      assertThat(c.getRestoreConsumerConfigs("r")).as(key).doesNotContainKey("group.instance.id");
    }
  }

  /** A cluster whose group minimum is above 6 s refuses the scorer's session: --kafka-config overrides it. */
  @Test
  void theOperatorsClientPropertiesWin() {
    Properties p = ScorerApp.streamsConfig(client("session.timeout.ms", "10000", "consumer.heartbeat.interval.ms", "3000",
        "transaction.timeout.ms", "8000"), "scorer", 1, Path.of("state"), SETTINGS, 0);
    StreamsConfig c = new StreamsConfig(p);
    assertThat(c.getMainConsumerConfigs("scorer", "c", 0)).containsEntry("session.timeout.ms", "10000")
        .containsEntry("heartbeat.interval.ms", "3000");
    assertThat(c.getProducerConfigs("p")).containsEntry("transaction.timeout.ms", "8000");
    assertThat(p).doesNotContainKey("replication.factor");
  }
}
