package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.endowatch.console.SourceHealth.State;
import org.endowatch.console.SourceHealth.Status;
import org.junit.jupiter.api.Test;

class SourceHealthTest {
  static final Map<String, Integer> SIX = Map.of("frames", 6, "scores", 6, "heatmaps", 6, "alerts", 6);

  @Test
  void loadsThenIsUpToDate() {
    AtomicLong now = new AtomicLong(1_000);
    SourceHealth h = new SourceHealth(now::get);
    assertThat(h.state().status()).isEqualTo(Status.LOADING);
    now.addAndGet(100);
    assertThat(h.contact(SIX, Set.of())).as("the first contact sets the mark").isTrue();
    h.progress(1_234);
    assertThat(h.state()).isEqualTo(new State(Status.LOADING, 0, "reading the topics' history", List.of(), 1_234));
    assertThat(h.staleSince("room-1", 0)).as("history loading is not an outage").isEqualTo(SourceHealth.CURRENT);
    now.addAndGet(2_000);
    assertThat(h.contact(SIX, Set.of())).isFalse();
    h.progress(0);
    assertThat(h.state()).isEqualTo(State.UP_TO_DATE);
  }

  @Test
  void silenceIsAnOutageFromTheLastContactUntilCaughtUpAfterIt() {
    AtomicLong now = new AtomicLong(10_000);
    SourceHealth h = upToDate(now);
    long last = now.get();
    now.addAndGet(SourceHealth.UNREACHABLE_AFTER_MS);
    assertThat(h.state().status()).as("three probes' silence is not yet an outage").isEqualTo(Status.OK);
    now.addAndGet(1);
    assertThat(h.state()).isEqualTo(new State(Status.UNREACHABLE, last, "no answer from the Kafka brokers", List.of(), 0));
    assertThat(h.staleSince("room-1", 3)).isEqualTo(last);

    now.addAndGet(30_000);
    assertThat(h.contact(SIX, Set.of())).as("back: a new mark to catch up to").isTrue();
    h.progress(500);
    assertThat(h.state()).isEqualTo(new State(Status.CATCHING_UP, last, "reading what the topics took in meanwhile", List.of(), 500));
    assertThat(h.staleSince("room-1", 3)).as("what is shown is still from then").isEqualTo(last);
    h.progress(0);
    assertThat(h.state()).isEqualTo(State.UP_TO_DATE);
    assertThat(h.staleSince("room-1", 3)).isEqualTo(SourceHealth.CURRENT);
  }

  @Test
  void anOfflinePartitionHoldsOnlyTheProceduresOnIt() {
    AtomicLong now = new AtomicLong(10_000);
    SourceHealth h = upToDate(now);
    now.addAndGet(2_000);
    // Where the producers put a procedure's scores: Kafka's own placement of a key.
    int scoresOfRoom1 = BuiltInPartitioner.partitionForKey("room-1".getBytes(StandardCharsets.UTF_8), 6);
    h.contact(SIX, Set.of(new TopicPartition("frames", 2), new TopicPartition("scores", scoresOfRoom1)));
    long found = now.get();
    now.addAndGet(2_000);
    h.contact(SIX, Set.of(new TopicPartition("frames", 2), new TopicPartition("scores", scoresOfRoom1)));

    State s = h.state();
    assertThat(s.status()).isEqualTo(Status.PARTITIONS_OFFLINE);
    assertThat(s.sinceMs()).as("since the first probe that found them").isEqualTo(found);
    assertThat(s.offline()).containsExactly("frames-2", "scores-" + scoresOfRoom1);
    assertThat(h.staleSince("room-9", 2)).as("frames on the offline partition").isEqualTo(found);
    assertThat(h.staleSince("room-1", 0)).as("its scores' partition is offline").isEqualTo(found);
    String elsewhere = "room-2";
    int scoresOfRoom2 = BuiltInPartitioner.partitionForKey(elsewhere.getBytes(StandardCharsets.UTF_8), 6);
    assertThat(scoresOfRoom2).isNotEqualTo(scoresOfRoom1);
    assertThat(h.staleSince(elsewhere, 0)).isEqualTo(SourceHealth.CURRENT);

    now.addAndGet(2_000);
    h.contact(SIX, Set.of());
    assertThat(h.state()).isEqualTo(State.UP_TO_DATE);
    assertThat(h.staleSince("room-9", 2)).isEqualTo(SourceHealth.CURRENT);
  }

