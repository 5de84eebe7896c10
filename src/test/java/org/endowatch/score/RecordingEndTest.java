package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An alert open when ingest says the recording ended ends at its last frame, without the 15 s wait. */
class RecordingEndTest {
  private TopologyFixture fixture;
  private TestInputTopic<String, ProcedureEvent> procedures;

  @BeforeEach
  void start() {
    fixture = new TopologyFixture("recording-end-test", ScoringTopology.Settings.live(200).withRecordings("procedures"),
        ScoringTopologyTest::byteScorer);
    procedures = fixture.driver.createInputTopic("procedures", new StringSerializer(),
        Topics.PROCEDURES.valueSerde().serializer());
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private void say(ProcedureEvent e) {
    procedures.pipeInput("proc", e);
  }

  private double ended(String reason) {
    return fixture.metrics.get("endowatch.alerts.ended").tag("reason", reason).counter().count();
  }

  @Test
  void aWordThatComesAfterTheLastFrameEndsTheAlertAtTheNextPunctuation() {
    for (int i = 0; i < 5; i++) {
      fixture.send(i, 90);
    }
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::type).containsExactly(AlertEvent.START);

    say(ProcedureEvent.ended("proc", 10_005, "file:/p.mp4", 5, ProcedureEvent.SOURCE_ENDED));
    assertThat(fixture.alerts.isEmpty()).isTrue();
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(1));

