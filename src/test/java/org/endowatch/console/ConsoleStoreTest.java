package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.junit.jupiter.api.Test;

class ConsoleStoreTest {
  static Frame frame(String id, long index, long ts) {
    return new Frame(id, index, ts, 8, 8, Frame.JPEG, "t", new byte[] {(byte) index});
  }

  @Test
  void summarisesATimelineAndTellsLiveFromEnded() {
    AtomicLong now = new AtomicLong(100_000);
    ConsoleStore store = new ConsoleStore(now::get);
    for (int i = 0; i < 5; i++) {
      store.frame(frame("room-1", i, 99_000 + 40L * i), 0, 10 + i);
      store.score(Score.scored("room-1", i, 99_000 + 40L * i, 99_100 + 40L * i, 0.1 * i, 0.3, "m-1"));
    }

    ConsoleStore.Summary s = store.summary("room-1");
    assertThat(s.live()).isTrue();
    assertThat(s.frames()).isEqualTo(5);
    assertThat(s.lastIndex()).isEqualTo(4);
    assertThat(s.fps()).isEqualTo(25.0);
    assertThat(s.lastScore()).isCloseTo(0.4, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(s.latencyMs()).isEqualTo(100);
    assertThat(store.timeline("room-1", 3).stream().map(ConsoleStore.Point::index)).containsExactly(3L, 4L);
    assertThat(store.location("room-1", 2)).containsExactly(0, 12);
    now.addAndGet(ConsoleStore.LIVE_MS);
    assertThat(store.summary("room-1").live()).isFalse();
  }

  @Test
  void keepsOnlyRecentImagesButEveryLocationAndAlertPeaks() {
    ConsoleStore store = new ConsoleStore(() -> 0);
    store.frame(frame("p", 0, 1), 3, 500);
    store.alert(new AlertEvent(AlertEvent.START, "p/0", "p", 0, 0, 0, 0.9, null, 1, 1, "m", null));
    for (int i = 1; i <= ConsoleStore.RECENT + 10; i++) {
      store.frame(frame("p", i, 1 + i), 3, 500 + i);
    }

    assertThat(store.image("p", 0)).as("an alert's peak frame stays").containsExactly(0);
    assertThat(store.image("p", 5)).as("old frames leave memory").isNull();
    assertThat(store.location("p", 5)).as("but can be read back").containsExactly(3, 505);
    assertThat(store.image("p", ConsoleStore.RECENT + 10)).isNotNull();
  }

  @Test
  void listenersHearScoresAndAlerts() {
    ConsoleStore store = new ConsoleStore(() -> 0);
    List<String> heard = new ArrayList<>();
    store.listen((summary, alert) -> heard.add(summary.id() + (alert == null ? "" : ":" + alert.type())));

    store.score(Score.scored("a", 0, 0, 0, 0.5, 0.3, "m"));
    store.alert(new AlertEvent(AlertEvent.START, "a/0", "a", 0, 0, 0, 0.5, null, 0, 0, "m", null));

    assertThat(heard).containsExactly("a", "a:alert-start");
    assertThat(store.summary("a").alerting()).isTrue();
  }
}
