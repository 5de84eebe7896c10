package org.endowatch.console;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What the console's banner says, for Prometheus: a console that cannot read Kafka shows it on its
 * page, but nobody may be looking at that page (a wall screen in the corridor, a console opened only
 * when an alert sounds), so the people who keep endowatch running get it as metrics and a rule
 * ({@code EndowatchConsoleNotUpdating}). No procedure ids: they may identify patients.
 */
public final class ConsoleMetrics {
  /** How long a cut-off recording counts: long enough to be seen, short enough that one resolved stops paging. */
  public static final long CUT_OFF_WITHIN_MS = 30 * 60_000;

  private ConsoleMetrics() {}

  /**
   * Registers, read at every scrape from {@code source}:
   * <ul>
   *   <li>{@code endowatch_console_source_state{state=...}}: 1 for the current {@link SourceHealth.Status}, 0 for the others;
   *   <li>{@code endowatch_console_not_updating_seconds}: how long what is shown has stood still (0 when it is current);
   *   <li>{@code endowatch_console_partitions_offline}: partitions without a leader that it reads;
   *   <li>{@code endowatch_console_records_behind}: records still to read while loading or catching up;
   *   <li>{@code endowatch_console_recordings_cut_off}: procedures whose frames stopped without their
   *       recording ending, or whose ingest failed, in the last {@link #CUT_OFF_WITHIN_MS} ({@link
   *       ConsoleStore#cutOff}; the rule {@code EndowatchRecordingCutOff}).
   * </ul>
   */
  public static void bind(MeterRegistry registry, Supplier<SourceHealth.State> source, LongSupplier clock, ConsoleStore store) {
    Gauge.builder("endowatch.console.recordings.cut.off", () -> store.cutOff(CUT_OFF_WITHIN_MS))
        .description("Procedures whose frames stopped without their recording ending, or whose ingest failed, in the last 30 min")
        .register(registry);
    for (SourceHealth.Status s : SourceHealth.Status.values()) {
      Gauge.builder("endowatch.console.source.state", () -> source.get().status() == s ? 1 : 0)
          .tag("state", s.name().toLowerCase(Locale.ROOT))
          .description("1 for what the console's source health is now (ok, loading, unreachable, catching_up, feed_error, "
              + "partitions_offline), 0 for the others")
          .register(registry);
    }
    Gauge.builder("endowatch.console.not.updating", () -> notUpdatingSeconds(source.get(), clock.getAsLong()))
        .baseUnit("seconds").description("How long what the console shows has stood still (0 when it is current)").register(registry);
    Gauge.builder("endowatch.console.partitions.offline", () -> source.get().offline().size())
        .description("Partitions the console reads that have no leader").register(registry);
    Gauge.builder("endowatch.console.records.behind", () -> source.get().behind())
        .description("Records still to read while the console loads or catches up after an outage").register(registry);
  }

  /** Seconds since {@code state.sinceMs()}, 0 when nothing stands still (never negative across a clock step). */
  static double notUpdatingSeconds(SourceHealth.State state, long nowMs) {
    return state.sinceMs() <= 0 ? 0 : Math.max(0, nowMs - state.sinceMs()) / 1000.0;
  }
}
