package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ConsoleMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicReference<SourceHealth.State> state = new AtomicReference<>(SourceHealth.State.UP_TO_DATE);
  private final AtomicLong now = new AtomicLong(100_000);
  private final ConsoleStore store = new ConsoleStore(now::get);

  ConsoleMetricsTest() {
    ConsoleMetrics.bind(registry, state::get, now::get, store);
  }

  @Test
  void aCurrentConsoleIsOkAndStandsStillForNoTime() {
    assertThat(stateGauge("ok")).isEqualTo(1.0);
    for (String other : List.of("loading", "unreachable", "catching_up", "feed_error", "partitions_offline")) {
      assertThat(stateGauge(other)).as(other).isEqualTo(0.0);
    }
    assertThat(value("endowatch.console.not.updating")).isEqualTo(0.0);
    assertThat(value("endowatch.console.partitions.offline")).isEqualTo(0.0);
    assertThat(value("endowatch.console.records.behind")).isEqualTo(0.0);
  }

  @Test
  void anOutageCountsFromTheLastContactAndTheStateFollowsAtEveryRead() {
    state.set(new SourceHealth.State(SourceHealth.Status.UNREACHABLE, 93_500, "the console cannot reach Kafka", List.of(), 0));
    assertThat(stateGauge("unreachable")).isEqualTo(1.0);
    assertThat(stateGauge("ok")).isEqualTo(0.0);
    assertThat(value("endowatch.console.not.updating")).isEqualTo(6.5);
    now.set(130_000);
    assertThat(value("endowatch.console.not.updating")).isEqualTo(36.5);

    state.set(new SourceHealth.State(SourceHealth.Status.CATCHING_UP, 93_500, "", List.of(), 1_234));
    assertThat(stateGauge("catching_up")).isEqualTo(1.0);
    assertThat(stateGauge("unreachable")).isEqualTo(0.0);
    assertThat(value("endowatch.console.records.behind")).isEqualTo(1_234.0);
    assertThat(value("endowatch.console.not.updating")).isEqualTo(36.5);   // what is shown is still old

    state.set(new SourceHealth.State(SourceHealth.Status.PARTITIONS_OFFLINE, 120_000, "", List.of("frames-1", "scores-1"), 0));
    assertThat(value("endowatch.console.partitions.offline")).isEqualTo(2.0);
    assertThat(value("endowatch.console.not.updating")).isEqualTo(10.0);
  }

  @Test
  void recordingsCutOffCountForHalfAnHourFromTheirLastFrameOrTheirFailure() {
    for (String id : List.of("cut", "failed", "ended", "old-ingest")) {
      if (!id.equals("old-ingest")) {
        store.recording(org.endowatch.contract.ProcedureEvent.started(id, 99_000, "s", 0));
      }
      store.frame(ConsoleStoreTest.frame(id, 0, 99_900), 0, 1);
    }
    store.recording(org.endowatch.contract.ProcedureEvent.ended("ended", 100_000, "s", 1, "stopped"));
    assertThat(value("endowatch.console.recordings.cut.off")).isEqualTo(0.0);
    store.recording(org.endowatch.contract.ProcedureEvent.failed("failed", 100_000, "s", 1, "link lost"));
    assertThat(value("endowatch.console.recordings.cut.off")).isEqualTo(1.0);
    now.set(99_900 + ConsoleStore.LIVE_MS);
    assertThat(value("endowatch.console.recordings.cut.off")).isEqualTo(2.0);
    now.set(99_900 + ConsoleMetrics.CUT_OFF_WITHIN_MS - 1);
    assertThat(value("endowatch.console.recordings.cut.off")).isEqualTo(2.0);
    now.set(99_900 + ConsoleMetrics.CUT_OFF_WITHIN_MS);
    assertThat(value("endowatch.console.recordings.cut.off")).isEqualTo(1.0);
    now.set(100_000 + ConsoleMetrics.CUT_OFF_WITHIN_MS);
    assertThat(value("endowatch.console.recordings.cut.off")).isEqualTo(0.0);
  }

  @Test
  void aClockSteppedBackNeverGivesANegativeTime() {
    state.set(new SourceHealth.State(SourceHealth.Status.UNREACHABLE, 100_500, "", List.of(), 0));
    assertThat(value("endowatch.console.not.updating")).isEqualTo(0.0);
  }

  private double stateGauge(String s) {
    return registry.get("endowatch.console.source.state").tag("state", s).gauge().value();
  }

  private double value(String name) {
    return registry.get(name).gauge().value();
  }
}
