package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.endowatch.contract.AlertEvent;
import org.junit.jupiter.api.Test;

/**
 * The scorer asks for a commit when an alert starts or ends, so read-committed consumers (the
 * consoles) see it without waiting for the commit interval; scores and alert updates do not.
 * TopologyTestDriver commits after every record, so the request is only visible on a mock context.
 */
class AlertCommitTest {
  @Test
  void alertStartAndEndRequestACommitNothingElseDoes() {
    long now = 10_000;
    MockTask task = new MockTask(ScoringTopology.Settings.live(0), ScoringTopologyTest::byteScorer, now, new FailedFrames()).init();

    // 3 of 5 over the threshold raise the alert at frame 4; the rising peak at frame 5 is an update;
    // five quiet frames after it end the alert at frame 10.
    int[] percents = {10, 10, 90, 90, 90, 95, 10, 10, 10, 10, 10, 10, 10};
    List<Long> commitsAt = new ArrayList<>();
    List<String> events = new ArrayList<>();
    for (int i = 0; i < percents.length; i++) {
      task.context.resetCommit();
      task.context.resetForwards();
      task.process(i, percents[i], now - 40);
      if (task.context.committed()) {
        commitsAt.add((long) i);
      }
      for (AlertEvent e : task.outcomes(AlertEvent.class)) {
        events.add(i + ":" + e.type());
      }
    }

    assertThat(events).containsExactly("4:" + AlertEvent.START, "5:" + AlertEvent.UPDATE, "10:" + AlertEvent.END);
    assertThat(commitsAt).containsExactly(4L, 10L);
  }
}
