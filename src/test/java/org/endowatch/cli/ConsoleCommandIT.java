package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.endowatch.console.ConsoleStore;
import org.endowatch.contract.Topics;
import org.endowatch.testing.Cli;
import org.endowatch.testing.Scrape;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A console learns how long to keep what it shows from the broker's topic configs, not from the catalog. */
@ExtendWith(RealKafka.class)
class ConsoleCommandIT {
  @Test
  void theConsoleForgetsWithTheRetentionTheBrokerReports(KafkaCluster kafka) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      // A unit that keeps its frames 3 days instead of the catalog's 1 (longer, so other tests lose nothing).
      setFramesRetention(admin, "259200000");
      try (ConsoleCommand.Running console = ConsoleCommand.start(kafka.settings(), "127.0.0.1", 0, null)) {
        assertThat(console.store().retention()).isEqualTo(
            new ConsoleStore.Retention(259_200_000L, 86_400_000L, 604_800_000L, 2_592_000_000L));
      } finally {
        setFramesRetention(admin, "86400000");
      }
    }
  }

  @Test
  void withAMetricsPortTheConsoleSaysToPrometheusWhetherItIsCurrent(KafkaCluster kafka) throws Exception {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    try (ConsoleCommand.Running console = ConsoleCommand.start(kafka.settings(), "127.0.0.1", 0, null, null, "127.0.0.1", 0)) {
      assertThat(console.metrics().port()).isNotEqualTo(console.server().port());
      long deadline = System.nanoTime() + 30_000_000_000L;
      String scraped = Scrape.of(console.metrics().port());
      while (Scrape.value(scraped, "endowatch_console_source_state{state=\"ok\"}") != 1.0) {
        assertThat(System.nanoTime()).as("console state ok within 30 s; last scrape:\n" + scraped).isLessThan(deadline);
        Thread.sleep(200);
        scraped = Scrape.of(console.metrics().port());
      }
      assertThat(Scrape.value(scraped, "endowatch_console_not_updating_seconds")).isEqualTo(0.0);
      assertThat(Scrape.value(scraped, "endowatch_console_partitions_offline")).isEqualTo(0.0);
      assertThat(scraped).contains("jvm_memory_used_bytes");   // the JVM's too, as every service's /metrics
    }
    // Without one (the default), none is served.
    try (ConsoleCommand.Running console = ConsoleCommand.start(kafka.settings(), "127.0.0.1", 0, null)) {
      assertThat(console.metrics()).isNull();
    }
  }

  private static void setFramesRetention(Admin admin, String ms) throws Exception {
    ConfigResource frames = new ConfigResource(ConfigResource.Type.TOPIC, Topics.FRAMES.name());
    admin.incrementalAlterConfigs(Map.of(frames,
        List.of(new AlterConfigOp(new ConfigEntry("retention.ms", ms), AlterConfigOp.OpType.SET)))).all().get();
    // The change reaches the broker's metadata a moment after the call returns.
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!ms.equals(admin.describeConfigs(List.of(frames)).all().get().get(frames).get("retention.ms").value())) {
      assertThat(System.nanoTime()).as("retention.ms of frames set to " + ms).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
