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
      assertThat(apply.out()).contains("7 change(s) applied");

      p.destroy(); // SIGTERM
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).anyMatch(l -> l.contains("Kafka broker on port") && l.endsWith("stopped"));
    assertThat(lines).noneMatch(l -> l.contains("Exception"));
  }

  /** {@code broker --nodes 3}: three nodes on consecutive client ports, every topic three copies, two in sync. */
  @Test
  void threeNodesReplicateThreeWaysAndStopTogetherOnSigterm(@TempDir Path dir) throws Exception {
    String jar = System.getProperty("endowatch.jar", "target/endowatch.jar");
    int port = threeFreePorts();
    Path log = dir.resolve("broker.log");
    Process p = new ProcessBuilder("java", "-Dai.djl.offline=true", "-jar", jar, "broker", "--nodes", "3", "--port",
        String.valueOf(port), "--data-dir", dir.resolve("data").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    String bootstrap = "127.0.0.1:" + port + ",127.0.0.1:" + (port + 1) + ",127.0.0.1:" + (port + 2);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (Files.readAllLines(log).stream().noneMatch(l -> l.startsWith("Kafka cluster of 3 nodes listening on "))
          && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(100);
      }
      assertThat(Files.readAllLines(log)).as("broker output").contains("Kafka cluster of 3 nodes listening on " + bootstrap
          + " (data in " + dir.resolve("data") + "); every topic has 3 replicas, 2 in sync; Ctrl-C or SIGTERM stops it");
      try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
        assertThat(admin.describeCluster().nodes().get()).hasSize(3);
        assertThat(admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get().get("__consumer_offsets")
            .partitions()).hasSize(5).allSatisfy(pi -> assertThat(pi.replicas()).hasSize(3));
      }
      var apply = Cli.run("topics", "apply", "--bootstrap", bootstrap);
      assertThat(apply.exitCode()).as(apply.err()).isZero();
      assertThat(apply.out()).contains("created frames (6 partitions x 3 replicas, 2 in sync, 5 configs)");

      p.destroy(); // SIGTERM
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    assertThat(Files.readAllLines(log).stream().filter(l -> l.contains("Kafka broker on port") && l.endsWith("stopped")))
        .hasSize(3);
  }

  /** A port whose next two are free too, for --nodes 3. */
  private static int threeFreePorts() throws Exception {
    for (int i = 0; i < 50; i++) {
      try (java.net.ServerSocket a = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
        int p = a.getLocalPort();
        if (p > 65533) {
          continue;
        }
        try (var b = new java.net.ServerSocket(p + 1, 1, java.net.InetAddress.getByName("127.0.0.1"));
             var c = new java.net.ServerSocket(p + 2, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
          return p;
        } catch (java.io.IOException taken) {
          // try another
        }
      }
    }
    throw new IllegalStateException("no three consecutive free ports in 50 tries");
  }
}