    assertThat(fixture.alerts.readValuesToList()).containsExactly(new AlertEvent(AlertEvent.END, "proc/0", "proc", 0, 4, 2,
        0.8999999761581421, new AlertEvent.Region(0, 0, 64, 48), 9_960, 10_005, "m-1", AlertEvent.RECORDING_ENDED));
    assertThat(ended(AlertEvent.RECORDING_ENDED)).isEqualTo(1.0);
    // Nothing is left for the wait to end.
    fixture.now.addAndGet(AlertEvent.FRAMES_STOPPED_AFTER_MS);
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.isEmpty()).isTrue();
    assertThat(ended(AlertEvent.FRAMES_STOPPED)).isEqualTo(0.0);
  }

  @Test
  void aWordThatComesFirstEndsTheAlertWithTheLastFramesOutcomeStaleOrScored() {
    for (int i = 0; i < 4; i++) {
      fixture.send(i, 90);
    }
    fixture.alerts.readValuesToList();
    say(ProcedureEvent.ended("proc", 10_050, "file:/p.mp4", 6, ProcedureEvent.STOPPED));
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.isEmpty()).isTrue();

    fixture.send(4, 95);
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::type).containsExactly(AlertEvent.UPDATE);
    // The last frame is skipped as stale: it has its outcome all the same, and the alert ends at
    // the last frame scored, with no wall-clock time passing.
    fixture.send(5, 95, 1_000);
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::type, AlertEvent::endFrame, AlertEvent::peakFrame,
        AlertEvent::eventTimestampMs, AlertEvent::endReason)
        .containsExactly(tuple(AlertEvent.END, 4L, 4L, 10_050L, AlertEvent.RECORDING_ENDED));
  }

  @Test
  void anAlertRaisedByTheLastFramesEndsWithThem() {
    say(ProcedureEvent.ended("proc", 10_100, "file:/p.mp4", 5, ProcedureEvent.FRAME_LIMIT));
    fixture.send(0, 10);
    fixture.send(1, 10);
    fixture.send(2, 90);
    fixture.send(3, 90);
    assertThat(fixture.alerts.isEmpty()).isTrue();
    fixture.send(4, 90);

    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::type, AlertEvent::startFrame, AlertEvent::endFrame,
        AlertEvent::endReason)
        .containsExactly(tuple(AlertEvent.START, 2L, 4L, null), tuple(AlertEvent.END, 2L, 4L, AlertEvent.RECORDING_ENDED));
  }

  /**
   * A scorer that takes the procedure over (a restart, a failover) has the open alert from the store
   * and the word from the global store, not the frames: the alert's last frame stands for the last
   * one dealt with. Here the word names two frames more, which then come to this scorer.
   */
  @Test
  void aScorerThatTookTheProcedureOverEndsTheAlertFromTheRestoredState() {
    long now = 10_000;
    MockTask task = new MockTask(ScoringTopology.Settings.live(0).withRecordings("procedures"),
        ScoringTopologyTest::byteScorer, now, new FailedFrames());
    // Open since frame 3 (captured at 9,000), frames 3-7 scored before the move.
    task.alerts.put("proc", new AlertRule.State(0b11111, 5, true, 3, 9_000, 7, 5, 0.9, null, 0, List.of()));
    task.recordings.put("proc", Topics.PROCEDURES.valueSerde().serializer().serialize("procedures",
        ProcedureEvent.ended("proc", 9_500, "file:/p.mp4", 10, ProcedureEvent.SOURCE_ENDED)));
    task.init();
    task.punctuate(now);
    assertThat(task.context.forwarded()).isEmpty();

    for (int i = 8; i < 10; i++) {
      task.process(i, 90, now - 40);
    }

    assertThat(task.outcomes(AlertEvent.class))
        .extracting(AlertEvent::type, AlertEvent::startFrame, AlertEvent::endFrame, AlertEvent::endReason)
        .containsExactly(tuple(AlertEvent.END, 3L, 9L, AlertEvent.RECORDING_ENDED));
    // An ended alert leaves nothing the next frame needs: the state is deleted.
    assertThat(task.alerts.get("proc")).isNull();
  }

  @Test
  void aFailedRecordingIsLeftToTheWaitAsIngestMayResumeIt() {
    for (int i = 0; i < 5; i++) {
      fixture.send(i, 90);
    }
    fixture.alerts.readValuesToList();
    say(ProcedureEvent.failed("proc", 10_005, "rtsp://cam", 5, "camera link lost after 3 reconnects"));
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.isEmpty()).isTrue();

    fixture.now.addAndGet(AlertEvent.FRAMES_STOPPED_AFTER_MS);
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::endReason).containsExactly(AlertEvent.FRAMES_STOPPED);
    assertThat(ended(AlertEvent.RECORDING_ENDED)).isEqualTo(0.0);
    assertThat(fixture.driver.<String, AlertRule.State>getKeyValueStore(ScoringTopology.ALERT_STORE).get("proc")).isNull();
  }

  @Test
  void aWordOnAnEarlierRecordingUnderTheSameIdOrAStartDoesNotEndTheAlert() {
    // Said before the frames of this recording were captured (9,960 on the frames' clock).
    say(ProcedureEvent.ended("proc", 2_000, "file:/earlier.mp4", 3, ProcedureEvent.SOURCE_ENDED));
    for (int i = 0; i < 5; i++) {
      fixture.send(i, 90);
    }
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::type).containsExactly(AlertEvent.START);

    say(ProcedureEvent.started("proc", 10_001, "file:/p.mp4", 0));
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.isEmpty()).isTrue();
  }

  @Test
  void aRecordThatIsNoProcedureEventOrATombstoneLeavesTheAlertToTheWait() {
    TestInputTopic<String, byte[]> raw = fixture.driver.createInputTopic("procedures", new StringSerializer(),
        new ByteArraySerializer());
    for (int i = 0; i < 5; i++) {
      fixture.send(i, 90);
    }
    fixture.alerts.readValuesToList();
    raw.pipeInput("proc", "{\"procedureId\":\"proc\",\"type\":\"paused\"}".getBytes(StandardCharsets.UTF_8));
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.isEmpty()).isTrue();

    say(ProcedureEvent.ended("proc", 10_005, "file:/p.mp4", 99, ProcedureEvent.SOURCE_ENDED));
    raw.pipeInput("proc", (byte[]) null);
    fixture.send(99, 95);
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::type).containsExactly(AlertEvent.UPDATE);

    fixture.now.addAndGet(AlertEvent.FRAMES_STOPPED_AFTER_MS);
    fixture.driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(fixture.alerts.readValuesToList()).extracting(AlertEvent::endReason).containsExactly(AlertEvent.FRAMES_STOPPED);
  }
}
