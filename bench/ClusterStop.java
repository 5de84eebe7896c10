import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.endowatch.platform.EmbeddedKafkaBroker;

/**
 * How long a three-node embedded cluster takes to stop (docs/BENCHMARKS.md, "Stopping a three-node
 * cluster"): each round starts a quorum in a new folder and stops it one way, timing each stop.
 *   all        every node together (broker --nodes 3 on Ctrl-C, a test's cluster at its end)
 *   after-one  node 1 alone first, then the other two together (a test that stopped a node)
 *   one-by-one node 1, then 2, then 3 (the last node's quorum is gone when it stops)
 * Usage: java -cp target/endowatch.jar bench/ClusterStop.java all|after-one|one-by-one [ROUNDS]
 */
public class ClusterStop {
  public static void main(String[] args) throws Exception {
    String how = args[0];
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    for (int r = 1; r <= rounds; r++) {
      Path dir = Files.createTempDirectory("cluster-stop");
      List<EmbeddedKafkaBroker> nodes = new ArrayList<>(EmbeddedKafkaBroker.startQuorum(EmbeddedKafkaBroker.quorum(3, 0),
          dir, Map.of(), Duration.ofSeconds(120)));
      StringBuilder line = new StringBuilder("round " + r + " " + how + ":");
      switch (how) {
        case "all" -> line.append(" all ").append(timed(() -> EmbeddedKafkaBroker.closeAll(nodes)));
        case "after-one" -> {
          line.append(" node 1 ").append(timed(nodes.get(0)::close));
          line.append(", nodes 2+3 ").append(timed(() -> EmbeddedKafkaBroker.closeAll(nodes)));
        }
        case "one-by-one" -> {
          for (int i = 0; i < nodes.size(); i++) {
            line.append(i == 0 ? " node " : ", node ").append(i + 1).append(' ').append(timed(nodes.get(i)::close));
          }
        }
        default -> throw new IllegalArgumentException("all, after-one or one-by-one, got " + how);
      }
      System.out.println(line);
    }
  }

  private static String timed(Runnable stop) {
    long t0 = System.nanoTime();
    stop.run();
    return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9);
  }
}
