package org.endowatch.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.endowatch.platform.EmbeddedKafkaBroker;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "broker",
    description = {"Run a single-node Kafka broker (KRaft) on 127.0.0.1 until Ctrl-C or SIGTERM.",
        "--nodes 3 runs a three-node cluster in this process instead, replicating three ways with two in sync, "
            + "to rehearse and bench what a replicated production cluster costs (docs/OPERATIONS.md)."})
public final class BrokerCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092", description = "Client port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where topics are stored; reused across restarts (default: <tmp>/endowatch-broker-<port>).")
  Path dataDir;

  @Option(names = "--nodes", paramLabel = "N", defaultValue = "1",
      description = "Nodes (broker and controller each), 1 or 3; the client ports "
      + "are --port, --port+1, ... (default ${DEFAULT-VALUE}).")
  int nodes;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    OptionRange.of(spec).port("--port", port, false);
    Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("java.io.tmpdir"), "endowatch-broker-" + port);
    if (nodes == 3) {
      return runQuorum(dir);
    }
    if (nodes != 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be 1 or 3, got " + nodes);
    }
    requireFree(port);
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, dir, Map.of(), Duration.ofSeconds(60));
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-shutdown"));
    spec.commandLine().getOut().println("Kafka broker listening on " + broker.bootstrapServers()
        + " (data in " + dir + "); Ctrl-C or SIGTERM stops it");
    spec.commandLine().getOut().flush();
    broker.awaitShutdown();
    return 0;
  }

  /**
   * Fails with one line when a client port is taken, before Kafka starts: its own failure is three
   * stack traces and "Received a fatal error while waiting for all of the SocketServer Acceptors".
   */
  private static void requireFree(int port) {
    if (port == 0) {
      return;
    }
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.setReuseAddress(true);   // as Kafka binds: a port in TIME_WAIT is free to it
      probe.bind(new java.net.InetSocketAddress("127.0.0.1", port));
    } catch (java.io.IOException taken) {
      throw new IllegalStateException("port " + port + " on 127.0.0.1 is in use (" + taken.getMessage()
          + "): another broker, or another program; stop it or give another --port");
    }
  }

  private int runQuorum(Path dir) {
    if (port == 0 || port > 65535 - 2) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--nodes 3 needs a --port with two free ports after it, got " + port);
    }
    for (int p = port; p < port + 3; p++) {
      requireFree(p);
    }
    List<EmbeddedKafkaBroker.Node> quorum = EmbeddedKafkaBroker.quorum(3, port);
    List<EmbeddedKafkaBroker> running = EmbeddedKafkaBroker.startQuorum(quorum, dir, Map.of(), Duration.ofSeconds(120));
    java.io.PrintWriter err = spec.commandLine().getErr();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // With every voter stopping, the last controller standing resigns with no successor to hand
      // over to and waits out Raft's fixed 5 s; Kafka logs that as a WARN and an ERROR. Said first,
      // so the lines read as what they are.
      err.println("stopping the 3 nodes; the last controller's Raft shutdown waits ~5 s for a successor that cannot "
          + "come, and Kafka logs 'Graceful shutdown of RaftClient failed': expected when the whole quorum stops");
      err.flush();
      EmbeddedKafkaBroker.closeAll(running);
    }, "broker-shutdown"));
    String bootstrap = running.stream().map(EmbeddedKafkaBroker::bootstrapServers).collect(Collectors.joining(","));
    spec.commandLine().getOut().println("Kafka cluster of 3 nodes listening on " + bootstrap + " (data in " + dir
        + "); every topic has 3 replicas, 2 in sync; Ctrl-C or SIGTERM stops it");
    spec.commandLine().getOut().flush();
    running.forEach(EmbeddedKafkaBroker::awaitShutdown);
    return 0;
  }
}
