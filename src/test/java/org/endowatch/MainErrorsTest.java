package org.endowatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainErrorsTest {
  @Test
  void aCauseIsComparedByItsFirstClauseSoALibrarysHintsDoNotRepeatIt() {
    assertThat(Main.firstClause("avformat_open_input() error -1: Could not open input \"x\". (Has setFormat() been called?)"))
        .isEqualTo("avformat_open_input() error -1: Could not open input \"x\".");
    assertThat(Main.firstClause("No resolvable bootstrap urls given in bootstrap.servers"))
        .isEqualTo("No resolvable bootstrap urls given in bootstrap.servers");
    assertThat(Main.firstClause(" (only a remark)")).isEqualTo("(only a remark)");
  }

  @Test
  void aFileErrorWithoutAReasonIsSaidInWords() {
    assertThat(Main.fileProblem(new java.nio.file.NoSuchFileException("/x"))).isEqualTo("no such file or folder");
    assertThat(Main.fileProblem(new java.nio.file.AccessDeniedException("/x"))).isEqualTo("permission denied");
    assertThat(Main.fileProblem(new java.nio.file.FileAlreadyExistsException("/x"))).isEqualTo("already exists");
    assertThat(Main.fileProblem(new java.nio.file.FileSystemException("/x")))
        .isEqualTo("the file system refused it: read-only, full, or not a place files can be made");
  }
}
