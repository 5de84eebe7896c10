package org.endowatch.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.endowatch.console.Access;
import org.endowatch.console.ConsoleFeed;
import org.endowatch.console.ConsoleServer;
import org.endowatch.console.ConsoleStore;
import org.endowatch.contract.Topics;
import org.endowatch.platform.TopicAdmin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "console", description = "Serve the web console of live and recorded procedures.")
public final class ConsoleCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default ${DEFAULT-VALUE}; 0 = any free).") int port;
  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).") String bind;
  @Option(names = "--token", paramLabel = "T",
      description = "Required on every request when set; needed to bind beyond loopback (also ENDOWATCH_CONSOLE_TOKEN).")
  String token;
  @Spec CommandSpec spec;

  /** A running console: its store, feed and server, closed together. */
  record Running(ConsoleStore store, ConsoleFeed feed, ConsoleServer server) implements AutoCloseable {
    @Override
    public void close() {
      server.close();
      feed.close();
    }
  }

  static Running start(java.util.Properties client, String bind, int port, String token) {
    ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
    ConsoleFeed feed = new ConsoleFeed(client, store);
    try {
      return new Running(store, feed, new ConsoleServer(bind, port, store, feed, new Access(token, System::currentTimeMillis)));
    } catch (RuntimeException e) {
      feed.close();
      throw e;
    }
  }

  @Override
  public Integer call() throws Exception {
    try {
      Access.checkBind(bind, token);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    var settings = kafka.settings();
    try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
      admin.requireTopics(List.of(Topics.FRAMES.name(), Topics.SCORES.name(), Topics.HEATMAPS.name(), Topics.ALERTS.name()));
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (Running console = start(settings.clientProps(), bind, port, token)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "console-stop"));
      spec.commandLine().getOut().printf("console on http://%s:%d/%s%n", bind.contains(":") ? "[" + bind + "]" : bind,
          console.server().port(), token != null ? " (add ?token=... to the address)" : "");
      spec.commandLine().getOut().flush();
      stop.await();
    }
    return 0;
  }
}
