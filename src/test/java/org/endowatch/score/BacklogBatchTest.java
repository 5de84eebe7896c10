package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The topology with a backlog batch of 3: reached frames wait in the pending store and are scored
 * together when 3 have gathered or when the first has waited 5 ms (the wall-clock punctuation,
 * driven here by advancing the driver's wall clock).
 */
class BacklogBatchTest {
  private TopologyFixture fixture;
  private FrameScorer recording;
  /** The frame indexes of every scoreAll call, in order. */
  private final List<List<Long>> calls = new ArrayList<>();

  @BeforeEach
  void start() {
    recording = new FrameScorer() {
      private final FrameScorer inner = ScoringTopologyTest.byteScorer();

      @Override
      public Scored score(Frame f) {
        return inner.score(f);
      }

      @Override
      public List<Outcome> scoreAll(List<Frame> batch) {
        calls.add(batch.stream().map(Frame::frameIndex).toList());
        return FrameScorer.super.scoreAll(batch);
      }

      @Override
      public String modelVersion() {
        return inner.modelVersion();
      }

      @Override
      public double imageThreshold() {
        return inner.imageThreshold();
      }

      @Override
      public float patchThreshold() {
        return inner.patchThreshold();
      }
    };
    fixture = new TopologyFixture("backlog-test", ScoringTopology.Settings.live(200).withBacklogBatch(3), () -> recording);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private void send(long index, int scorePercent) {
    fixture.send(index, scorePercent);
  }

  private void send(long index, int scorePercent, long ageMs) {
    fixture.send(index, scorePercent, ageMs);
  }

  private KeyValueStore<String, ScoringTopology.Pending> pending() {
    return fixture.driver.getKeyValueStore(ScoringTopology.PENDING_STORE);
  }

  /** Both stores live in memory (with changelogs): no RocksDB flush at every exactly-once commit. */
  @Test
  void theStoresAreInMemoryAndChangelogged() {
    KeyValueStore<String, AlertRule.State> alerts = fixture.driver.getKeyValueStore(ScoringTopology.ALERT_STORE);
    assertThat(pending().persistent()).isFalse();
    assertThat(alerts.persistent()).isFalse();
    assertThat(fixture.driver.producedTopicNames()).isEmpty();
    // Over the threshold, so the frame leaves alert state (a normal one leaves none).
    send(0, 90);
    fixture.driver.advanceWallClockTime(Duration.ofMillis(5));
    assertThat(fixture.driver.producedTopicNames()).contains("backlog-test-" + ScoringTopology.PENDING_STORE + "-changelog",
        "backlog-test-" + ScoringTopology.ALERT_STORE + "-changelog");
  }

  @Test
  void framesWaitUntilTheRoundEndsThenAreScoredTogetherInOrder() {
    send(0, 10);
    send(1, 20);
    assertThat(fixture.scores.isEmpty()).isTrue();
    assertThat(pending().approximateNumEntries()).isEqualTo(2);

    fixture.driver.advanceWallClockTime(Duration.ofMillis(4));
    assertThat(calls).isEmpty();
    fixture.driver.advanceWallClockTime(Duration.ofMillis(1));
    assertThat(calls).containsExactly(List.of(0L, 1L));
    assertThat(fixture.scores.readValuesToList()).extracting(Score::frameIndex, Score::score)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, 0.10000000149011612),
            org.assertj.core.groups.Tuple.tuple(1L, 0.20000000298023224));
    assertThat(pending().approximateNumEntries()).isZero();
  }

  @Test
  void aFrameThatFindsTheScorerKeepingUpIsScoredAtOnceAndAlone() {
    send(0, 10, 3);   // reached 3 ms after capture, nothing waiting: no company is coming
    assertThat(calls).containsExactly(List.of(0L));
    assertThat(fixture.scores.readValuesToList()).extracting(Score::frameIndex).containsExactly(0L);
    assertThat(pending().approximateNumEntries()).isZero();

    send(1, 10, 9);   // still under 10 ms
    assertThat(calls).containsExactly(List.of(0L), List.of(1L));
    send(2, 10, 10);  // 10 ms old: the scorer may be behind, so it waits for company
    assertThat(calls).hasSize(2);
    assertThat(pending().approximateNumEntries()).isEqualTo(1);
  }

  @Test
  void aFreshFrameBehindAWaitingOneJoinsItsBatch() {
    send(0, 10);      // 40 ms old: waits for company
    send(1, 10, 3);   // fresh, but a frame is waiting: scored with it, in order
    assertThat(calls).isEmpty();
    fixture.driver.advanceWallClockTime(Duration.ofMillis(5));
    assertThat(calls).containsExactly(List.of(0L, 1L));
  }

  @Test
  void aFullBatchIsScoredWithoutWaitingForTheRoundToEnd() {
    send(0, 10);
    send(1, 10);
    send(2, 10);
    send(3, 10);
    assertThat(calls).containsExactly(List.of(0L, 1L, 2L));
    assertThat(fixture.scores.readValuesToList()).extracting(Score::frameIndex).containsExactly(0L, 1L, 2L);

    fixture.driver.advanceWallClockTime(Duration.ofMillis(5));
    assertThat(calls).containsExactly(List.of(0L, 1L, 2L), List.of(3L));
    assertThat(fixture.scores.readValuesToList()).extracting(Score::frameIndex).containsExactly(3L);
  }

  @Test
  void anUnscorableFrameInABatchIsDeadLetteredWithItsOffsetAndTheOthersAreScored() {
    send(0, 10);
    send(1, 0); // the test scorer calls a first byte of 0 undecodable
    send(2, 30);

    List<DeadLetter> letters = fixture.dlq.readValuesToList();
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).reason()).isEqualTo("undecodable image: test says so");
    assertThat(letters.get(0).sourceOffset()).isEqualTo(1L);
    assertThat(letters.get(0).sourceTopic()).isEqualTo("frames");
    assertThat(fixture.scores.readValuesToList()).extracting(Score::frameIndex).containsExactly(0L, 2L);
  }

  @Test
  void aFrameThatWentStaleWhileWaitingIsSkippedNotScored() {
    send(0, 10);                 // reached 40 ms after capture: fresh, waits
    fixture.now.addAndGet(300);          // its batch is scored 340 ms after capture, over the 200 ms budget
    fixture.driver.advanceWallClockTime(Duration.ofMillis(5));

    assertThat(calls).isEmpty();
    Score s = fixture.scores.readValue();
    assertThat(s.outcome()).isEqualTo(Score.SKIPPED);
    assertThat(s.skipReason()).isEqualTo("stale");
    assertThat(s.frameIndex()).isZero();
  }

  /**
   * Kafka Streams calls init() again on the same processor when it revives a task (its stores wiped
   * and restored from their changelogs): the count of waiting frames starts again from what the
   * store holds, so a backlog is scored when it reaches the batch size, not a frame sooner.
   */
  @Test
  void aRevivedTaskCountsOnlyTheFramesItsStoreHolds() {
    long now = 10_000;
    MockTask task = new MockTask(ScoringTopology.Settings.live(0).withBacklogBatch(3), () -> recording, now, new FailedFrames())
        .init();
    task.process(0, 10, now - 40);   // 40 ms old: not keeping up, waits
    task.init();                     // revived; frame 0's put was committed: the store holds it
    task.process(1, 10, now - 40);

    assertThat(calls).as("two frames wait, a batch is three").isEmpty();
    task.process(2, 10, now - 40);
    assertThat(calls).containsExactly(List.of(0L, 1L, 2L));
  }
}
