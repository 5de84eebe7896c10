package org.endowatch.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;
import org.endowatch.console.Access;
import org.endowatch.console.ConsoleFeed;
import org.endowatch.console.ConsoleMetrics;
import org.endowatch.console.ConsoleServer;
import org.endowatch.config.KafkaSettings;
import org.endowatch.console.ConsoleStore;
import org.endowatch.console.Tls;
import org.endowatch.contract.Topics;
import org.endowatch.platform.MetricsServer;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.platform.TopicCatalog;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "console", description = "Serve the web console of live and recorded procedures.")
public final class ConsoleCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
      description = "HTTP port (default ${DEFAULT-VALUE}; 0 = any free).") int port;
  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}).") String bind;
  @Option(names = "--token", paramLabel = "T",
      description = "Required on every request when set; needed to bind beyond loopback (also ENDOWATCH_CONSOLE_TOKEN).")
  String token;
  @Option(names = "--tls-keystore", paramLabel = "FILE", description = "Serve HTTPS with the key and certificate in this "
      + "PKCS12 (or JKS) keystore; without it the console speaks plain HTTP (fine on loopback or behind a TLS proxy).")
  java.nio.file.Path tlsKeystore;
  @Option(names = "--tls-password", paramLabel = "P", description = "The keystore's password (better: ENDOWATCH_CONSOLE_TLS_PASSWORD, "
      + "which no process list shows).")
  String tlsPassword;
  @Option(names = "--metrics-port", defaultValue = "-1", paramLabel = "PORT", description = "Serve Prometheus /metrics "
      + "(whether the console can read Kafka, without procedure ids) on this port (0 = any, -1 = off; default off).")
  int metricsPort;
  @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address /metrics listens on (default ${DEFAULT-VALUE}: this host only; 0.0.0.0 for a Prometheus elsewhere).") String metricsBind;
  @Spec CommandSpec spec;

  /** A running console: its store, feed, server and metrics (null when off), closed together. */
  record Running(ConsoleStore store, ConsoleFeed feed, ConsoleServer server, MetricsServer metrics) implements AutoCloseable {
    @Override
    public void close() {
      if (metrics != null) {
        metrics.close();
      }
      server.close();
      feed.close();
    }
  }

  /** Starts a console on the topics of {@code kafka}, which must exist; it forgets what their retention deletes. */
  static Running start(KafkaSettings kafka, String bind, int port, String token) {
    return start(kafka, bind, port, token, null, null, -1);
  }

  /**
   * The same over HTTPS when {@code tls} is given, and with Prometheus metrics on {@code
   * metricsBind:metricsPort} (-1 = none; plain HTTP, they carry no patient data).
   */
  static Running start(KafkaSettings kafka, String bind, int port, String token, SSLContext tls, String metricsBind,
      int metricsPort) {
    ConsoleStore.Retention retention;
    try (TopicAdmin admin = new TopicAdmin(kafka, Duration.ofSeconds(15))) {
      admin.requireTopics(ConsoleFeed.SHOWN);
      retention = new ConsoleStore.Retention(retentionOf(admin, Topics.FRAMES.name()), retentionOf(admin, Topics.HEATMAPS.name()),
          retentionOf(admin, Topics.SCORES.name()), retentionOf(admin, Topics.ALERTS.name()));
    }
    ConsoleStore store = new ConsoleStore(System::currentTimeMillis, retention);
    ConsoleFeed feed = new ConsoleFeed(kafka.clientProps(), store);
    ConsoleServer server = null;
    try {
      server = new ConsoleServer(bind, port, store, feed, new Access(token, System::currentTimeMillis), tls);
      MetricsServer metrics = null;
      if (metricsPort >= 0) {
        // /health there stays "the process answers" (a liveness probe): a Kafka outage is not cured
        // by restarting consoles; the gauges say it.
        metrics = new MetricsServer(metricsBind, metricsPort, () -> true);
        ConsoleMetrics.bind(metrics.registry(), store::source, System::currentTimeMillis, store);
      }
      return new Running(store, feed, server, metrics);
    } catch (RuntimeException e) {
      if (server != null) {
        server.close();
      }
      feed.close();
      throw e;
    }
  }

  /**
   * A topic's retention as the broker reports it; where the console's principal may not read topic
   * configs (DescribeConfigs denied on a secured cluster), the catalog's, said once on stderr.
   */
  private static long retentionOf(TopicAdmin admin, String topic) {
    String ms;
    try {
      ms = admin.topicConfig(topic, "retention.ms");
    } catch (RuntimeException e) {
      ms = TopicCatalog.builtIn().topic(topic).config().get("retention.ms");
      System.err.printf("console: cannot read retention.ms of %s (%s); forgetting its records after the catalog's %s ms%n",
          topic, e.getMessage(), ms);
    }
    return ms == null ? Long.MAX_VALUE : ConsoleStore.Retention.millis(ms);
  }

  /** What to say when the console serves plain HTTP beyond this machine (allowed: a proxy may terminate TLS); null otherwise. */
  static String plainHttpWarning(String bind, boolean tls) {
    return tls || Access.isLoopback(bind) ? null : "console: plain HTTP on " + bind + ": the token and patient video cross the "
        + "network unencrypted; give --tls-keystore, or serve it behind a proxy that terminates TLS";
  }

  @Override
  public Integer call() throws Exception {
    OptionRange.of(spec).port("--port", port, false).port("--metrics-port", metricsPort, true);
    SSLContext tls;
    try {
      Access.checkBind(bind, token);
      if (tlsKeystore == null && tlsPassword != null) {
        throw new IllegalArgumentException("--tls-password without --tls-keystore: give the keystore it opens");
      }
      tls = tlsKeystore == null ? null
          : Tls.serverContext(tlsKeystore, tlsPassword == null ? new char[0] : tlsPassword.toCharArray());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    String warning = plainHttpWarning(bind, tls != null);
    if (warning != null) {
      spec.commandLine().getErr().println(warning);
      spec.commandLine().getErr().flush();
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (Running console = start(kafka.settings(), bind, port, token, tls, metricsBind, metricsPort)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "console-stop"));
      spec.commandLine().getOut().printf("console on %s://%s:%d/%s%s%n", console.server().scheme(),
          bind.contains(":") ? "[" + bind + "]" : bind, console.server().port(), token != null ? " (add ?token=... to the address)" : "",
          console.metrics() != null ? "; metrics on http://" + metricsBind + ":" + console.metrics().port() + "/metrics" : "");
      spec.commandLine().getOut().flush();
      stop.await();
    }
    return 0;
  }
}
