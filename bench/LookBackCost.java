import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What the scorer's LookBack costs each call a stream thread makes on its consumer (it goes through a
 * java.lang.reflect.Proxy; docs/BENCHMARKS.md, "LookBack's cost per consumer call"): the same calls
 * on a MockConsumer, made directly and through LookBack's proxy, 5 rounds (the first warms up the JIT).
 * Run: java -cp target/endowatch.jar bench/LookBackCost.java
 */
public class LookBackCost {
  public static void main(String[] a) throws Exception {
    TopicPartition tp = new TopicPartition("frames", 0);
    MockConsumer<byte[], byte[]> mock = new MockConsumer<>("earliest");
    mock.assign(List.of(tp));
    mock.updateBeginningOffsets(Map.of(tp, 0L));
    // Package-private in the scorer: reached the way a test in its package would call it.
    Method wrap = Class.forName("org.endowatch.score.LookBack").getDeclaredMethod("withoutGaps", Consumer.class);
    wrap.setAccessible(true);
    @SuppressWarnings("unchecked")
    Consumer<byte[], byte[]> proxied = (Consumer<byte[], byte[]>) wrap.invoke(null, mock);
    int n = 5_000_000;
    long sink = 0;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink += mock.position(tp);
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink += proxied.position(tp);
      }
      long t2 = System.nanoTime();
      for (int i = 0; i < n / 10; i++) {
        sink += mock.poll(Duration.ZERO).count();
      }
      long t3 = System.nanoTime();
      for (int i = 0; i < n / 10; i++) {
        sink += proxied.poll(Duration.ZERO).count();
      }
      long t4 = System.nanoTime();
      System.out.printf("round %d: position() direct %.1f ns, through LookBack %.1f ns; empty poll() direct %.1f ns, "
          + "through LookBack %.1f ns%n", round, (t1 - t0) / (double) n, (t2 - t1) / (double) n, (t3 - t2) / (n / 10.0),
          (t4 - t3) / (n / 10.0));
    }
    if (sink != 0) {
      throw new IllegalStateException("an empty consumer returned records: " + sink);
    }
  }
}
