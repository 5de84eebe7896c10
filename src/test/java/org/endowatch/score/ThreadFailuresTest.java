package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThreadFailuresTest {
  @Test
  void replacesAThreadUnlessFailuresComeBackWithinAMinute() {
    AtomicLong now = new AtomicLong(1_000_000);
    ThreadFailures f = new ThreadFailures(now::get);
    assertThat(f.replace()).as("a first failure: a new thread").isTrue();
    now.addAndGet(10_000);
    assertThat(f.replace()).as("a second within the minute").isTrue();
    assertThat(f.recent()).isEqualTo(2);
    now.addAndGet(10_000);
    assertThat(f.replace()).as("a third within the minute: it keeps coming back, stop").isFalse();
    assertThat(f.recent()).isEqualTo(3);
  }

  @Test
  void failuresOlderThanTheWindowNoLongerCount() {
    AtomicLong now = new AtomicLong(1_000_000);
    ThreadFailures f = new ThreadFailures(now::get);
    assertThat(f.replace()).isTrue();
    now.addAndGet(30_000);
    assertThat(f.replace()).isTrue();
    now.addAndGet(ThreadFailures.WINDOW_MS - 30_000);
    assertThat(f.replace()).as("the first is a minute old: two in the window").isTrue();
    assertThat(f.recent()).isEqualTo(2);
  }
}
