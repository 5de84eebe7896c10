package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.endowatch.contract.AlertEvent;
import org.junit.jupiter.api.Test;

class AlertRuleTest {
  private static List<AlertEvent> run(AlertRule rule, double... scores) {
    AlertRule.State s = AlertRule.State.empty();
    List<AlertEvent> events = new ArrayList<>();
    for (int i = 0; i < scores.length; i++) {
      AlertRule.Step step = rule.apply(s, "p", i, 1000L + 40 * i, scores[i], 0.5, null, "m");
      s = step.state();
      events.addAll(step.events());
    }
    return events;
  }

  @Test
  void threeOfFiveRaiseAndFiveBelowClear() {
    List<AlertEvent> events = run(AlertRule.DEFAULT, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1);

    assertThat(events).containsExactly(
        new AlertEvent(AlertEvent.START, "p/2", "p", 2, 4, 4, 0.9, null, 1080, 1160, "m", null),
        new AlertEvent(AlertEvent.END, "p/2", "p", 2, 10, 4, 0.9, null, 1080, 1400, "m", AlertEvent.SCORES_FELL));
  }

  @Test
  void anAlertWhoseFramesStopEndsAtItsLastFrameAndAClosedOneStaysAsItIs() {
    AlertRule.State s = AlertRule.State.empty();
    double[] scores = {0.9, 0.9, 0.9, 0.95, 0.7};
    for (int i = 0; i < scores.length; i++) {
      s = AlertRule.DEFAULT.apply(s, "p", i, 1000L + 40 * i, scores[i], 0.5, null, "m").state();
    }

    AlertRule.Step ended = AlertRule.DEFAULT.stopped(s, "p", 99_000, "m-2", AlertEvent.FRAMES_STOPPED);
    assertThat(ended.events()).containsExactly(
        new AlertEvent(AlertEvent.END, "p/0", "p", 0, 4, 3, 0.95, null, 1000, 99_000, "m-2", AlertEvent.FRAMES_STOPPED));
    assertThat(ended.state()).isEqualTo(AlertRule.State.empty());
    AlertRule.Step again = AlertRule.DEFAULT.stopped(ended.state(), "p", 99_500, "m-2", AlertEvent.FRAMES_STOPPED);
    assertThat(again.events()).isEmpty();
    assertThat(again.state()).isEqualTo(AlertRule.State.empty());
  }

  @Test
  void aStateHoldsSomethingToKeepWhileAnOverFrameIsInTheWindowOrAnAlertIsOpen() {
    assertThat(AlertRule.State.empty().nothingToKeep()).isTrue();
    AlertRule.State s = AlertRule.DEFAULT.apply(AlertRule.State.empty(), "p", 0, 1000, 0.9, 0.5, null, "m").state();
    assertThat(s.nothingToKeep()).isFalse();
    for (int i = 1; i < 5; i++) {
      s = AlertRule.DEFAULT.apply(s, "p", i, 1000L + 40 * i, 0.1, 0.5, null, "m").state();
      assertThat(s.nothingToKeep()).as("frame %d", i).isFalse();
    }
    s = AlertRule.DEFAULT.apply(s, "p", 5, 1200, 0.1, 0.5, null, "m").state();
    assertThat(s.nothingToKeep()).isTrue();
    assertThat(s.recentCount()).isEqualTo(6);
    // Judged as if there were no state: the next frames give what an empty state gives.
    AlertRule.State fresh = AlertRule.State.empty();
    for (int i = 6; i < 9; i++) {
      AlertRule.Step kept = AlertRule.DEFAULT.apply(s, "p", i, 1000L + 40 * i, 0.9, 0.5, null, "m");
      AlertRule.Step none = AlertRule.DEFAULT.apply(fresh, "p", i, 1000L + 40 * i, 0.9, 0.5, null, "m");
      assertThat(kept.events()).isEqualTo(none.events());
      s = kept.state();
      fresh = none.state();
    }
    assertThat(s.active()).isTrue();
    assertThat(s.nothingToKeep()).isFalse();
    // An open alert is kept even with no over frame left in its window.
    AlertRule.State open = new AlertRule.State(0, 63, true, 3, 1000, 9, 5, 0.9, null, 4, List.of());
    assertThat(open.nothingToKeep()).isFalse();
  }

