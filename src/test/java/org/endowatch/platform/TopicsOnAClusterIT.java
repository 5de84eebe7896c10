package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.endowatch.config.KafkaSettings;
import org.endowatch.testing.Cli;
import org.endowatch.testing.Cli.Result;
import org.endowatch.testing.ThreeBrokers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code topics apply} and {@code check} on a three-broker cluster left at Kafka's defaults (one
 * copy of a topic that does not say otherwise, one in sync): topics get three copies, two in sync,
 * and a topic that has one copy is found and copied to more brokers.
 */
class TopicsOnAClusterIT {
  @Test
  void topicsGetThreeCopiesTwoInSyncAndASingleCopyIsFoundAndCopied(@TempDir Path dir) throws Exception {
    Path catalog = dir.resolve("catalog.yaml");
    Files.writeString(catalog, Files.readString(Path.of("topics/catalog.yaml")).replace("- name: ", "- name: c-"));
    try (ThreeBrokers brokers = new ThreeBrokers(dir.resolve("kafka"), ThreeBrokers.KAFKA_DEFAULTS);
         Admin admin = Admin.create(KafkaSettings.of(brokers.bootstrapServers()).clientProps())) {
      String bootstrap = brokers.bootstrapServers();
      // As an earlier endowatch, or anyone trusting the cluster's default, would have made it.
      admin.createTopics(List.of(new NewTopic("c-frames", 6, (short) 1))).all().get();

      Result drift = Cli.run("topics", "check", "--bootstrap", bootstrap, "--catalog", catalog.toString());
      assertThat(drift.exitCode()).isEqualTo(1);
      assertThat(drift.out().lines().filter(l -> l.startsWith("drift: c-frames:"))).containsExactly(
          "drift: c-frames: retention.ms is 604800000, catalog says 86400000",
          "drift: c-frames: max.message.bytes is 1048588, catalog says 4194304",
          "drift: c-frames: replicas 1 < 3 (a cluster of 3 brokers: with fewer copies one broker's loss stops this topic)");

      Result apply = Cli.run("topics", "apply", "--bootstrap", bootstrap, "--catalog", catalog.toString());
      assertThat(apply.exitCode()).as(apply.err()).isZero();
      assertThat(apply.out().lines()).contains(
          "c-frames: replicas 1 -> 3 (Kafka copies the partitions in the background; once 'endowatch topics check' shows "
              + "only min.insync.replicas, apply again to require 2 copies of every write)",
          "created c-alerts (6 partitions x 3 replicas, 2 in sync, 4 configs)",
          "created c-models (1 partitions x 3 replicas, 2 in sync, 3 configs)");
      awaitCopied(admin, "c-frames");

      Result isr = Cli.run("topics", "check", "--bootstrap", bootstrap, "--catalog", catalog.toString());
      assertThat(isr.out().lines()).containsExactly(
          "drift: c-frames: min.insync.replicas is 1 with 3 replicas, should be 2 (a write acknowledged by one broker alone "
              + "is lost with it)",
          "1 difference(s); 'endowatch topics apply' fixes the fixable ones");
      Result second = Cli.run("topics", "apply", "--bootstrap", bootstrap, "--catalog", catalog.toString());
      assertThat(second.out().lines()).containsExactly("c-frames: min.insync.replicas 1 -> 2", "1 change(s) applied");
      Result clean = Cli.run("topics", "check", "--bootstrap", bootstrap, "--catalog", catalog.toString());
      assertThat(clean.exitCode()).isZero();
      assertThat(clean.out().strip()).isEqualTo("in sync: 6 topics match the catalog");

      // A rescore's outputs are made like the live ones, copies included.
      try (TopicAdmin topics = new TopicAdmin(KafkaSettings.of(bootstrap), TopicAdmin.DEFAULT_TIMEOUT)) {
        topics.createLike("c-scores.v2", "c-scores");
      }
      Set<String> names = Set.of("c-frames", "c-scores", "c-heatmaps", "c-alerts", "c-frames-dlq", "c-models", "c-scores.v2");
      Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
      for (TopicDescription d : described.values()) {
        assertThat(d.partitions()).allSatisfy(p -> assertThat(p.replicas()).as(d.name()).hasSize(3));
      }
      // The copies spread: each broker holds 6 of frames' 18 copies.
      assertThat(described.get("c-frames").partitions().stream().flatMap(p -> p.replicas().stream())
          .collect(Collectors.groupingBy(n -> n.id(), Collectors.counting())).values()).containsOnly(6L);
      List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      assertThat(admin.describeConfigs(resources).all().get().values())
          .allSatisfy(c -> assertThat(c.get("min.insync.replicas").value()).isEqualTo("2"));
    }
  }

  /** Until no partition of {@code topic} is being copied and every copy is in sync. */
  private static void awaitCopied(Admin admin, String topic) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      boolean moving = !admin.listPartitionReassignments().reassignments().get().isEmpty();
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      if (!moving && d.partitions().stream().allMatch(p -> p.isr().size() == 3)) {
        return;
      }
      assertThat(System.nanoTime()).as("%s copied within 60 s", topic).isLessThan(deadline);
      Thread.sleep(200);
    }
  }
}
