package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScoringThreadsTest {
  private String before;

  @BeforeEach
  void save() {
    before = System.getProperty(ScoringThreads.PROPERTY);
    System.clearProperty(ScoringThreads.PROPERTY);
  }

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty(ScoringThreads.PROPERTY);
    } else {
      System.setProperty(ScoringThreads.PROPERTY, before);
    }
  }

  @Test
  void theDefaultLeavesOneCoreAndNeverGoesBelowOne() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(ScoringThreads.defaultCount()).isEqualTo(Math.max(1, cores - 1));
    ScoringThreads.request(0);
    assertThat(System.getProperty(ScoringThreads.PROPERTY)).isEqualTo(Integer.toString(Math.max(1, cores - 1)));
  }

  @Test
  void anExplicitCountWinsAndAJvmSettingStandsAgainstTheDefault() {
    ScoringThreads.request(3);
    assertThat(System.getProperty(ScoringThreads.PROPERTY)).isEqualTo("3");
    ScoringThreads.request(0);   // -Dai.djl.pytorch.num_threads=3 given at start: the default does not override it
    assertThat(System.getProperty(ScoringThreads.PROPERTY)).isEqualTo("3");
    ScoringThreads.request(5);
    assertThat(System.getProperty(ScoringThreads.PROPERTY)).isEqualTo("5");
  }
}
