package org.endowatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.Map;
import org.endowatch.contract.Score;
import org.endowatch.ingest.GroundTruth;
import org.junit.jupiter.api.Test;

class PipelineBenchTest {
  /** Frame i captured at 1000 + 33 i ms. */
  private static Score scored(long i, double score, long latency) {
    long capture = 1000 + 33 * i;
    return Score.scored("p", i, capture, capture + latency, score, 0.5, "v");
  }

  private static Score skipped(long i) {
    long capture = 1000 + 33 * i;
    return Score.skipped("p", i, capture, capture + 120, 0.5, "v", "stale");
  }

  @Test
  void firstAlertSplitsIntoDetectionRuleAndDecision() {
    Map<Long, Score> byIndex = new HashMap<>();
    byIndex.put(10L, scored(10, 0.2, 60));   // onset, under the threshold
    byIndex.put(11L, skipped(11));
    byIndex.put(12L, scored(12, 0.7, 70));   // first over the threshold: 2 frames = 66 ms after onset
    byIndex.put(13L, scored(13, 0.4, 50));
    byIndex.put(14L, scored(14, 0.8, 80));
    byIndex.put(15L, scored(15, 0.9, 90));   // the rule's third frame over: raises the alert
    // The alert start was readable 45 ms after frame 15 was decided (1000 + 33 x 15 + 90 = 1585).
    PipelineBench.FirstAlertParts parts = PipelineBench.firstAlertParts(byIndex, 10, 15, 1630L);
    assertEquals(new PipelineBench.FirstAlertParts(66, 99, 90, 45), parts);
    // The three parts add up to the lesion's time to first alert: trigger decided - onset captured.
    long total = byIndex.get(15L).scoredTimestampMs() - byIndex.get(10L).captureTimestampMs();
    assertEquals(total, parts.detectMs() + parts.ruleMs() + parts.decideMs());
  }

  @Test
  void onsetFrameOverTheThresholdHasNoDetectionDelay() {
    Map<Long, Score> byIndex = new HashMap<>();
    for (long i = 0; i < 3; i++) {
      byIndex.put(i, scored(i, 0.9, 40));
    }
    assertEquals(new PipelineBench.FirstAlertParts(0, 66, 40, Double.NaN), PipelineBench.firstAlertParts(byIndex, 0, 2, null),
        "an alert never seen downstream has no publish time");
  }

  @Test
  void missingFramesGiveNoSplit() {
    Map<Long, Score> byIndex = new HashMap<>();
    byIndex.put(5L, scored(5, 0.9, 40));
    assertNull(PipelineBench.firstAlertParts(byIndex, 4, 5, 0L), "onset frame missing");
    assertNull(PipelineBench.firstAlertParts(byIndex, 5, 6, 0L), "trigger frame missing");
    Map<Long, Score> noneOver = Map.of(4L, scored(4, 0.1, 40), 5L, skipped(5), 6L, scored(6, 0.1, 40));
    assertNull(PipelineBench.firstAlertParts(noneOver, 4, 6, 0L), "no frame over the threshold up to the trigger");
  }

  @Test
  void aLesionCountsItsScoredFramesOverTheThresholdAndItsHighestScore() {
    Map<Long, Score> byIndex = new HashMap<>();
    byIndex.put(19L, scored(19, 0.95, 40));   // before the lesion: not counted
    byIndex.put(20L, scored(20, 0.3, 40));
    byIndex.put(21L, skipped(21));
    byIndex.put(22L, scored(22, 0.6, 40));
    byIndex.put(24L, scored(24, 0.45, 40));   // frame 23 never arrived
    PipelineBench.Lesion missed = PipelineBench.lesion("s", new GroundTruth.Interval(20, 24), byIndex, Double.NaN);
    assertEquals(new PipelineBench.Lesion("s", 20, 24, 3, 1, 0.6, 0.5, false, Double.NaN), missed);
    assertEquals(new PipelineBench.Lesion("s", 20, 24, 3, 1, 0.6, 0.5, true, 125.0),
        PipelineBench.lesion("s", new GroundTruth.Interval(20, 24), byIndex, 125));
    assertEquals(new PipelineBench.Lesion("s", 25, 26, 0, 0, Double.NaN, Double.NaN, false, Double.NaN),
        PipelineBench.lesion("s", new GroundTruth.Interval(25, 26), byIndex, Double.NaN), "no frame scored");
  }

  @Test
  void theNetworksStandInIsReadFromItsOptionAndWrittenBackTheSameWay() {
    org.assertj.core.api.Assertions.assertThat(PipelineBench.StandIn.parse("host-only")).isEqualTo(new PipelineBench.StandIn(0, 0));
    org.assertj.core.api.Assertions.assertThat(PipelineBench.StandIn.parse("host-only").describe()).isEqualTo("host-only");
    org.assertj.core.api.Assertions.assertThat(PipelineBench.StandIn.parse("simulated:15+0.1")).isEqualTo(new PipelineBench.StandIn(15, 0.1));
    org.assertj.core.api.Assertions.assertThat(PipelineBench.StandIn.parse("simulated:15+0.1").describe()).isEqualTo("simulated:15+0.1");
    org.assertj.core.api.Assertions.assertThat(PipelineBench.StandIn.parse("simulated:2.5+0").describe()).isEqualTo("simulated:2.5+0");
    for (String bad : new String[] {"simulated:15", "simulated:-1+0", "simulated:a+b", "gpu"}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> PipelineBench.StandIn.parse(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("--scoring must be model, host-only or "
              + "simulated:PASS_MS+PER_FRAME_MS (e.g. simulated:15+0.1), not '" + bad + "'");
    }
  }
}
