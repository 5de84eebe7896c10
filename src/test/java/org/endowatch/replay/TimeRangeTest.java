package org.endowatch.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TimeRangeTest {
  @Test
  void readsOffsetsInstantsAndEpochMillis() {
    assertThat(TimeRange.parse("90s")).isEqualTo(new TimeRange.Point(true, 90_000));
    assertThat(TimeRange.parse("1m30s")).isEqualTo(new TimeRange.Point(true, 90_000));
    assertThat(TimeRange.parse("2m")).isEqualTo(new TimeRange.Point(true, 120_000));
    assertThat(TimeRange.parse("1h")).isEqualTo(new TimeRange.Point(true, 3_600_000));
    assertThat(TimeRange.parse("400ms")).isEqualTo(new TimeRange.Point(true, 400));
    assertThat(TimeRange.parse("1.5s")).isEqualTo(new TimeRange.Point(true, 1500));
    assertThat(TimeRange.parse("PT2M")).isEqualTo(new TimeRange.Point(true, 120_000));
    assertThat(TimeRange.parse("2026-11-26T10:00:00Z")).isEqualTo(new TimeRange.Point(false, 1795687200000L));
    assertThat(TimeRange.parse("1795687200000")).isEqualTo(new TimeRange.Point(false, 1795687200000L));
    assertThat(TimeRange.parse(null)).isNull();
  }

  @Test
  void boundsAreInclusiveAndOffsetsCountFromTheFirstFrame() {
    TimeRange r = new TimeRange(TimeRange.parse("1s"), TimeRange.parse("2s"));

    assertThat(r.contains(10_999, 10_000)).isFalse();
    assertThat(r.contains(11_000, 10_000)).isTrue();
    assertThat(r.contains(12_000, 10_000)).isTrue();
    assertThat(r.contains(12_001, 10_000)).isFalse();
    assertThat(TimeRange.ALL.contains(5, 10_000)).isTrue();
  }

  @Test
  void aRangeThatEndsBeforeItStartsIsRefused() {
    assertThatThrownBy(() -> new TimeRange(TimeRange.parse("1m30s"), TimeRange.parse("20s")))
        .hasMessage("the range ends before it starts (from 1m30s after the first frame, to 20s after the first frame)");
    assertThatThrownBy(() -> new TimeRange(TimeRange.parse("2026-11-29T10:00:00Z"), TimeRange.parse("2026-11-29T09:59:59.5Z")))
        .hasMessage("the range ends before it starts (from 2026-11-29T10:00:00Z, to 2026-11-29T09:59:59.500Z)");
    // One instant and one offset cannot be compared before the procedure's first frame is known.
    assertThat(new TimeRange(TimeRange.parse("2026-11-29T10:00:00Z"), TimeRange.parse("20s")).to().ms()).isEqualTo(20_000);
    assertThat(new TimeRange(TimeRange.parse("20s"), TimeRange.parse("20s")).contains(10_020_000, 10_000_000)).isTrue();
  }

  @Test
  void refusesWhatItCannotRead() {
    assertThatThrownBy(() -> TimeRange.parse("yesterday"))
        .hasMessage("cannot read time 'yesterday': use an offset from the procedure's start (90s, 2m, 1m30s, PT2M), "
            + "an ISO-8601 instant or epoch milliseconds");
  }
}
