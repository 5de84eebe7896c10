package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberAssignment;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.endowatch.contract.ProcedureEvent;
import org.junit.jupiter.api.Test;

/** What {@code status} says of a topic's partitions while brokers come and go, and of the scorers' group. */
class StatusHealthTest {
  private static final Node B1 = new Node(1, "127.0.0.1", 9092);
  private static final Node B2 = new Node(2, "127.0.0.1", 9093);
  private static final Node B3 = new Node(3, "127.0.0.1", 9094);

  private static TopicPartitionInfo partition(int i, Node leader, List<Node> isr) {
    return new TopicPartitionInfo(i, leader, List.of(B1, B2, B3), isr);
  }

  @Test
  void aProcedureNotLiveIsSaidAsIngestLeftItsRecording() {
    long t = 1_795_000_000_000L;
    assertThat(StatusCommand.notLive(null, t)).isEqualTo("last 2026-11-18T11:06:40Z");
    assertThat(StatusCommand.notLive(ProcedureEvent.ended("p", t + 1_000, "s", 9, "stopped"), t))
        .isEqualTo("ended 2026-11-18T11:06:41Z (stopped)");
    assertThat(StatusCommand.notLive(ProcedureEvent.failed("p", t + 1_000, "s", 9, "cannot open rtsp://cam"), t))
        .isEqualTo("INGEST FAILED 2026-11-18T11:06:41Z: cannot open rtsp://cam");
    assertThat(StatusCommand.notLive(ProcedureEvent.started("p", t - 60_000, "s", 0), t))
        .isEqualTo("FRAMES STOPPED 2026-11-18T11:06:40Z (no end of recording: ingest was killed, its host or network lost,"
            + " or the camera froze)");
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
    assertThat(StatusCommand.health(d)).isEqualTo("1 partition x 1 copy");
  }

  private static MemberDescription member(String clientId, String host) {
    return new MemberDescription("m-" + clientId, java.util.Optional.empty(), clientId, host,
        new MemberAssignment(java.util.Set.of()), java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty());
  }

  private static ConsumerGroupDescription group(GroupState state, MemberDescription... members) {
    return new ConsumerGroupDescription("endowatch-scorer", false, List.of(members), "stream", GroupType.CLASSIC, state, B1,
        java.util.Set.of(), java.util.Optional.empty(), java.util.Optional.empty());
  }

  @Test
  void scorerInstancesAreProcessesNotStreamThreads() {
    String p1 = "endowatch-scorer-6f1c2a9e-0d7b-4a51-9a3e-2b8f3c4d5e6f";
    String p2 = "endowatch-scorer-0a9b8c7d-1e2f-4a3b-8c9d-0e1f2a3b4c5d";
    ConsumerGroupDescription g = group(GroupState.STABLE, member(p1 + "-StreamThread-1-consumer", "/10.0.0.5"),
        member(p1 + "-StreamThread-2-consumer", "/10.0.0.5"), member(p2 + "-StreamThread-1-consumer", "/10.0.0.6"));
    assertThat(StatusCommand.instances(g)).isEqualTo("2 instances (10.0.0.5, 10.0.0.6)");
  }

  @Test
  void anEmptyGroupIsNotRunningAndARebalanceIsSaid() {
    assertThat(StatusCommand.instances(group(GroupState.EMPTY))).isEqualTo("NOT RUNNING (no instance in the group)");
    assertThat(StatusCommand.instances(group(GroupState.PREPARING_REBALANCE,
        member("endowatch-scorer-x-StreamThread-1-consumer", "/10.0.0.5"))))
        .isEqualTo("1 instance (10.0.0.5; rebalancing: procedures are moving between instances)");
  }

  /** A release in force that no live procedure's latest outcome came from is said to be so. */
  @Test
  void aReleaseNoLiveProcedureIsScoredByIsSaidToBeSo() {
    long now = 1_000_000;
    var release = new org.endowatch.contract.ModelRelease("m1", "m1-2+cal3", "file:///m1", "ab", 0);
    var byOld = org.endowatch.contract.Score.scored("room-1", 9, now - 1_000, now - 990, 0.1, 0.5, "m1-1+cal1");
    var byOther = org.endowatch.contract.Score.scored("room-2", 9, now - 2_000, now - 1_990, 0.1, 0.5, "demo-micro-7");
    var byIt = org.endowatch.contract.Score.scored("room-3", 9, now - 1_000, now - 990, 0.1, 0.5, "m1-2+cal3");
    var oldByIt = org.endowatch.contract.Score.scored("room-4", 9, now - StatusCommand.LIVE_MS - 1, now - StatusCommand.LIVE_MS,
        0.1, 0.5, "m1-2+cal3");
    // Live as the procedure lines say it: recent, and no word from ingest that the recording is over.
    java.util.function.Predicate<org.endowatch.contract.Score> live = s -> StatusCommand.isLive(s.captureTimestampMs(),
        s.procedureId().equals("room-3") ? ProcedureEvent.ended("room-3", now, "s", 10, "stopped") : null, now);
    assertThat(StatusCommand.servingNote(release, List.of(byOld, byOther, oldByIt), live)).isEqualTo("  (no live procedure is"
        + " scored by it (2 live): no running scorer serves m1, or its scorers refused this release; their logs say why)");
    assertThat(StatusCommand.servingNote(release, List.of(byOld, byIt), s -> true)).isEmpty();
    assertThat(StatusCommand.servingNote(release, List.of(oldByIt), live)).as("none live: nothing to tell").isEmpty();
    // Its one procedure's recording ended: none of those it scored is live any more.
    assertThat(StatusCommand.servingNote(release, List.of(byOld, byIt), live)).isEqualTo("  (no live procedure is"
        + " scored by it (1 live): no running scorer serves m1, or its scorers refused this release; their logs say why)");
  }
}
