package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.Score;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The production topology under TopologyTestDriver, with a scorer whose scores the test dictates. */
class ScoringTopologyTest {
  /** Score = first image byte / 100; all 4 patches get the score; a first byte of 0 is "undecodable". */
  static FrameScorer byteScorer() {
    return TestScorers.of("m-1", f -> {
      if (f.image()[0] == 0) {
        throw new FrameScorer.UnscorableFrameException("undecodable image: test says so");
      }
      float s = f.image()[0] / 100f;
      return new FrameScorer.Scored(s, new float[] {s, 0.1f, 0.1f, s}, 2);
    });
  }

  private TopologyFixture fixture;

  @BeforeEach
  void start() {
    fixture = new TopologyFixture("scorer-test", ScoringTopology.Settings.live(200), ScoringTopologyTest::byteScorer);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private void send(long index, int scorePercent) {
    fixture.send(index, scorePercent);
  }

  @Test
  void normalFramesGetOneScoreAndOneHeatmapEach() {
    send(0, 10);
    send(1, 20);

    assertThat(fixture.scores.readValuesToList()).containsExactly(
        new Score("proc", 0, 9_960, 10_000, Score.SCORED, 0.10000000149011612, 0.5, false, "m-1", 40, null),
        new Score("proc", 1, 9_960, 10_000, Score.SCORED, 0.20000000298023224, 0.5, false, "m-1", 40, null));
    List<Heatmap> maps = fixture.heatmaps.readValuesToList();
    assertThat(maps).hasSize(2);
    assertThat(maps.get(0).values()).containsExactly(0.1f, 0.1f, 0.1f, 0.1f);
    assertThat(maps.get(0).frameWidth()).isEqualTo(64);
    assertThat(fixture.alerts.isEmpty()).isTrue();
    assertThat(fixture.dlq.isEmpty()).isTrue();
  }

  @Test
  void anAnomalousStretchRaisesAndEndsOneAlert() {
    int[] percents = {10, 10, 90, 90, 90, 90, 10, 10, 10, 10, 10, 10};
    for (int i = 0; i < percents.length; i++) {
      send(i, percents[i]);
    }

    List<AlertEvent> events = fixture.alerts.readValuesToList();
    assertThat(events).extracting(AlertEvent::type, AlertEvent::startFrame, AlertEvent::endFrame, AlertEvent::peakFrame)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(AlertEvent.START, 2L, 4L, 4L),
            org.assertj.core.groups.Tuple.tuple(AlertEvent.END, 2L, 10L, 4L));
    // Patches 0 and 3 (top-left, bottom-right of a 2x2 grid) are over 0.5: the box is the whole 64x48 frame.
    assertThat(events.get(0).region()).isEqualTo(new AlertEvent.Region(0, 0, 64, 48));
    assertThat(fixture.scores.readValuesToList()).hasSize(12);
    assertThat(fixture.dlq.isEmpty()).isTrue();
  }

