import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.*;
import org.endowatch.model.*;
import org.endowatch.score.*;

/**
 * Experiment behind "A backlog's frames side by side" in docs/BENCHMARKS.md: with N threads per
 * PyTorch operator (argument, default 1), the median time of one frame's anomaly map
 * (complementary-4, half map) on one thread, of half its passes (random-2), of two half-frames side
 * by side on two threads (splitting one frame), and of two whole frames side by side (a backlog).
 * Random pixels: timing only.
 *
 * <p>Run: {@code java -Dai.djl.offline=true -cp target/endowatch.jar bench/SideBySide.java 1}
 */
public class SideBySide {
  public static void main(String[] a) throws Exception {
    System.setProperty("ai.djl.pytorch.num_threads", a.length > 0 ? a[0] : "1");
    ModelArtifact.Loaded m = ModelArtifact.load(Path.of(a.length > 1 ? a[1] : "models/demo-micro"), "auto");
    AnomalyScorer s4 = new AnomalyScorer(m.network(), m.manager(), MaskSchedule.parse("complementary-4"), "mean", 1);
    AnomalyScorer s2 = new AnomalyScorer(m.network(), m.manager(), MaskSchedule.parse("random-2"), "mean", 1);
    float[] px = new float[3 * 128 * 128];
    Random r = new Random(1);
    for (int i = 0; i < px.length; i++) px[i] = r.nextFloat();
    for (int i = 0; i < 300; i++) { s4.score(px, 1, false); s2.score(px, 1, false); }
    for (int round = 0; round < 3; round++) {
      System.out.printf("round %d: K4 serial %.1f ms, K2 serial %.1f ms, K2 x2 concurrent %.1f ms/call, K4 x2 concurrent %.1f ms/call%n", round,
          serial(s4, px, 200), serial(s2, px, 200), concurrent(s2, px, 200), concurrent(s4, px, 200));
    }
    System.exit(0);
  }
  static double serial(AnomalyScorer s, float[] px, int n) {
    double[] t = new double[n];
    for (int i = 0; i < n; i++) { long t0 = System.nanoTime(); s.score(px, 1, false); t[i] = (System.nanoTime() - t0) / 1e6; }
    Arrays.sort(t); return t[n / 2];
  }
  static double concurrent(AnomalyScorer s, float[] px, int n) throws Exception {
    ExecutorService ex = Executors.newFixedThreadPool(2);
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      Future<?> f1 = ex.submit(() -> s.score(px, 1, false));
      Future<?> f2 = ex.submit(() -> s.score(px, 1, false));
      f1.get(); f2.get();
      t[i] = (System.nanoTime() - t0) / 1e6;
    }
    ex.shutdown();
    Arrays.sort(t); return t[n / 2];
  }
}
