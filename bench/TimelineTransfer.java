import java.io.ByteArrayOutputStream;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.endowatch.console.ConsoleStore;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.Score;

/**
 * What a page fetches when it opens a procedure: the timeline of an hour at 30 fps (108,000
 * scored frames, scores spread as the demo model's on normal tissue) as the console's JSON, its
 * size plain and gzipped, and the time gzip takes (median of 5, one core).
 *
 * <p>Run: {@code java -cp target/endowatch.jar bench/TimelineTransfer.java 108000}
 */
public class TimelineTransfer {
  public static void main(String[] args) throws Exception {
    int frames = Integer.parseInt(args[0]);
    ConsoleStore store = new ConsoleStore(() -> 0);
    Random r = new Random(1);
    long t0 = 1_795_000_000_000L;
    for (int i = 0; i < frames; i++) {
      store.score(Score.scored("p", i, t0 + 33L * i, t0 + 33L * i + 15 + r.nextInt(10), r.nextDouble() * 0.02, 0.0123,
          "demo-micro-20261126T101010+cal20261126T111111"));
    }
    byte[] json = JsonSerde.MAPPER.writeValueAsBytes(store.timeline("p", 0));
    long[] ms = new long[5];
    int packed = 0;
    for (int k = 0; k < ms.length; k++) {
      long t = System.nanoTime();
      ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 4);
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(json);
      }
      ms[k] = (System.nanoTime() - t) / 1_000_000;
      packed = out.size();
    }
    java.util.Arrays.sort(ms);
    System.out.printf("%d frames: JSON %.1f MB, gzipped %.1f MB (x%.1f), gzip %d ms%n", frames, json.length / 1e6,
        packed / 1e6, (double) json.length / packed, ms[ms.length / 2]);
  }
}
