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
}
