package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.endowatch.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code broker} command as users run it: a child JVM from the built jar, stopped by SIGTERM. */
class BrokerProcessIT {

  @Test
  void brokerCommandServesTopicsAndStopsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
    String jar = System.getProperty("endowatch.jar", "target/endowatch.jar");
    // Output goes to a file: Process.destroy() closes the pipes, which would lose the last lines.
    Path log = dir.resolve("broker.log");
    Process p = new ProcessBuilder("java", "-Dai.djl.offline=true", "-jar", jar, "broker", "--port", "0",
        "--data-dir", dir.resolve("data").toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      String bootstrap = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (bootstrap == null && System.nanoTime() < deadline && p.isAlive()) {
        bootstrap = Files.readAllLines(log).stream().filter(l -> l.startsWith("Kafka broker listening on "))
            .map(l -> l.substring("Kafka broker listening on ".length()).split(" ")[0]).findFirst().orElse(null);
        Thread.sleep(100);
      }
      assertThat(bootstrap).as("broker output: %s", Files.readString(log)).startsWith("127.0.0.1:");

      // Ready means ready for consumer groups and for the scorer's transactions.
      try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
        assertThat(admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get().get("__consumer_offsets")
            .partitions()).hasSize(5);
        var broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        assertThat(admin.describeConfigs(List.of(broker)).all().get().get(broker)
            .get("add.partitions.to.txn.retry.backoff.max.ms").value()).isEqualTo("2000");
      }

      var apply = Cli.run("topics", "apply", "--bootstrap", bootstrap);
      assertThat(apply.exitCode()).isZero();
      assertThat(apply.out()).contains("6 change(s) applied");

      p.destroy(); // SIGTERM
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).anyMatch(l -> l.contains("Kafka broker on port") && l.endsWith("stopped"));
    assertThat(lines).noneMatch(l -> l.contains("Exception"));
  }
}
