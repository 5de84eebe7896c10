package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import org.endowatch.contract.AlertEvent;
import org.junit.jupiter.api.Test;

class AlertLinesTest {
  @Test
  void aLineSaysWhenWhereAndWhyAnAlertEnded() {
    long t = 1_795_687_203_120L; // 2026-11-26 10:00:03.120 UTC
    AlertEvent start = new AlertEvent(AlertEvent.START, "room-1/75", "room-1", 75, 77, 76, 0.81234, new AlertEvent.Region(40, 52, 32, 24),
        t - 80, t, "m-3", null);
    AlertEvent fell = new AlertEvent(AlertEvent.END, "room-1/75", "room-1", 75, 90, 76, 0.81234, null, t - 80, t + 520, "m-3",
        AlertEvent.SCORES_FELL);
    AlertEvent stopped = new AlertEvent(AlertEvent.END, "room-1/75", "room-1", 75, 80, 76, 0.81234, null, t - 80, t + 10_000,
        "m-3", AlertEvent.FRAMES_STOPPED);
    AlertEvent recordingEnded = new AlertEvent(AlertEvent.END, "room-1/75", "room-1", 75, 80, 76, 0.81234, null, t - 80,
        t + 150, "m-3", AlertEvent.RECORDING_ENDED);

    assertThat(AlertLines.line(start, ZoneOffset.UTC))
        .isEqualTo("2026-11-26 10:00:03.120 room-1 alert-start frames 75-77 peak 76 score 0.8123 at (40,52 32x24) model m-3");
    assertThat(AlertLines.line(fell, ZoneOffset.UTC))
        .isEqualTo("2026-11-26 10:00:03.640 room-1 alert-end frames 75-90 peak 76 score 0.8123 model m-3");
    assertThat(AlertLines.line(stopped, ZoneOffset.UTC))
        .isEqualTo("2026-11-26 10:00:13.120 room-1 alert-end frames 75-80 peak 76 score 0.8123 model m-3 (frames stopped)");
    assertThat(AlertLines.line(recordingEnded, ZoneOffset.UTC))
        .isEqualTo("2026-11-26 10:00:03.270 room-1 alert-end frames 75-80 peak 76 score 0.8123 model m-3 (recording ended)");
  }
}
