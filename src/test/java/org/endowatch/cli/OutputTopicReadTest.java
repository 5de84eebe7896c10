package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class OutputTopicReadTest {
  /** On the minute too: "since 20:36" once in sixty lines broke AlertsCommandIT's pattern (ci181). */
  @Test
  void theClockAlwaysGivesSeconds() {
    ZoneId utc = ZoneId.of("UTC");
    assertThat(OutputTopicRead.clock(Instant.parse("2026-11-29T20:36:00.000Z").toEpochMilli(), utc)).isEqualTo("20:36:00");
    assertThat(OutputTopicRead.clock(Instant.parse("2026-11-29T20:36:07.999Z").toEpochMilli(), utc)).isEqualTo("20:36:07");
    assertThat(OutputTopicRead.clock(Instant.parse("2026-11-29T08:05:09.000Z").toEpochMilli(), ZoneId.of("Europe/Oslo")))
        .isEqualTo("09:05:09");
  }
}
