package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.errors.StreamsException;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Score;
import org.junit.jupiter.api.Test;

/**
 * A frame whose scoring throws fails the stream thread; the thread that replaces it reads the frame
 * again from the last commit. Here a second driver, sharing the first one's FailedFrames and reading
 * the same offsets from 0, stands for that new thread.
 */
class FailedFramesTest {
  private final FailedFrames failed = new FailedFrames();
  private final List<Long> calls = new ArrayList<>();

  /** Scores a frame's first byte as percent; throws on frame 1 the first {@code failures} times it sees it. */
  private FrameScorer failingOnFrame1(int failures) {
    AtomicInteger left = new AtomicInteger(failures);
    return TestScorers.of("m-1", f -> {
      calls.add(f.frameIndex());
      if (f.frameIndex() == 1 && left.getAndDecrement() > 0) {
        throw new IllegalStateException("frame 1 breaks the model\nsecond line");
      }
      return ScoringTopologyTest.byteScorer().score(f);
    });
  }

  private TopologyFixture thread(ScoringTopology.Settings settings, FrameScorer model) {
    return new TopologyFixture("failed-frames", settings, () -> model, failed);
  }

  @Test
  void aFrameThatBreaksTheModelIsTriedAloneOnceMoreThenDeadLetteredAndTheRestAreScored() {
    FrameScorer model = failingOnFrame1(Integer.MAX_VALUE);
    try (TopologyFixture first = thread(ScoringTopology.Settings.live(0), model)) {
      first.send(0, 10);
      assertThatThrownBy(() -> first.send(1, 20)).isInstanceOf(StreamsException.class)
          .hasRootCauseMessage("frame 1 breaks the model\nsecond line");
    }
    try (TopologyFixture replaced = thread(ScoringTopology.Settings.live(0), model)) {
      replaced.send(0, 10);
      replaced.send(1, 20);
      replaced.send(2, 30);
      assertThat(replaced.scores.readValuesToList()).extracting(Score::frameIndex).containsExactly(0L, 2L);
      assertThat(replaced.dlq.readValuesToList()).extracting(DeadLetter::reason, DeadLetter::sourceOffset)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(
              "scoring failed twice: IllegalStateException: frame 1 breaks the model", 1L));
      assertThat(replaced.metrics.get("endowatch.frames.dead_lettered").counter().count()).isEqualTo(1.0);
    }
    assertThat(calls).containsExactly(0L, 1L, 0L, 1L, 2L);
  }

  @Test
  void aFrameThatFailedOnceIsScoredWhenItWorksTheSecondTime() {
    FrameScorer model = failingOnFrame1(1);
    try (TopologyFixture first = thread(ScoringTopology.Settings.live(0), model)) {
      assertThatThrownBy(() -> first.send(1, 20)).isInstanceOf(StreamsException.class);
    }
    try (TopologyFixture replaced = thread(ScoringTopology.Settings.live(0), model)) {
      replaced.send(1, 20);
      assertThat(replaced.scores.readValuesToList()).extracting(Score::frameIndex, Score::isScored)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, true));
      assertThat(replaced.dlq.isEmpty()).isTrue();
    }
  }

  /** Live, the new thread comes too late for the frame: it is dead-lettered with why, not skipped as stale. */
  @Test
  void aFrameTooOldOnceTheScorerRecoveredIsDeadLetteredWithTheFailure() {
    FrameScorer model = failingOnFrame1(1);
    try (TopologyFixture first = thread(ScoringTopology.Settings.live(100), model)) {
      assertThatThrownBy(() -> first.send(1, 20, 40)).isInstanceOf(StreamsException.class);
    }
    try (TopologyFixture replaced = thread(ScoringTopology.Settings.live(100), model)) {
      replaced.send(1, 20, 340);   // the new thread reaches it 300 ms later
      assertThat(replaced.scores.isEmpty()).isTrue();
      assertThat(replaced.dlq.readValuesToList()).extracting(DeadLetter::reason).containsExactly(
          "scoring failed (IllegalStateException: frame 1 breaks the model) and the frame was older than the 100 ms "
              + "budget once the scorer had recovered");
    }
    assertThat(calls).containsExactly(1L);
  }

  /**
   * With backlogs, a batch that failed was partly committed as waiting (frame 0 here: the store the
   * new thread restores holds it) and partly not (frame 1, read again). Both failed, so both are tried
   * alone, in frame order: frame 1 taken first would look to the alert rule like a recording
   * started again under the same id, and would throw away frame 0's evidence.
   */
  @Test
  void framesOfAFailedBacklogAreTriedAgainInTheirOrder() {
    FrameScorer model = failingOnFrame1(1);
    long now = 10_000;
    ScoringTopology.Settings settings = ScoringTopology.Settings.live(0).withBacklogBatch(2);
    MockTask first = new MockTask(settings, () -> model, now, failed).init();
    first.process(0, 90, now - 40);   // 40 ms old: not keeping up, waits
    assertThatThrownBy(() -> first.process(1, 90, now - 40)).hasMessage("frame 1 breaks the model\nsecond line");

    MockTask replaced = new MockTask(settings, () -> model, now, failed);
    replaced.waiting(first.frame(0));   // restored from the changelog: frame 0 was committed as waiting
    replaced.init();
    replaced.process(1, 90, now - 40);
    replaced.punctuate(now + 10);
    replaced.process(2, 90, now - 40);
    replaced.punctuate(now + 10);

    assertThat(replaced.outcomes(Score.class)).extracting(Score::frameIndex).containsExactly(0L, 1L, 2L);
    // Three of the last five over the threshold: the alert starts at frame 2, with frame 0 as its start.
    assertThat(replaced.outcomes(AlertEvent.class)).extracting(AlertEvent::type, AlertEvent::startFrame, AlertEvent::endFrame)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(AlertEvent.START, 0L, 2L));
    assertThat(calls).containsExactly(0L, 1L, 0L, 1L, 2L);
  }

  /** Waiting frames are decided in their order whichever of them failed before. */
  @Test
  void aWaitingFrameThatFailedBeforeKeepsItsPlaceInTheBacklog() {
    long now = 10_000;
    FrameScorer model = failingOnFrame1(0);
    MockTask feeder = new MockTask(ScoringTopology.Settings.live(0), () -> model, now, failed);
    for (long i = 0; i < 3; i++) {
      feeder.arrived(i, 20, now - 40);
    }
    failed.remember(List.of(feeder.frame(1)), new IllegalStateException("out of memory"));

    MockTask replaced = new MockTask(ScoringTopology.Settings.live(0).withBacklogBatch(4), () -> model, now, failed);
    for (long i = 0; i < 3; i++) {
      replaced.waiting(feeder.frame(i));
    }
    replaced.init();
    replaced.punctuate(now + 10);

    assertThat(replaced.outcomes(Score.class)).extracting(Score::frameIndex).containsExactly(0L, 1L, 2L);
    assertThat(calls).containsExactly(0L, 1L, 2L);
  }

  @Test
  void aBatchThatFailsNamesItsSizeAndOnlyTheNewestFramesAreKept() {
    ScoringTopology.Pending a = pending(7);
    ScoringTopology.Pending b = pending(8);
    failed.remember(List.of(a, b), new IllegalArgumentException((String) null));
    assertThat(failed.reasonFor(a)).isEqualTo("IllegalArgumentException (scoring 2 frames together)");
    assertThat(failed.reasonFor(b)).isEqualTo(failed.reasonFor(a)).as("asked again: still known");
    for (int i = 0; i < FailedFrames.KEPT; i++) {
      failed.remember(List.of(pending(100 + i)), new IllegalStateException("x"));
    }
    assertThat(failed.reasonFor(a)).isNull();
    assertThat(failed.reasonFor(pending(100))).isEqualTo("IllegalStateException: x");
  }

  private static ScoringTopology.Pending pending(long offset) {
    return new ScoringTopology.Pending("proc", new byte[0], List.of(), 0, "frames", 0, offset);
  }
}