  @Test
  void aFailingReadIsSaidUntilReadsGoThroughForAWhile() {
    AtomicLong now = new AtomicLong(10_000);
    SourceHealth h = upToDate(now);
    long last = now.get();
    now.addAndGet(500);
    h.error("TopicAuthorizationException: Not authorized to access topics: [alerts]");
    assertThat(h.state()).isEqualTo(new State(Status.FEED_ERROR, last,
        "TopicAuthorizationException: Not authorized to access topics: [alerts]", List.of(), 0));
    assertThat(h.staleSince("room-1", 0)).isEqualTo(last);
    // Polls between the failing fetches go through: the error stands until none came for a while.
    now.addAndGet(1_000);
    h.read();
    assertThat(h.state().status()).isEqualTo(Status.FEED_ERROR);
    for (int probe = 0; probe < 2; probe++) {
      now.addAndGet(SourceHealth.PROBE_EVERY_MS);
      h.contact(SIX, Set.of());
      h.read();
      assertThat(h.state().status()).isEqualTo(Status.FEED_ERROR);
    }
    now.addAndGet(SourceHealth.PROBE_EVERY_MS);
    h.contact(SIX, Set.of());
    h.read();
    assertThat(h.state()).as("6 s after the last failure").isEqualTo(State.UP_TO_DATE);
  }

  @Test
  void probeFindsLeaderlessPartitionsAndNamesTopicsTheBrokersLack() {
    AtomicLong now = new AtomicLong(10_000);
    SourceHealth h = upToDate(now);
    MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    Node broker = new Node(1, "localhost", 9092);
    consumer.updatePartitions("frames", List.of(new PartitionInfo("frames", 0, broker, new Node[] {broker}, new Node[] {broker}),
        new PartitionInfo("frames", 1, null, new Node[] {broker}, new Node[0])));
    consumer.updatePartitions("scores", List.of(new PartitionInfo("scores", 0, broker, new Node[] {broker}, new Node[] {broker})));

    now.addAndGet(SourceHealth.PROBE_EVERY_MS);
    SourceHealth.Answer all = h.probe(consumer, List.of("frames", "scores"), Duration.ofSeconds(1));
    assertThat(all).isEqualTo(new SourceHealth.Answer(Set.of(new TopicPartition("frames", 0), new TopicPartition("frames", 1),
        new TopicPartition("scores", 0)), Set.of(new TopicPartition("frames", 1)), List.of(), false));
    assertThat(h.state().offline()).containsExactly("frames-1");

    SourceHealth.Answer one = h.probe(consumer, List.of("frames", "scores", "alerts"), Duration.ofSeconds(1));
    assertThat(one.missing()).containsExactly("alerts");
    assertThat(one.missingError()).isEqualTo("topic alerts does not exist (endowatch topics apply creates it)");
    assertThat(one.partitions()).as("not reported: what is read of the rest is not known to be complete").isEmpty();
    SourceHealth.Answer two = h.probe(consumer, List.of("heatmaps", "frames", "alerts"), Duration.ofSeconds(1));
    assertThat(two.missing()).containsExactly("alerts", "heatmaps");
    assertThat(two.missingError()).isEqualTo("topics alerts, heatmaps do not exist (endowatch topics apply creates them)");
  }

  static SourceHealth upToDate(AtomicLong now) {
    SourceHealth h = new SourceHealth(now::get);
    h.contact(SIX, Set.of());
    h.progress(0);
    return h;
  }
}
