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
}
