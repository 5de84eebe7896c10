package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacerTest {
  /** A clock that only moves when the pacer sleeps, or when the test says time passed. */
  static final class FakeClock {
    long now = 1_000_000_000L;
    final List<Long> sleeps = new ArrayList<>();

    Pacer pacer() {
      return new Pacer(() -> now, n -> {
        sleeps.add(n);
        now += n;
      });
    }
  }

  @Test
  void releasesEachPictureAtItsMediaTimeAfterTheFirst() {
    FakeClock clock = new FakeClock();
    Pacer pacer = clock.pacer();

    pacer.await(500_000);          // first picture: released at once, defines the origin
    pacer.await(540_000);          // 40 ms later in the media
    clock.now += 10_000_000;       // preparing and sending took 10 ms
    pacer.await(580_000);          // due 80 ms after the origin; 50 ms have passed so far

    assertThat(clock.sleeps).containsExactly(40_000_000L, 30_000_000L);
  }

  @Test
  void aPacerBehindScheduleDoesNotSleepAndDropsNothing() {
    FakeClock clock = new FakeClock();
    Pacer pacer = clock.pacer();

    pacer.await(0);
    clock.now += 200_000_000;      // decoding stalled for 200 ms
    pacer.await(40_000);
    pacer.await(80_000);
    pacer.await(240_000);          // due at 240 ms, now is 200 ms

    assertThat(clock.sleeps).containsExactly(40_000_000L);
  }

  /**
   * Two recorder segments joined end to end: the second's timestamps start again from zero. It is
   * paced from its own first picture on, as the first segment was (each picture 40 ms after the one
   * before), not released all at once until its media time passes the first segment's.
   */
  @Test
  void aMediaClockThatStepsBackIsPacedFromThatPictureOn() {
    FakeClock clock = new FakeClock();
    Pacer pacer = clock.pacer();

    pacer.await(3_600_000_000L);
    pacer.await(3_600_040_000L);
    pacer.await(0);                // the next segment's first picture: at once
    pacer.await(40_000);
    pacer.await(80_000);

    assertThat(clock.sleeps).containsExactly(40_000_000L, 40_000_000L, 40_000_000L);
  }

  /**
   * A gap up to a minute (a link that dropped and came back) is waited out as the camera did; a
   * longer leap (a wrapped or reset clock, a crash before a resume) is not: the picture after it is
   * released at once and pacing goes on from there.
   */
  @Test
  void aGapUpToAMinuteIsKeptAndALongerLeapIsNot() {
    FakeClock clock = new FakeClock();
    Pacer pacer = clock.pacer();

    pacer.await(0);
    pacer.await(Pacer.MAX_GAP_MICROS);                  // exactly the longest paced gap
    pacer.await(2 * Pacer.MAX_GAP_MICROS + 1);          // one microsecond longer: a leap
    pacer.await(2 * Pacer.MAX_GAP_MICROS + 40_001);

    assertThat(clock.sleeps).containsExactly(60_000_000_000L, 40_000_000L);
  }
}
