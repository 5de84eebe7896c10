import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.replay.ProcedureRecords;

/**
 * The per-frame look behind "Stores in memory" in docs/BENCHMARKS.md: after a `bench pipeline
 * --bootstrap HOST:PORT --keep-topics` run against a broker that outlives it (`endowatch broker`), reads the
 * newest bench scores topic and prints, for one procedure, every frame (index, capture time from
 * the first frame in ms, capture -> decision in ms, S scored or K skipped), then a summary per 2 s
 * window (skipped, mean and max latency of the scored frames).
 *
 * <p>Run: {@code java -cp target/endowatch.jar bench/ScoreTimeline.java 127.0.0.1:19092 bench-0}
 */
public class ScoreTimeline {
  public static void main(String[] a) throws Exception {
    Properties p = KafkaSettings.of(a[0]).clientProps();
    String topic;
    try (Admin admin = Admin.create(p)) {
      topic = admin.listTopics().names().get().stream().filter(n -> n.startsWith(Topics.SCORES.name() + ".bench-")).sorted()
          .reduce((x, y) -> y).orElseThrow(() -> new IllegalStateException("no bench scores topic on " + a[0]));
    }
    List<Score> all = new ArrayList<>();
    ProcedureRecords.forEach(p, topic, a[1], Topics.SCORES.valueSerde().deserializer(), 0, r -> all.add(r.value()));
    all.sort(Comparator.comparingLong(Score::frameIndex));
    long t0 = all.get(0).captureTimestampMs();
    int windows = (int) ((all.get(all.size() - 1).captureTimestampMs() - t0) / 2000) + 1;
    int[] skipped = new int[windows];
    int[] scored = new int[windows];
    long[] sum = new long[windows];
    long[] max = new long[windows];
    for (Score s : all) {
      long at = s.captureTimestampMs() - t0;
      long latency = s.scoredTimestampMs() - s.captureTimestampMs();
      System.out.printf("%d %d %d %s%n", s.frameIndex(), at, latency, s.isScored() ? "S" : "K");
      int w = (int) (at / 2000);
      if (s.isScored()) {
        scored[w]++;
        sum[w] += latency;
        max[w] = Math.max(max[w], latency);
      } else {
        skipped[w]++;
      }
    }
    for (int w = 0; w < windows; w++) {
      System.out.printf("# %2d-%2d s: skipped %d, mean %d ms, max %d ms%n", 2 * w, 2 * w + 2, skipped[w],
          scored[w] == 0 ? 0 : sum[w] / scored[w], max[w]);
    }
  }
}
