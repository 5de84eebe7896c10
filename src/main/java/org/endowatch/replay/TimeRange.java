package org.endowatch.replay;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A part of a recorded procedure, bounded by times that are either absolute (an ISO-8601 instant
 * or epoch milliseconds) or offsets from the procedure's first frame ({@code 90s}, {@code 2m},
 * {@code 1m30s}, {@code PT2M}). A missing bound is open.
 */
public record TimeRange(Point from, Point to) {
  public static final TimeRange ALL = new TimeRange(null, null);

  /** One bound: {@code relative} = milliseconds after the first frame, else epoch milliseconds. */
  public record Point(boolean relative, long ms) {
    long resolve(long firstCaptureMs) {
      return relative ? firstCaptureMs + ms : ms;
    }

    /** As a person reads it: {@code 1m30s after the first frame}, or the instant. */
    @Override
    public String toString() {
      if (!relative) {
        return Instant.ofEpochMilli(ms).toString();
      }
      String d = Duration.ofMillis(ms).toString().substring(2).toLowerCase(Locale.ROOT);
      return d + " after the first frame";
    }
  }

  /** A range whose bounds are of one kind and out of order holds nothing: said, not searched for. */
  public TimeRange {
    if (from != null && to != null && from.relative() == to.relative() && from.ms() > to.ms()) {
      throw new IllegalArgumentException("the range ends before it starts (from " + from + ", to " + to + ")");
    }
  }

  private static final Pattern OFFSET = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+(?:\\.\\d+)?)s)?(?:(\\d+)ms)?");

  /** Whether capture time {@code captureMs} lies in the range, for a procedure starting at {@code firstCaptureMs}. */
  public boolean contains(long captureMs, long firstCaptureMs) {
    return (from == null || captureMs >= from.resolve(firstCaptureMs)) && (to == null || captureMs <= to.resolve(firstCaptureMs));
  }

  /** An absolute lower bound to seek to, or 0 when the start is open or relative. */
  public long seekFromMs() {
    return from != null && !from.relative() ? from.ms() : 0;
  }

  /** Parses one bound; null or blank is open. */
  public static Point parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    String t = text.trim();
    if (t.matches("\\d{10,}")) {
      return new Point(false, Long.parseLong(t));
    }
    if (t.toUpperCase(Locale.ROOT).startsWith("PT")) {
      try {
        return new Point(true, Duration.parse(t).toMillis());
      } catch (DateTimeParseException e) {
        throw bad(t);
      }
    }
    Matcher m = OFFSET.matcher(t);
    if (!t.isEmpty() && m.matches() && (m.group(1) != null || m.group(2) != null || m.group(3) != null || m.group(4) != null)) {
      long ms = 0;
      ms += m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 3_600_000;
      ms += m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 60_000;
      ms += m.group(3) == null ? 0 : Math.round(Double.parseDouble(m.group(3)) * 1000);
      ms += m.group(4) == null ? 0 : Long.parseLong(m.group(4));
      return new Point(true, ms);
    }
    try {
      return new Point(false, Instant.parse(t).toEpochMilli());
    } catch (DateTimeParseException e) {
      throw bad(t);
    }
  }

  private static IllegalArgumentException bad(String t) {
    return new IllegalArgumentException("cannot read time '" + t
        + "': use an offset from the procedure's start (90s, 2m, 1m30s, PT2M), an ISO-8601 instant or epoch milliseconds");
  }
}
