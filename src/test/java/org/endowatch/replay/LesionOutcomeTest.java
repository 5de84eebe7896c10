package org.endowatch.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.endowatch.contract.AlertEvent;
import org.endowatch.ingest.GroundTruth;
import org.junit.jupiter.api.Test;

class LesionOutcomeTest {
  private static AlertEvent start(String id, long first, long raised) {
    return new AlertEvent(AlertEvent.START, id, "p", first, raised, raised, 0.6, null, 0, 0, "v", null);
  }

  private static AlertEvent end(String id, long first, long last) {
    return new AlertEvent(AlertEvent.END, id, "p", first, last, last, 0.6, null, 0, 0, "v", AlertEvent.SCORES_FELL);
  }

  private static final GroundTruth THREE = new GroundTruth("p.mp4", 25, 3000, 0, 0, 0,
      List.of(new GroundTruth.Interval(100, 150), new GroundTruth.Interval(1000, 1060), new GroundTruth.Interval(2000, 2050)));

  @Test
  void eachLesionItsFirstAlertAndTheAlertsOnNoLesion() {
    List<AlertEvent> alerts = List.of(
        // Given out of order, as a topic's partitions may: matched in the order they were raised.
        start("p/3", 998, 1000), end("p/3", 998, 1070),
        start("p/1", 103, 105), end("p/1", 103, 160),
        start("p/2", 400, 402), end("p/2", 400, 410),          // no lesion there: false
        start("p/4", 1065, 1067),                               // after the second lesion: false, still open
        start("p/5", 140, 142));                                // the first lesion's second alert: not its own
    LesionOutcome o = LesionOutcome.of(THREE, alerts, 3000);

    assertThat(o.lesions()).isEqualTo(3);
    assertThat(o.alerted()).isEqualTo(2);
    // Lesion 1: raised at 105, onset 100; lesion 2: raised at 1000, its first frame.
    assertThat(o.framesToAlert()).containsExactly(5L, 0L);
    assertThat(o.falseAlerts()).isEqualTo(2);
    assertThat(o.seconds()).isEqualTo(120.0);
    // Lower median of (0, 5): 0 frames. 2 false alerts over 2 minutes.
    assertThat(o.describe()).isEqualTo("2 of 3 lesions alerted, a median 0 frames (0 ms) after onset; "
        + "2 false alerts in 2.0 min (1.00 per minute)");
  }

  @Test
  void aShortProcedureSaysSecondsAndOneOfEachIsSingular() {
    GroundTruth one = new GroundTruth("q.mp4", 30, 0, 0, 0, 0, List.of(new GroundTruth.Interval(10, 40)));
    LesionOutcome o = LesionOutcome.of(one, List.of(start("q/1", 9, 11), start("q/2", 50, 52)), 900);
    assertThat(o.describe()).isEqualTo("1 of 1 lesion alerted, a median 1 frame (33 ms) after onset; 1 false alert in 30.0 s");
    // Nothing alerted, no lesions at all: the false alerts are all there is to say.
    assertThat(LesionOutcome.of(new GroundTruth("n.mp4", 25, 0, 0, 0, 0, List.of()), List.of(), 250).describe())
        .isEqualTo("0 of 0 lesions alerted; 0 false alerts in 10.0 s");
    // Raised before the lesion's first frame: not the lesion's, whatever comes after.
    assertThat(LesionOutcome.of(one, List.of(start("q/1", 7, 8)), 900).describe())
        .isEqualTo("0 of 1 lesion alerted; 1 false alert in 30.0 s");
  }

  @Test
  void severalProceduresAddUp() {
    LesionOutcome a = LesionOutcome.of(THREE, List.of(start("p/1", 103, 105), start("p/2", 400, 402)), 3000);   // 1 of 3, 5 frames
    GroundTruth two = new GroundTruth("r.mp4", 25, 1500, 0, 0, 0,
        List.of(new GroundTruth.Interval(10, 40), new GroundTruth.Interval(500, 600)));
    LesionOutcome b = LesionOutcome.of(two, List.of(start("r/1", 12, 14), start("r/2", 505, 509)), 1500);        // 2 of 2: 4, 9
    LesionOutcome all = LesionOutcome.sum(List.of(a, b));
    assertThat(all.lesions()).isEqualTo(5);
    assertThat(all.alerted()).isEqualTo(3);
    assertThat(all.framesToAlert()).containsExactly(5L, 4L, 9L);
    // 3000 + 1500 frames at 25 fps: 3 minutes; median of (4, 5, 9) = 5 frames = 200 ms.
    assertThat(all.describe()).isEqualTo("3 of 5 lesions alerted, a median 5 frames (200 ms) after onset; "
        + "1 false alert in 3.0 min (0.33 per minute)");
    // At another frame rate a median in frames has no one duration: frames alone.
    GroundTruth thirty = new GroundTruth("s.mp4", 30, 0, 0, 0, 0, List.of(new GroundTruth.Interval(10, 40)));
    LesionOutcome c = LesionOutcome.of(thirty, List.of(start("s/1", 10, 12)), 1800);
    assertThat(LesionOutcome.sum(List.of(a, c)).describe()).isEqualTo("2 of 4 lesions alerted, a median 2 frames after "
        + "onset; 1 false alert in 3.0 min (0.33 per minute)");
  }
}
