package org.endowatch.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.endowatch.platform.EmbeddedKafkaBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "broker",
    description = "Run a single-node Kafka broker (KRaft) on 127.0.0.1 until Ctrl-C or SIGTERM.")
public final class BrokerCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "9092", description = "Client port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where topics are stored; reused across restarts (default: <tmp>/endowatch-broker-<port>).")
  Path dataDir;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    OptionRange.of(spec).between("--port", port, 0, 65535);
    Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("java.io.tmpdir"), "endowatch-broker-" + port);
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, dir, Map.of(), Duration.ofSeconds(60));
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-shutdown"));
    spec.commandLine().getOut().println("Kafka broker listening on " + broker.bootstrapServers()
        + " (data in " + dir + "); Ctrl-C or SIGTERM stops it");
    spec.commandLine().getOut().flush();
    broker.awaitShutdown();
    return 0;
  }
}
