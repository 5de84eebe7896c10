package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Each command's progress line names the command and what it counts (export once said "ingest: 1 frames sent"). */
class ProgressLineTest {
  @Test
  void aLineNamesItsCommandAndWhatItCounts() {
    StringWriter text = new StringWriter();
    var progress = new IngestCommand.Progress(new PrintWriter(text), 0, "replay export", "written");
    progress.report(420);
    assertThat(text.toString()).matches("replay export: 420 frames written, \\d+\\.\\d frames/s\\R");

    StringWriter quiet = new StringWriter();
    var hourly = new IngestCommand.Progress(new PrintWriter(quiet), 3_600_000, "ingest", "sent");
    hourly.report(1);
    assertThat(quiet.toString()).isEmpty();
  }
}
