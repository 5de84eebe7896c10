package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirTest {
  @Test
  void aTemporaryFolderGoesWithEverythingInItWhenTheCommandEnds() throws Exception {
    Path inside;
    try (WorkDir w = WorkDir.of(null, "endowatch-test")) {
      assertThat(w.temporary()).isTrue();
      inside = Files.createDirectories(w.path().resolve("kafka/log-0"));
      Files.writeString(inside.resolve("00000.log"), "records");
    }
    assertThat(inside).doesNotExist();
    assertThat(inside.getParent().getParent()).doesNotExist();
  }

  @Test
  void aNamedFolderIsCreatedAndKept(@TempDir Path dir) throws Exception {
    Path named = dir.resolve("bench/work");
    try (WorkDir w = WorkDir.of(named, "endowatch-test")) {
      assertThat(w.path()).isEqualTo(named).isDirectory();
      Files.writeString(named.resolve("procedure.mp4"), "video");
    }
    assertThat(named.resolve("procedure.mp4")).hasContent("video");
  }
}
