package org.endowatch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;
import org.endowatch.platform.EmbeddedKafkaBroker;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * JUnit 5 extension that gives an {@code *IT} a real broker, one per test JVM (startup is the slow
 * part): Testcontainers' Kafka when a Docker daemon answers, otherwise the embedded KRaft broker
 * that production uses for the demo. {@code ENDOWATCH_TEST_BROKER=embedded|docker} forces one.
 * Declare a {@link KafkaCluster} parameter to receive it.
 */
public final class RealKafka implements ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RealKafka.class);

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
    return p.getParameter().getType() == KafkaCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext c) {
    return c.getRoot().getStore(NS).getOrComputeIfAbsent("cluster", k -> start(), Handle.class).cluster;
  }

  /** Closed by JUnit when the root context ends, i.e. once per JVM. */
  private record Handle(KafkaCluster cluster, AutoCloseable closer) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      closer.close();
    }
  }

  private static Handle start() {
    String forced = System.getenv().getOrDefault("ENDOWATCH_TEST_BROKER", "");
    boolean docker = forced.equals("docker") || (!forced.equals("embedded") && dockerAvailable());
    if (docker) {
      KafkaContainer container = new KafkaContainer("apache/kafka:4.1.0");
      container.start();
      return new Handle(KafkaCluster.of(container.getBootstrapServers(), "testcontainers apache/kafka"), container::stop);
    }
    try {
      Path dir = Files.createTempDirectory("endowatch-it-broker");
      EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir, Map.of(), Duration.ofSeconds(90));
      // The broker's log goes with it: each test JVM left ~13 MB in /tmp before.
      return new Handle(KafkaCluster.of(broker.bootstrapServers(), "embedded KRaft"), () -> {
        broker.close();
        Utils.delete(dir.toFile());
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean dockerAvailable() {
    // Ask Testcontainers only when a daemon could be there: its probe logs errors otherwise.
    if (System.getenv("DOCKER_HOST") == null && !java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError | java.util.ServiceConfigurationError e) {
      // A broken or absent Docker setup means "no Docker", never a failed test run.
      return false;
    }
  }
}
