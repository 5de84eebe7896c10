package org.endowatch.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Score;
import org.junit.jupiter.api.Test;

class RescoreComparisonTest {
  @Test
  void comparesFrameByFrameAndAlertByAlert() {
    List<Score> live = List.of(
        Score.scored("p", 0, 0, 0, 0.2, 0.5, "v1"),
        Score.scored("p", 1, 0, 0, 0.6, 0.5, "v1"),
        Score.skipped("p", 2, 0, 0, 0.5, "v1", "stale"),
        Score.scored("p", 3, 0, 0, 0.9, 0.5, "v1"));
    List<Score> rescored = List.of(
        Score.scored("p", 0, 0, 0, 0.1, 0.4, "v2"),
        Score.scored("p", 1, 0, 0, 0.3, 0.4, "v2"),
        Score.scored("p", 2, 0, 0, 0.7, 0.4, "v2"),
        Score.scored("p", 3, 0, 0, 0.5, 0.4, "v2"));
    List<AlertEvent> liveAlerts = List.of(
        new AlertEvent(AlertEvent.START, "p/1", "p", 1, 1, 1, 0.6, null, 0, 0, "v1", null),
        new AlertEvent(AlertEvent.END, "p/1", "p", 1, 3, 3, 0.9, null, 0, 0, "v1", AlertEvent.SCORES_FELL));
    List<AlertEvent> newAlerts = List.of(new AlertEvent(AlertEvent.START, "p/2", "p", 2, 2, 2, 0.7, null, 0, 0, "v2", null));

    RescoreComparison c = RescoreComparison.of(live, rescored, liveAlerts, newAlerts);

    // Frame 2 was skipped live, so frames 0, 1, 3 are compared: flags (F,T,T) vs (F,F,T). The new model's
    // flag on frame 2 counts nowhere: live had nothing to compare it with.
    assertThat(c.frames()).isEqualTo(4);
    assertThat(c.scoredByBoth()).isEqualTo(3);
    assertThat(c.anomalousLive()).isEqualTo(2);
    assertThat(c.anomalousNew()).isEqualTo(1);
    assertThat(c.flagsAgree()).isEqualTo(2);
    assertThat(c.meanAbsScoreDifference()).isCloseTo((0.1 + 0.3 + 0.4) / 3, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(c.liveAlerts()).containsExactly("1-3");
    assertThat(c.newAlerts()).containsExactly("2-");
    assertThat(c.liveModel()).isEqualTo("v1");
    assertThat(c.newModel()).isEqualTo("v2");
    assertThat(c.describe()).isEqualTo("frames 4, scored by both 3; of those, anomalous: live (v1) 2, new (v2) 1; flags agree "
        + "on 2 of 3 (66.7 %); mean |score difference| 0.266667" + System.lineSeparator() + "alerts live: [1-3]"
        + System.lineSeparator() + "alerts new:  [2-]");
  }
}
