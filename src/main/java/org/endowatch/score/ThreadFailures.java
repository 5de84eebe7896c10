package org.endowatch.score;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Whether a failed stream thread is replaced or the scorer stops: replaced, unless this is the
 * {@link #MAX_RECENT}th failure within {@link #WINDOW_MS}. A transient failure (the broker aborted a
 * transaction during an outage) passes with one new thread; one that comes back at once (a record
 * that breaks the processor every time it is read again) would replace threads for ever.
 */
final class ThreadFailures {
  static final long WINDOW_MS = 60_000;
  static final int MAX_RECENT = 3;
  private final LongSupplier clock;
  private final ArrayDeque<Long> times = new ArrayDeque<>();

  ThreadFailures(LongSupplier clock) {
    this.clock = clock;
  }

  /** Counts a failure now; true when its thread should be replaced. */
  synchronized boolean replace() {
    long now = clock.getAsLong();
    times.addLast(now);
    while (now - times.peekFirst() >= WINDOW_MS) {
      times.removeFirst();
    }
    return times.size() < MAX_RECENT;
  }

  /** Failures within the window, this one included. */
  synchronized int recent() {
    return times.size();
  }
}
