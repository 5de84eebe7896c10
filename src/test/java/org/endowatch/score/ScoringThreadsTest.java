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

  @Test
  void frameWorkersFillTheCoresAtTheOperatorThreadsInEffect() {
    assertThat(ScoringThreads.frameWorkers(2, 1)).isEqualTo(2);    // this dev machine with the live default
    assertThat(ScoringThreads.frameWorkers(16, 15)).isEqualTo(1);
    assertThat(ScoringThreads.frameWorkers(16, 4)).isEqualTo(4);
    assertThat(ScoringThreads.frameWorkers(1, 1)).isEqualTo(1);
    assertThat(ScoringThreads.frameWorkers(3, false, 4)).isEqualTo(3);  // asked for: stands
    assertThat(ScoringThreads.frameWorkers(3, false, 2)).isEqualTo(2);  // never more than a call's frames
    assertThat(ScoringThreads.frameWorkers(3, false, 1)).isEqualTo(1);  // calls of one frame: nothing to split
    assertThat(ScoringThreads.frameWorkers(0, true, 4)).isEqualTo(1);   // a GPU runs one pass at a time
  }
}