  @Test
  void aCorruptRecordIsDeadLetteredAndTheStreamContinues() {
    RecordHeaders h = new RecordHeaders();
    h.add("procedure", "proc".getBytes(StandardCharsets.UTF_8));
    fixture.raw.pipeInput(new TestRecord<>("proc", new byte[] {1, 2, 3}, h, 5L));
    send(1, 10);

    List<DeadLetter> letters = fixture.dlq.readValuesToList();
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).reason()).isEqualTo("frame is missing header 'frame.index'");
    assertThat(letters.get(0).sourceTopic()).isEqualTo("frames");
    assertThat(letters.get(0).sourceOffset()).isEqualTo(0);
    assertThat(letters.get(0).original()).containsExactly(1, 2, 3);
    assertThat(letters.get(0).originalHeaders()).hasSize(1);
    assertThat(fixture.scores.readValuesToList()).extracting(Score::frameIndex).containsExactly(1L);
  }

  @Test
  void anUnscorableFrameAndAKeyMismatchAreDeadLettered() {
    send(0, 0);
    Frame f = new Frame("other", 1, fixture.now.get(), 64, 48, Frame.JPEG, "test", new byte[] {10});
    fixture.frames.pipeInput(new TestRecord<>("proc", f, null, 1L));

    assertThat(fixture.dlq.readValuesToList()).extracting(DeadLetter::reason).containsExactly(
        "undecodable image: test says so", "record key 'proc' differs from procedure header 'other'");
    assertThat(fixture.scores.isEmpty()).isTrue();
  }

  @Test
  void aStaleFrameIsSkippedWithItsReason() {
    Frame old = new Frame("proc", 7, fixture.now.get() - 1_000, 64, 48, Frame.JPEG, "test", new byte[] {90});
    fixture.frames.pipeInput(new TestRecord<>("proc", old, null, old.captureTimestampMs()));

    assertThat(fixture.scores.readValuesToList()).containsExactly(
        new Score("proc", 7, 9_000, 10_000, Score.SKIPPED, null, 0.5, false, "m-1", 1_000, "stale"));
    assertThat(fixture.heatmaps.isEmpty()).isTrue();
    assertThat(fixture.alerts.isEmpty()).isTrue();
  }

  @Test
  void framesCapturedAheadOfTheScorersClockAreCountedAndStillScored() {
    Frame ahead = new Frame("proc", 3, fixture.now.get() + 5_000, 64, 48, Frame.JPEG, "test", new byte[] {10});
    Frame slightly = new Frame("proc", 4, fixture.now.get() + 900, 64, 48, Frame.JPEG, "test", new byte[] {10});
    fixture.frames.pipeInput(new TestRecord<>("proc", ahead, null, ahead.captureTimestampMs()));
    fixture.frames.pipeInput(new TestRecord<>("proc", slightly, null, slightly.captureTimestampMs()));

    assertThat(fixture.scores.readValuesToList()).extracting(Score::frameIndex, Score::isScored)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(3L, true), org.assertj.core.groups.Tuple.tuple(4L, true));
    // Only the one beyond the tolerance: within a second is the clocks' ordinary disagreement.
    assertThat(fixture.metrics.get("endowatch.frames.captured_ahead").counter().count()).isEqualTo(1.0);
  }

  @Test
  void anAlertWhoseFramesStopIsEndedAfterTheWaitAndTheNextNeedsFreshEvidence() {
    for (int i = 0; i < 5; i++) {
      send(i, 90);
    }
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::type).containsExactly(AlertEvent.START);

    fixture.now.addAndGet(AlertEvent.FRAMES_STOPPED_AFTER_MS - 1);
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.isEmpty()).isTrue();

    fixture.now.addAndGet(1);
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.readValuesToList()).containsExactly(new AlertEvent(AlertEvent.END, "proc/0", "proc", 0, 4, 2,
        0.8999999761581421, new AlertEvent.Region(0, 0, 64, 48), 9_960, 25_000, "m-1", AlertEvent.FRAMES_STOPPED));
    assertThat(fixture.metrics.get("endowatch.alerts.ended").tag("reason", AlertEvent.FRAMES_STOPPED).counter().count())
        .isEqualTo(1.0);
    assertThat(fixture.metrics.get("endowatch.alerts.ended").tag("reason", AlertEvent.SCORES_FELL).counter().count())
        .isEqualTo(0.0);

    // The procedure comes back: two frames over the threshold are not yet three of five.
    send(5, 90);
    send(6, 90);
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.isEmpty()).isTrue();
    send(7, 90);
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::type, AlertEvent::startFrame)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(AlertEvent.START, 5L));
  }

  @Test
  void framesThatArriveStaleKeepAnOpenAlertOpen() {
    for (int i = 0; i < 3; i++) {
      send(i, 90);
    }
    fixture.alerts.readValuesToList();
    // The scorer is overloaded: frames keep coming but are skipped; the stream is alive, the alert stays.
    for (int i = 3; i < 8; i++) {
      fixture.now.addAndGet(AlertEvent.FRAMES_STOPPED_AFTER_MS / 2);
      fixture.send(i, 10, 1_000);
      fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    }
    assertThat(fixture.scores.readValuesToList()).extracting(Score::outcome).containsExactly(Score.SCORED, Score.SCORED,
        Score.SCORED, Score.SKIPPED, Score.SKIPPED, Score.SKIPPED, Score.SKIPPED, Score.SKIPPED);
    assertThat(fixture.alerts.isEmpty()).isTrue();

    fixture.now.addAndGet(AlertEvent.FRAMES_STOPPED_AFTER_MS);
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::endReason, AlertEvent::endFrame)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(AlertEvent.FRAMES_STOPPED, 2L));
  }

  @Test
  void aScorerForSomeProceduresGivesTheOthersNoOutcome() {
    fixture.close();
    fixture = new TopologyFixture("scorer-test", ScoringTopology.Settings.live(200).withProcedures("demo-ab12-"),
        ScoringTopologyTest::byteScorer);
    long now = fixture.now.get();
    for (int i = 0; i < 3; i++) {
      for (String id : List.of("room-2", "demo-cd34-1-1", "demo-ab12-1-1")) {
        Frame f = new Frame(id, i, now - 40, 64, 48, Frame.JPEG, "test", new byte[] {90});
        fixture.frames.pipeInput(new TestRecord<>(id, f, null, now));
      }
    }
    // Broken records of theirs, keyed or not: not dead-lettered by this scorer either.
    fixture.raw.pipeInput(new TestRecord<>("room-2", new byte[] {1, 2, 3}, null, now));
    fixture.raw.pipeInput(new TestRecord<>((String) null, new byte[] {1, 2, 3}, null, now));

    assertThat(fixture.scores.readValuesToList()).extracting(Score::procedureId, Score::frameIndex).containsExactly(
        org.assertj.core.groups.Tuple.tuple("demo-ab12-1-1", 0L), org.assertj.core.groups.Tuple.tuple("demo-ab12-1-1", 1L),
        org.assertj.core.groups.Tuple.tuple("demo-ab12-1-1", 2L));
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::procedureId, AlertEvent::type)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("demo-ab12-1-1", AlertEvent.START));
    assertThat(fixture.dlq.isEmpty()).isTrue();
    assertThat(fixture.metrics.get("endowatch.frames.scored").counter().count()).isEqualTo(3.0);
  }

  /** The alert-state changelog's records, key and whether each is a tombstone (null value). */
  private List<String> alertStateChangelog() {
    return fixture.driver.createOutputTopic("scorer-test-" + ScoringTopology.ALERT_STORE + "-changelog",
        new StringDeserializer(), new ByteArrayDeserializer()).readRecordsToList().stream()
        .map(r -> r.key() + (r.value() == null ? " deleted" : " stored")).toList();
  }

  @Test
  void aProcedureOfNormalFramesKeepsNoAlertStateAndWritesNoneToTheChangelog() {
    for (int i = 0; i < 6; i++) {
      send(i, 10);
    }
    assertThat(fixture.scores.readValuesToList()).hasSize(6);
    assertThat(fixture.driver.<String, AlertRule.State>getKeyValueStore(ScoringTopology.ALERT_STORE).get("proc")).isNull();
    assertThat(alertStateChangelog()).isEmpty();
  }

  @Test
  void alertStateIsDeletedOnceTheWindowHoldsNoEvidence() {
    var store = fixture.driver.<String, AlertRule.State>getKeyValueStore(ScoringTopology.ALERT_STORE);
    send(0, 90);
    assertThat(store.get("proc").overFrames()).extracting(f -> f[0]).containsExactly(0L);
    // The default rule's window is 5 frames: frame 0 leaves it at frame 5, the state with it.
    for (int i = 1; i < 5; i++) {
      send(i, 10);
    }
    assertThat(store.get("proc")).isNotNull();
    send(5, 10);
    assertThat(store.get("proc")).isNull();
    send(6, 10);
    assertThat(alertStateChangelog()).containsExactly("proc stored", "proc stored", "proc stored", "proc stored",
        "proc stored", "proc deleted");
  }

  /**
   * A procedure that stopped with an over-threshold frame in its window and no alert open keeps no
   * state past the sweep; nor does a state an earlier release left with nothing in it.
   */
  @Test
  void aStateLeftByAProcedureThatStoppedIsSweptAway() {
    // No budget, as a re-scoring: its frames were captured an hour ago, yet they are not idle.
    try (TopologyFixture rescoring = new TopologyFixture("sweep-test", ScoringTopology.Settings.live(0),
        ScoringTopologyTest::byteScorer)) {
      var store = rescoring.driver.<String, AlertRule.State>getKeyValueStore(ScoringTopology.ALERT_STORE);
      rescoring.now.addAndGet(3_600_000);
      rescoring.send(0, 90, 3_600_000);
      rescoring.send(1, 10, 3_599_960);
      store.put("earlier-release", new AlertRule.State(0, 41, false, -1, 0, -1, -1, AlertRule.NO_PEAK, null, 3, List.of()));
      rescoring.now.addAndGet(ScoringTopology.IDLE_STATE_SWEEP.toMillis() - 1_000);
      rescoring.driver.advanceWallClockTime(ScoringTopology.IDLE_STATE_SWEEP);
      assertThat(store.get("proc")).as("written less than the sweep's period ago").isNotNull();
      assertThat(store.get("earlier-release")).as("never written by this scorer").isNull();

      rescoring.now.addAndGet(1_000);
      rescoring.driver.advanceWallClockTime(ScoringTopology.IDLE_STATE_SWEEP);
      assertThat(store.get("proc")).isNull();
      assertThat(rescoring.alerts.isEmpty()).isTrue();
    }
  }

  @Test
  void anEndedAlertLeavesNoState() {
    int[] percents = {90, 90, 90, 10, 10, 10, 10, 10};
    for (int i = 0; i < percents.length; i++) {
      send(i, percents[i]);
    }
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::type).containsExactly(AlertEvent.START, AlertEvent.END);
    assertThat(fixture.driver.<String, AlertRule.State>getKeyValueStore(ScoringTopology.ALERT_STORE).get("proc")).isNull();
    List<String> changelog = alertStateChangelog();
    assertThat(changelog.get(changelog.size() - 1)).isEqualTo("proc deleted");
  }

  @Test
  void alertStateLivesInTheStore() {
    for (int i = 0; i < 4; i++) {
      send(i, 90);
    }
    AlertRule.State s = fixture.driver.<String, AlertRule.State>getKeyValueStore(ScoringTopology.ALERT_STORE).get("proc");
    assertThat(s.active()).isTrue();
    assertThat(s.startFrame()).isEqualTo(0);
    assertThat(Arrays.stream(new long[] {s.lastFrame()})).containsExactly(3L);
  }
}
