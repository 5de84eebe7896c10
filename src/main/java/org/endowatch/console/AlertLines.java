package org.endowatch.console;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.endowatch.contract.AlertEvent;

/** Alert events as one readable line each, for terminals (the JSON form is the record itself). */
public final class AlertLines {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);

  private AlertLines() {}

  /**
   * e.g. {@code 2026-11-26 10:00:03.120 room-1 alert-start frames 75-77 peak 76 score 0.8123 at
   * (40,52 32x24) model m-3}; an end because the frames stopped or the recording ended says so at
   * the end of its line.
   */
  public static String line(AlertEvent a, ZoneId zone) {
    String region = a.region() == null ? "" : String.format(Locale.ROOT, " at (%d,%d %dx%d)", a.region().x(),
        a.region().y(), a.region().width(), a.region().height());
    return String.format(Locale.ROOT, "%s %s %s frames %d-%d peak %d score %.4f%s model %s",
        TIME.format(Instant.ofEpochMilli(a.eventTimestampMs()).atZone(zone)), a.procedureId(), a.type(), a.startFrame(),
        a.endFrame(), a.peakFrame(), a.peakScore(), region, a.modelVersion())
        + (AlertEvent.FRAMES_STOPPED.equals(a.endReason()) ? " (frames stopped)"
            : AlertEvent.RECORDING_ENDED.equals(a.endReason()) ? " (recording ended)" : "");
  }
}
