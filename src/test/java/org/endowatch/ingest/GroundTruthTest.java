package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.util.List;
import org.endowatch.contract.AlertEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroundTruthTest {
  @Test
  void intervalsAreTheMaximalRunsOfAnomalousFrames() {
    boolean[] flags = {false, true, true, false, false, true, false, true};

    assertThat(GroundTruth.intervals(flags)).containsExactly(
        new GroundTruth.Interval(1, 2), new GroundTruth.Interval(5, 5), new GroundTruth.Interval(7, 7));
    assertThat(GroundTruth.intervals(new boolean[3])).isEmpty();
  }

  @Test
  void anAlertBelongsToTheLesionItsFramesOverlap() {
    GroundTruth t = new GroundTruth("v.mp4", 30, 100, 384, 256, 7,
        List.of(new GroundTruth.Interval(10, 19), new GroundTruth.Interval(40, 49)));
    GroundTruth.Interval first = new GroundTruth.Interval(10, 19);

    assertThat(t.overlapping(12, 14)).isEqualTo(first);                 // inside
    assertThat(t.overlapping(8, 10)).isEqualTo(first);                  // starts in the fade-in, raised on the first frame
    assertThat(t.overlapping(19, 23)).isEqualTo(first);                 // last frame
    assertThat(t.overlapping(7, 9)).isNull();                           // raised before the lesion counts as in view
    assertThat(t.overlapping(20, 39)).isNull();                         // between the lesions
    assertThat(t.overlapping(38, 41)).isEqualTo(new GroundTruth.Interval(40, 49));
  }

  @Test
  void alertsMatchTheirLesionsFirstComeFirst() {
    GroundTruth t = new GroundTruth("v.mp4", 30, 100, 384, 256, 7,
        List.of(new GroundTruth.Interval(10, 19), new GroundTruth.Interval(40, 49)));
    AlertEvent early = start(8, 10);      // fading in: starts before the lesion, raised on its first frame
    AlertEvent again = start(15, 17);     // a second alert on the same lesion
    AlertEvent stray = start(25, 27);     // between the lesions
    AlertEvent before = start(36, 38);    // raised before the second lesion counts as in view

    GroundTruth.AlertMatch m = t.match(List.of(early, again, stray, before));

    assertThat(m.firstAlert()).containsExactly(entry(new GroundTruth.Interval(10, 19), early));
    assertThat(m.falseAlerts()).isEqualTo(2);
  }

  private static AlertEvent start(long from, long raised) {
    return new AlertEvent(AlertEvent.START, "p/" + from, "p", from, raised, raised, 0.9, null, 0, 0, "m", null);
  }

  @Test
  void roundTripsThroughJson(@TempDir Path dir) throws Exception {
    GroundTruth t = new GroundTruth("v.mp4", 25, 100, 384, 256, 7, List.of(new GroundTruth.Interval(10, 19)));
    Path file = dir.resolve("v.mp4.truth.json");

    t.write(file);

    GroundTruth back = GroundTruth.read(file);
    assertThat(back).isEqualTo(t);
    assertThat(back.anomalousFrames()).isEqualTo(10);
    assertThat(back.anomalous(9)).isFalse();
    assertThat(back.anomalous(10)).isTrue();
    assertThat(back.anomalous(19)).isTrue();
    assertThat(back.anomalous(20)).isFalse();
    assertThat(GroundTruth.pathFor(dir.resolve("v.mp4"))).isEqualTo(file);
    // Read as an annotation, the written file gives what rescore needs: the frame rate, the length, the lesions.
    GroundTruth annotation = GroundTruth.readAnnotation(file);
    assertThat(annotation.fps()).isEqualTo(25.0);
    assertThat(annotation.frames()).isEqualTo(100);
    assertThat(annotation.anomalyIntervals()).containsExactly(new GroundTruth.Interval(10, 19));
  }
}
