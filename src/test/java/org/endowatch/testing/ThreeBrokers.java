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
  private static final Duration START = Duration.ofSeconds(120);
  private final Path dir;
  private final List<EmbeddedKafkaBroker.Node> quorum = EmbeddedKafkaBroker.quorum(3, 0);
  private final Map<String, String> overrides;
  private final List<EmbeddedKafkaBroker> running;

  /** A cluster configured as production clusters are: three copies of every topic, two in sync. */
  public ThreeBrokers(Path dir) {
    this(dir, Map.of());
  }

  /** With broker properties {@code overrides} applied last (a cluster left at Kafka's defaults, say). */
  public ThreeBrokers(Path dir, Map<String, String> overrides) {
    this.dir = dir;
    this.overrides = overrides;
    this.running = new ArrayList<>(EmbeddedKafkaBroker.startQuorum(quorum, dir, overrides, START));
  }

  /**
   * Kafka's shipped defaults for topics that do not say: one copy, one in sync. Many clusters run
   * with them; endowatch must not depend on an operator having changed them.
   */
  public static final Map<String, String> KAFKA_DEFAULTS = Map.of("default.replication.factor", "1", "min.insync.replicas", "1");

  /** Every node's client address, as a client's bootstrap list. */
  public String bootstrapServers() {
    return quorum.stream().map(n -> "127.0.0.1:" + n.clientPort()).collect(Collectors.joining(","));
  }

  /** Controlled shutdown of node {@code id} (1..3): its partitions' leadership moves first. */
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
