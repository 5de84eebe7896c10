package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.endowatch.testing.Cli;
import org.endowatch.testing.Cli.Result;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(RealKafka.class)
class TopicsCommandIT {

  @Test
  void applyCreatesTheCatalogThenChangesNothingAndCheckIsClean(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    // A private copy of the catalog with prefixed names, so other ITs on the same broker don't interfere.
    Path catalog = dir.resolve("catalog.yaml");
    Files.writeString(catalog, Files.readString(Path.of("topics/catalog.yaml")).replace("- name: ", "- name: t1-"));

    Result first = Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers(), "--catalog", catalog.toString());
    Result second = Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers(), "--catalog", catalog.toString());
    Result check = Cli.run("topics", "check", "--bootstrap", kafka.bootstrapServers(), "--catalog", catalog.toString());

    assertThat(first.exitCode()).isZero();
    assertThat(first.out().lines()).containsExactly(
        "created t1-frames (6 partitions x 1 replica, 5 configs)",
        "created t1-procedures (6 partitions x 1 replica, 4 configs)",
        "created t1-scores (6 partitions x 1 replica, 4 configs)",
        "created t1-heatmaps (6 partitions x 1 replica, 4 configs)",
        "created t1-alerts (6 partitions x 1 replica, 4 configs)",
        "created t1-frames-dlq (6 partitions x 1 replica, 4 configs)",
        "created t1-models (1 partition x 1 replica, 3 configs)",
        "7 change(s) applied");
    assertThat(second.exitCode()).isZero();
    assertThat(second.out().strip()).isEqualTo("nothing to change: 7 topics already match the catalog");
    assertThat(check.exitCode()).isZero();
    assertThat(check.out().strip()).isEqualTo("in sync: 7 topics match the catalog");
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      var models = new ConfigResource(ConfigResource.Type.TOPIC, "t1-models");
      assertThat(admin.describeConfigs(List.of(models)).all().get().get(models).get("cleanup.policy").value())
          .isEqualTo("compact");
    }
  }

  @Test
  void checkReportsDriftAndApplyFixesIt(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    Path catalog = dir.resolve("catalog.yaml");
    String base = Files.readString(Path.of("topics/catalog.yaml")).replace("- name: ", "- name: t2-");
    Files.writeString(catalog, base);
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers(), "--catalog", catalog.toString())
        .exitCode()).isZero();
    Files.writeString(catalog, base.replaceAll("retention.ms: \"604800000\".*\n", "retention.ms: \"1000\"\n")
        .replace("partitions: 1\n", "partitions: 2\n"));

    Result drift = Cli.run("topics", "check", "--bootstrap", kafka.bootstrapServers(), "--catalog", catalog.toString());
    Result fix = Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers(), "--catalog", catalog.toString());
    Result clean = Cli.run("topics", "check", "--bootstrap", kafka.bootstrapServers(), "--catalog", catalog.toString());

    assertThat(drift.exitCode()).isEqualTo(1);
    assertThat(drift.out().lines()).containsExactly(
        "drift: t2-scores: retention.ms is 604800000, catalog says 1000",
        "drift: t2-frames-dlq: retention.ms is 604800000, catalog says 1000",
        "drift: t2-models: partitions 1 < 2",
        "3 difference(s); 'endowatch topics apply' fixes the fixable ones");
    assertThat(fix.out().lines()).containsExactly(
        "t2-scores: retention.ms 604800000 -> 1000",
        "t2-frames-dlq: retention.ms 604800000 -> 1000",
        "t2-models: partitions 1 -> 2",
        "3 change(s) applied");
    assertThat(clean.exitCode()).isZero();
  }

  @Test
  void unreachableBrokerFailsWithinTheTimeoutWithOneLine() {
    long start = System.nanoTime();
    Result r = Cli.run("topics", "check", "--bootstrap", "127.0.0.1:1", "--timeout-s", "3");
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("endowatch topics check: error: cannot reach Kafka at 127.0.0.1:1 within 3 s "
        + "(could not list topics); check --bootstrap and that the broker is running");
    // A bound on "bounded", not a timing measurement: 3 s timeout, generous slack for a slow CI.
    assertThat(seconds).isLessThan(30);
  }

  @Test
  void theEmbeddedBrokerListensOnLoopbackOnly(@TempDir Path dir) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir, Map.of(), java.time.Duration.ofSeconds(90))) {
      assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + broker.port());
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address.isLoopbackAddress() || !(address instanceof Inet4Address)) {
            continue;
          }
          for (int port : new int[] {broker.port(), broker.controllerPort()}) {
            try (Socket s = new Socket()) {
              s.connect(new InetSocketAddress(address, port), 1_000);
              throw new AssertionError("broker port " + port + " reachable on " + address);
            } catch (java.io.IOException expected) {
              // refused: not listening on that interface
            }
          }
        }
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", broker.port()), 1_000);
      }
    }
  }
}