  @Test
  void aProcedureIdUsedAgainFromFrameZeroStartsFromAnEmptyWindow() {
    AlertRule rule = AlertRule.DEFAULT;
    // The first recording ends with two frames over the threshold in the window, no alert.
    AlertRule.State s = AlertRule.State.empty();
    double[] first = {0.1, 0.1, 0.1, 0.9, 0.9};
    for (int i = 0; i < first.length; i++) {
      s = rule.apply(s, "room-1", 100 + i, 1000L + 40 * i, first[i], 0.5, null, "m").state();
    }
    // A new recording under the same id: one frame over the threshold is one, not three, of five.
    AlertRule.Step step = rule.apply(s, "room-1", 0, 90_000, 0.9, 0.5, null, "m");
    assertThat(step.events()).isEmpty();
    assertThat(step.state().overFrames()).extracting(f -> f[0]).containsExactly(0L);

    // With an alert open on the old recording, the new one's first frame ends it there.
    s = AlertRule.State.empty();
    for (int i = 0; i < 3; i++) {
      s = rule.apply(s, "room-1", 100 + i, 1000L + 40 * i, 0.9, 0.5, null, "m").state();
    }
    step = rule.apply(s, "room-1", 0, 90_000, 0.1, 0.5, null, "m");
    assertThat(step.events()).containsExactly(
        new AlertEvent(AlertEvent.END, "room-1/100", "room-1", 100, 102, 102, 0.9, null, 1000, 90_000, "m", AlertEvent.FRAMES_STOPPED));
    assertThat(step.state().active()).isFalse();
    assertThat(step.state().recentCount()).isEqualTo(1);
  }

  @Test
  void aRuleTypedAsKOfNKeepsTheDefaultEnding() {
    assertThat(AlertRule.parse("3/5")).isEqualTo(AlertRule.DEFAULT);
    assertThat(AlertRule.parse(" 2 / 3 ")).isEqualTo(new AlertRule(2, 3, 5, 0.95));
    // 2 of 3 raises on the second frame over the threshold where 3 of 5 waits for the third.
    assertThat(run(AlertRule.parse("2/3"), 0.1, 0.9, 0.9, 0.9).get(0).endFrame()).isEqualTo(2);
    assertThat(run(AlertRule.DEFAULT, 0.1, 0.9, 0.9, 0.9).get(0).endFrame()).isEqualTo(3);
    for (String bad : new String[] {"5/3", "0/1", "3/64", "3", "3/5/7", "a/b", "", "-1/2"}) {
      assertThatThrownBy(() -> AlertRule.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("alert rule must be K/N with 1 <= K <= N <= 63 (K of the last N scored frames over the threshold "
              + "raise an alert, e.g. 3/5), got '" + bad + "'");
    }
  }

  @Test
  void isolatedSpikesNeverRaise() {
    assertThat(run(AlertRule.DEFAULT, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.9, 0.1)).isEmpty();
  }

  @Test
  void aNewPeakUpdatesAndScoresBetweenClearLevelAndThresholdKeepItOpen() {
    // clear level = 0.95 * 0.5 = 0.475: 0.48 is under the threshold but not under the clear level.
    List<AlertEvent> events = run(AlertRule.DEFAULT, 0.6, 0.6, 0.6, 0.8, 0.48, 0.48, 0.48, 0.48, 0.48, 0.48);
    assertThat(events).extracting(AlertEvent::type).containsExactly(AlertEvent.START, AlertEvent.UPDATE);
    assertThat(events.get(1).peakFrame()).isEqualTo(3);
    assertThat(events.get(1).peakScore()).isEqualTo(0.8);
  }

  @Test
  void theAlertCanRaiseAgainAfterItEnds() {
    List<AlertEvent> events = run(new AlertRule(2, 3, 2, 1.0), 0.9, 0.9, 0.1, 0.1, 0.9, 0.9);
    assertThat(events).extracting(AlertEvent::type, AlertEvent::startFrame)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(AlertEvent.START, 0L),
            org.assertj.core.groups.Tuple.tuple(AlertEvent.END, 0L),
            org.assertj.core.groups.Tuple.tuple(AlertEvent.START, 4L));
  }

  @Test
  void afterAnEndTheWindowStartsEmpty() {
    // k=2 of n=5, cleared by 1 frame under the clear level: the two over-threshold frames before the
    // end must not count towards the next alert.
    List<AlertEvent> events = run(new AlertRule(2, 5, 1, 1.0), 0.9, 0.9, 0.1, 0.9, 0.1, 0.9);
    assertThat(events).extracting(AlertEvent::type, AlertEvent::startFrame).containsExactly(
        org.assertj.core.groups.Tuple.tuple(AlertEvent.START, 0L),
        org.assertj.core.groups.Tuple.tuple(AlertEvent.END, 0L),
        org.assertj.core.groups.Tuple.tuple(AlertEvent.START, 3L));
  }

  @Test
  void invalidRulesAreRefused() {
    assertThatThrownBy(() -> new AlertRule(4, 3, 1, 0.9)).hasMessageStartingWith("alert rule needs 1 <= k <= n <= 63");
  }
}
