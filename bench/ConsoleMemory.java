import java.util.concurrent.atomic.AtomicLong;
import org.endowatch.console.ConsoleStore;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.Score;

/**
 * What a console holds per frame of the procedures it shows: FRAMES frames of 10 procedures (30 fps,
 * a 12 kB JPEG and an 8 x 8 heatmap each, one score) fed to a {@link ConsoleStore}, the heap measured
 * after a full GC before and after; then the same store with the clock moved past the catalog's
 * retention (frames and heatmaps 1 day, scores 7, alerts 30), expired, measured again.
 *
 * <p>Run: {@code java -Xmx4g -cp target/endowatch.jar bench/ConsoleMemory.java 1000000}
 */
public class ConsoleMemory {
  static final long DAY = 86_400_000L;

  public static void main(String[] args) throws Exception {
    int frames = Integer.parseInt(args[0]);
    int procedures = 10;
    AtomicLong now = new AtomicLong(System.currentTimeMillis());
    ConsoleStore store = new ConsoleStore(now::get, new ConsoleStore.Retention(DAY, DAY, 7 * DAY, 30 * DAY));
    byte[] jpeg = new byte[12_000];
    long before = heap();
    long t0 = now.get();
    for (int p = 0; p < procedures; p++) {
      String id = "procedure-" + p;
      for (int i = 0; i < frames / procedures; i++) {
        long ts = t0 + 33L * i;
        store.frame(new Frame(id, i, ts, 256, 256, Frame.JPEG, "bench", jpeg), p % 6, (long) p * frames + i);
        store.score(Score.scored(id, i, ts, ts + 20, 0.1 + (i % 7) * 0.01, 0.5, "m"));
        store.heatmap(new Heatmap(id, i, ts, "m", 256, 256, 0.5f, 8, 8, new float[64]));
      }
    }
    long full = heap();
    System.out.printf("%d frames of %d procedures: %.1f MB, %.0f bytes per frame%n", frames, procedures,
        (full - before) / 1e6, (full - before) / (double) frames);
    for (long days : new long[] {2, 8, 31}) {
      now.set(t0 + days * DAY);
      int forgotten = store.expire();
      long left = heap();
      System.out.printf("%d days later: %d procedures forgotten, %d left, %.1f MB%n", days, forgotten, store.ids().size(),
          (left - before) / 1e6);
    }
  }

  private static long heap() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
