package org.endowatch.ingest;

import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a recorded source at its own pace, as the camera did: the picture at media time t is
 * released t after the first one. A pacer that falls behind (slow decoding) does not sleep until
 * it has caught up, and never drops pictures to catch up.
 *
 * <p>A media clock that steps back, or leaps more than {@link #MAX_GAP_MICROS} ahead, between two
 * pictures is a discontinuity, not time the camera spent: recorders' segment files joined end to
 * end restart their timestamps, an MPEG-TS clock wraps, a procedure resumed after a crash has the
 * minutes of the crash between two frames. Pacing starts again from that picture, as from the
 * first: measured against the old origin, a step back released every picture at once until the
 * media caught up again (the rest of a joined recording unpaced, a burst the scorer sheds), and a
 * leap ahead waited out the leap with nothing sent.
 */
public final class Pacer {
  private static final Logger LOG = LoggerFactory.getLogger(Pacer.class);

  /** The longest wait between two pictures that is still paced (a link that dropped for a while and came back). */
  static final long MAX_GAP_MICROS = 60_000_000L;

  private final LongSupplier nanoClock;
  private final LongConsumer sleepNanos;
  private long originWall = Long.MIN_VALUE;
  private long originMedia;
  private long lastMedia;

  public Pacer(LongSupplier nanoClock, LongConsumer sleepNanos) {
    this.nanoClock = nanoClock;
    this.sleepNanos = sleepNanos;
  }

  /** The system clock and Thread.sleep. */
  public static Pacer system() {
    return new Pacer(System::nanoTime, n -> {
      try {
        Thread.sleep(n / 1_000_000, (int) (n % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** Waits until the picture at {@code mediaMicros} is due. */
  public void await(long mediaMicros) {
    long now = nanoClock.getAsLong();
    boolean first = originWall == Long.MIN_VALUE;
    long step = mediaMicros - lastMedia;
    lastMedia = mediaMicros;
    if (first || step < 0 || step > MAX_GAP_MICROS) {
      if (!first) {
        LOG.info("media time jumps {} s between two pictures: a discontinuity, pacing starts again from this picture",
            String.format(java.util.Locale.ROOT, "%+.3f", step / 1e6));
      }
      originWall = now;
      originMedia = mediaMicros;
      return;
    }
    long due = originWall + (mediaMicros - originMedia) * 1000;
    if (due > now) {
      sleepNanos.accept(due - now);
    }
  }
}
