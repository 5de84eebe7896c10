package org.endowatch.ingest;

import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Delivers a recorded source at its own pace, as the camera did: the picture at media time t is
 * released t after the first one. A pacer that falls behind (slow decoding) does not sleep until
 * it has caught up, and never drops pictures to catch up.
 */
public final class Pacer {
  private final LongSupplier nanoClock;
  private final LongConsumer sleepNanos;
  private long originWall = Long.MIN_VALUE;
  private long originMedia;

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
    if (originWall == Long.MIN_VALUE) {
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
