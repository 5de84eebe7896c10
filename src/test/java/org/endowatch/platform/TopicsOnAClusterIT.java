package org.endowatch.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
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
 * and a topic with one copy, a scorer's state topic included, is found and copied to more brokers.
 */
class TopicsOnAClusterIT {
  private static final String SCORER_STATE = "old-scorer-alert-state-changelog";

  @Test
  void topicsGetThreeCopiesTwoInSyncAndASingleCopyIsFoundAndCopied(@TempDir Path dir) throws Exception {
    // Kafka's defaults, its abandoned-transaction sweep included, and a group minimum above the scorer's session.
    Map<String, String> config = new java.util.HashMap<>(ThreeBrokers.KAFKA_DEFAULTS);
    config.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "10000");
    config.put("group.min.session.timeout.ms", "7000");
    try (ThreeBrokers brokers = new ThreeBrokers(dir.resolve("kafka"), config);
         Admin admin = Admin.create(KafkaSettings.of(brokers.bootstrapServers()).clientProps())) {
      String bootstrap = brokers.bootstrapServers();
      // As an earlier endowatch, or anyone trusting the cluster's default, would have made them: frames,
      // and the alert state of a scorer that has read it (its group has offsets on frames). Another
      // application's changelog of the same name pattern, with no offsets on frames, is not ours.
      admin.createTopics(List.of(new NewTopic("frames", 6, (short) 1), new NewTopic(SCORER_STATE, 6, (short) 1),
          new NewTopic("elsewhere-alert-state-changelog", 1, (short) 1))).all().get();
      onceKnown(() -> admin.alterConsumerGroupOffsets("old-scorer",
          Map.of(new TopicPartition("frames", 0), new OffsetAndMetadata(0))).all().get());

      Result drift = Cli.run("topics", "check", "--bootstrap", bootstrap);
      assertThat(drift.exitCode()).isEqualTo(1);
      String oneCopy = "replicas 1 < 3 (a cluster of 3 brokers: with fewer copies one broker's loss stops this topic)";
      String sweep = "note: brokers 1, 2, 3: transaction.abort.timed.out.transaction.cleanup.interval.ms is 10000: a scorer "
          + "that dies holds its procedures up to that much longer before another takes them over (1000 recommended; "
          + "docs/OPERATIONS.md, \"When a scorer node dies\")";
      String session = "note: brokers 1, 2, 3: group.min.session.timeout.ms is 7000: scorers (session timeout 6000 ms) "
          + "cannot join their group there unless their --kafka-config sets session.timeout.ms to at least that";
      assertThat(drift.out().lines()).containsExactly(sweep, session,
          "drift: frames: retention.ms is 604800000, catalog says 86400000",
          "drift: frames: max.message.bytes is 1048588, catalog says 4194304",
          "drift: frames: " + oneCopy,
          "drift: procedures: missing",
          "drift: scores: missing",
          "drift: heatmaps: missing",
          "drift: alerts: missing",
          "drift: frames-dlq: missing",
          "drift: models: missing",
          // Its segments as the broker's defaults make them: a GiB or a week before the cleaner may compact.
          "drift: " + SCORER_STATE + ": segment.bytes is 1073741824, catalog says 16777216",
          "drift: " + SCORER_STATE + ": segment.ms is 604800000, catalog says 60000",
          "drift: " + SCORER_STATE + ": " + oneCopy,
          "12 difference(s); 'endowatch topics apply' fixes the fixable ones");

      Result apply = Cli.run("topics", "apply", "--bootstrap", bootstrap);
      assertThat(apply.exitCode()).as(apply.err()).isZero();
      String copying = "replicas 1 -> 3 (Kafka copies the partitions in the background; once 'endowatch topics check' "
          + "shows only min.insync.replicas, apply again to require 2 copies of every write)";
      assertThat(apply.out().lines()).contains("frames: " + copying, SCORER_STATE + ": " + copying,
          SCORER_STATE + ": segment.bytes 1073741824 -> 16777216", SCORER_STATE + ": segment.ms 604800000 -> 60000",
          "created alerts (6 partitions x 3 replicas, 2 in sync, 4 configs)",
          "created models (1 partition x 3 replicas, 2 in sync, 3 configs)");
      awaitCopied(admin, "frames");
      awaitCopied(admin, SCORER_STATE);

      Result isr = Cli.run("topics", "check", "--bootstrap", bootstrap);
      String lone = " with 3 replicas, should be 2 (a write acknowledged by one broker alone is lost with it)";
      assertThat(isr.out().lines()).containsExactly(sweep, session,
          "drift: frames: min.insync.replicas is 1" + lone,
          "drift: " + SCORER_STATE + ": min.insync.replicas is 1" + lone,
          "2 difference(s); 'endowatch topics apply' fixes the fixable ones");
      Result second = Cli.run("topics", "apply", "--bootstrap", bootstrap);
      assertThat(second.out().lines()).containsExactly("frames: min.insync.replicas 1 -> 2",
          SCORER_STATE + ": min.insync.replicas 1 -> 2", "2 change(s) applied");
      Result clean = Cli.run("topics", "check", "--bootstrap", bootstrap);
      assertThat(clean.exitCode()).isZero();
      assertThat(clean.out().lines()).containsExactly(sweep, session, "in sync: 8 topics match the catalog");

      // A rescore's outputs are made like the live ones, copies included.
      try (TopicAdmin topics = new TopicAdmin(KafkaSettings.of(bootstrap), TopicAdmin.DEFAULT_TIMEOUT)) {
        topics.createLike("scores.v2", "scores");
      }
      Set<String> names = Set.of("frames", "procedures", "scores", "heatmaps", "alerts", "frames-dlq", "models", "scores.v2", SCORER_STATE);
      Map<String, TopicDescription> described = onceKnown(() -> admin.describeTopics(names).allTopicNames().get());
      for (TopicDescription d : described.values()) {
        assertThat(d.partitions()).allSatisfy(p -> assertThat(p.replicas()).as(d.name()).hasSize(3));
      }
      // The copies spread: each broker holds 6 of frames' 18 copies.
      assertThat(described.get("frames").partitions().stream().flatMap(p -> p.replicas().stream())
          .collect(Collectors.groupingBy(n -> n.id(), Collectors.counting())).values()).containsOnly(6L);
      List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      assertThat(admin.describeConfigs(resources).all().get().values())
          .allSatisfy(c -> assertThat(c.get("min.insync.replicas").value()).isEqualTo("2"));
      assertThat(admin.describeTopics(List.of("elsewhere-alert-state-changelog")).allTopicNames().get()
          .get("elsewhere-alert-state-changelog").partitions().get(0).replicas()).hasSize(1);
    }
  }

  /**
   * The call's result once the broker it asks knows the topics it names: the controller acknowledges
   * a new topic before every broker knows it, and the admin client may ask another broker (seen:
   * UnknownTopicOrPartition from describing right after createLike, and from setting a group's
   * offsets right after createTopics, at whichever broker coordinates the group).
   */
  private static <T> T onceKnown(java.util.concurrent.Callable<T> call) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        return call.call();
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
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
