package org.endowatch.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.endowatch.platform.EmbeddedKafkaBroker;

/**
 * Three combined broker+controller nodes in this JVM, replicating every topic three ways with two
 * in sync: the smallest cluster on which a broker can go away while work goes on. Nodes stop and
 * start again on their own ports and data, as in a rolling restart.
 */
public final class ThreeBrokers implements AutoCloseable {
  /**
   * Kafka's shipped defaults for topics that do not say: one copy, one in sync. Many clusters run
   * with them; endowatch must not depend on an operator having changed them.
   */
  public static final Map<String, String> KAFKA_DEFAULTS = Map.of("default.replication.factor", "1", "min.insync.replicas", "1");
  private static final Duration START = Duration.ofSeconds(120);
  private final Path dir;
  private final List<EmbeddedKafkaBroker.Node> quorum = EmbeddedKafkaBroker.quorum(3, 0);
  private final Map<String, String> overrides;
  private final List<EmbeddedKafkaBroker> running;

  /**
   * Configured as production clusters usually are (three copies of a topic that does not say, two
   * in sync), then broker properties {@code overrides} (Kafka's defaults instead, say).
   */
  public ThreeBrokers(Path dir, Map<String, String> overrides) {
    this.dir = dir;
    this.overrides = overrides;
    this.running = new ArrayList<>(EmbeddedKafkaBroker.startQuorum(quorum, dir, overrides, START));
  }

  /** Every node's client address, as a client's bootstrap list. */
  public String bootstrapServers() {
    return quorum.stream().map(n -> "127.0.0.1:" + n.clientPort()).collect(Collectors.joining(","));
  }

  /**
   * Stops node {@code id} (1..3): a controlled shutdown, where its partitions' leadership moves
   * first, unless the overrides turned {@code controlled.shutdown.enable} off (a broker dying).
   */
  public void stop(int id) {
    running.get(id - 1).close();
  }

  /** Starts node {@code id} again on its ports and data (formatted already); returns once it serves. */
  public void start(int id) {
    running.set(id - 1, EmbeddedKafkaBroker.start(quorum.get(id - 1), dir.resolve("node-" + id), overrides, new Properties(),
        START, null));
  }

  @Override
  public void close() {
    EmbeddedKafkaBroker.closeAll(running);
  }
}
