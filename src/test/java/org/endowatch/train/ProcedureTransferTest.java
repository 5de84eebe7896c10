package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ProcedureTransferTest {
  private static double[] range(int from, int to) {
    return IntStream.rangeClosed(from, to).asDoubleStream().toArray();
  }

  @Test
  void eachProcedureIsJudgedByTheThresholdOfTheOthers() {
    Map<String, double[]> bySource = new LinkedHashMap<>();
    bySource.put("a", range(1, 10));
    bySource.put("b", range(1, 10));
    bySource.put("c", range(11, 20));   // brighter tissue, say: scores above the other two's
    // At 10 %: without a, the threshold over b and c (1..20) lets 2 of 20 above it: 18, and none of
    // a's frames is over it; the same for b; without c, over a and b (1,1,2,2,...,10,10) it is 9,
    // and all of c's frames are over it.
    ProcedureTransfer t = ProcedureTransfer.leaveOneOut(bySource, 0.1);

    assertThat(t).isEqualTo(new ProcedureTransfer(3, 0.0, 0.0, 1.0, "c", 10 / 30.0));
    assertThat(t.doesNotCarry(0.1)).isTrue();
  }

  @Test
  void proceduresAlikeCarryTheirThreshold() {
    Map<String, double[]> bySource = new LinkedHashMap<>();
    for (String s : new String[] {"a", "b", "c", "d"}) {
      bySource.put(s, range(1, 10));
    }
    // Without any one of them: 1..10 three times, 3 of 30 allowed above: the threshold is 9 (three
    // 10s above it), so each left-out procedure has one frame of ten over it.
    ProcedureTransfer t = ProcedureTransfer.leaveOneOut(bySource, 0.1);

    assertThat(t).isEqualTo(new ProcedureTransfer(4, 0.1, 0.1, 0.1, "a", 0.1));
    assertThat(t.doesNotCarry(0.1)).isFalse();
  }

  @Test
  void anEvenCountTakesTheMeanOfTheMiddleTwo() {
    Map<String, double[]> bySource = new LinkedHashMap<>();
    bySource.put("a", new double[] {5});
    bySource.put("b", new double[] {1});
    // Without a the threshold is 1 and a's 5 is over it; without b it is 5 and b's 1 is not.
    assertThat(ProcedureTransfer.leaveOneOut(bySource, 0.0)).isEqualTo(new ProcedureTransfer(2, 0.0, 0.5, 1.0, "a", 0.5));
  }

  @Test
  void oneProcedureFarOverTheTargetIsAWarningEvenWhenAllFramesAreNot() {
    // The demo model's ten calibration procedures at 1 %: 1.1 % over all frames, one procedure 10.4 %.
    assertThat(new ProcedureTransfer(10, 0.0, 0.0, 0.104, "n116", 0.011).doesNotCarry(0.01)).isTrue();
    assertThat(new ProcedureTransfer(10, 0.0, 0.01, 0.05, "n116", 0.011).doesNotCarry(0.01)).isFalse();
    assertThat(new ProcedureTransfer(10, 0.0, 0.01, 0.05, "n116", 0.021).doesNotCarry(0.01)).isTrue();
  }

  @Test
  void oneProcedureGivesNothingToLeaveOut() {
    assertThat(ProcedureTransfer.leaveOneOut(Map.of("a", range(1, 10)), 0.01)).isNull();
    assertThat(ProcedureTransfer.leaveOneOut(Map.of(), 0.01)).isNull();
  }
}
