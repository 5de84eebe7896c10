package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConsoleServerTest {
  @Test
  void gzipIsSentOnlyToAClientThatTakesIt() {
    assertThat(ConsoleServer.acceptsGzip("gzip, deflate, br, zstd")).isTrue();   // Chromium's
    assertThat(ConsoleServer.acceptsGzip("GZIP;q=0.5")).isTrue();
    assertThat(ConsoleServer.acceptsGzip("br")).isFalse();
    assertThat(ConsoleServer.acceptsGzip("gzip;q=0, br")).isFalse();
    assertThat(ConsoleServer.acceptsGzip("gzip; q=0.0")).isFalse();
    assertThat(ConsoleServer.acceptsGzip("")).isFalse();
    assertThat(ConsoleServer.acceptsGzip(null)).isFalse();
  }
}
