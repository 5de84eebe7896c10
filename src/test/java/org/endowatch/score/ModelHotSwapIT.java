package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.testing.Cli;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A release published with {@code models publish} reaches a running scorer, which switches without a restart. */
@ExtendWith(RealKafka.class)
class ModelHotSwapIT {
  @Test
  void aPublishedReleaseIsScoredWithFromTheNextFrameOn(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String suffix = "-swap-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs = ScoringIT.createTopics(kafka, suffix, 1);
    String input = "frames" + suffix;
    createModelsTopic(kafka);
    String name = "swap" + suffix;
    twoVersions(dir, name);

    List<String> outcomes = new CopyOnWriteArrayList<>();
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null);
         ModelReleaseWatcher watcher = new ModelReleaseWatcher(kafka.settings().clientProps(), holder, o -> outcomes.add(o.message()));
         ScorerApp app = new ScorerApp(kafka.settings().clientProps(), "swap" + suffix, 1, dir.resolve("state"),
             new ScoringTopology.Settings(input, outputs, 0, AlertRule.DEFAULT), holder, new SimpleMeterRegistry())) {
      app.start();
      send(kafka, input, 0, 5);
      assertThat(ScoringIT.readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), 5)).hasSize(5);

      var publish = Cli.run("models", "publish", "--bootstrap", kafka.bootstrapServers(), "--model", dir.resolve("v2").toString());
      assertThat(publish.exitCode()).as(publish.err()).isZero();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!holder.get().modelVersion().equals(name + "-2") && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      send(kafka, input, 5, 5);
      List<Score> scores = ScoringIT.readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), 10);

      assertThat(outcomes).contains("switched from " + name + "-1 to " + name + "-2");
      assertThat(scores).extracting(Score::modelVersion).containsExactly(
          name + "-1", name + "-1", name + "-1", name + "-1", name + "-1",
          name + "-2", name + "-2", name + "-2", name + "-2", name + "-2");
      assertThat(scores.get(9).threshold()).isEqualTo(0.6);

      // The unit recalibrates the served model on its own frames, in place, and publishes it again:
      // the same network with new thresholds is a new version, and the scorer switches to it.
      Path unitFrames = Files.createDirectories(dir.resolve("unit-normal"));
      for (int i = 0; i < 6; i++) {
        Files.write(unitFrames.resolve("f" + i + ".jpg"), TestFrames.jpeg("unit", i, 0, 64, 64).image());
      }
      var calibrate = Cli.run("calibrate", "--model", dir.resolve("v2").toString(), "--normal", unitFrames.toString(),
          "--false-alarm-rate", "0.5");
      assertThat(calibrate.exitCode()).as(calibrate.err()).isZero();
      var recalibrated = ModelArtifact.readManifest(dir.resolve("v2"));
      assertThat(recalibrated.version()).startsWith(name + "-2+cal");
      assertThat(recalibrated.imageThreshold()).isNotEqualTo(0.6);
      var again = Cli.run("models", "publish", "--bootstrap", kafka.bootstrapServers(), "--model", dir.resolve("v2").toString());
      assertThat(again.exitCode()).as(again.err()).isZero();
      deadline = System.nanoTime() + 60_000_000_000L;
      while (!holder.get().modelVersion().equals(recalibrated.version()) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      send(kafka, input, 10, 1);
      Score last = ScoringIT.readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), 11).get(10);
      assertThat(outcomes).contains("switched from " + name + "-2 to " + recalibrated.version());
      assertThat(last.modelVersion()).isEqualTo(recalibrated.version());
      assertThat(last.threshold()).isEqualTo(recalibrated.imageThreshold());
    }
  }

  /**
   * The models topic still holds releases that later ones replaced (compaction is lazy): v2, then v3,
   * then v2 again as a roll-back, then v4, whose folder is gone. A scorer starting on v1 tries v4,
   * which it refuses, and then v2, once, where a scorer that had seen them all would be.
   */
  @Test
  void aStartingScorerTakesOnlyTheLatestReleaseOnTheTopic(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String name = "start-" + UUID.randomUUID().toString().substring(0, 8);
    createModelsTopic(kafka);
    for (int v = 1; v <= 4; v++) {
      ModelHolderTest.model(dir.resolve("v" + v), name + "-" + v, 0.5 + v / 10.0);
      rename(dir.resolve("v" + v), name);
    }
    List<Cli.Result> publishes = new java.util.ArrayList<>();
    for (String v : List.of("v2", "v3", "v2")) {
      var publish = Cli.run("models", "publish", "--bootstrap", kafka.bootstrapServers(), "--model", dir.resolve(v).toString());
      assertThat(publish.exitCode()).as(publish.err()).isZero();
      publishes.add(publish);
    }
    String uri2 = dir.resolve("v2").toAbsolutePath().normalize().toUri().toString();
    assertThat(publishes.get(0).out().strip()).isEqualTo("published " + name + " " + name + "-2 (" + uri2 + ")");
    assertThat(publishes.get(0).err().strip()).isEqualTo("note: the first release of " + name + ": only scorers serving a "
        + "model named " + name + " switch to it (train --name sets a model's name; 'endowatch status' shows what scorers serve)");
    assertThat(publishes.get(1).out()).contains("; replaces " + name + "-2");
    assertThat(publishes.get(2).out().strip()).isEqualTo("published " + name + " " + name + "-2 (" + uri2 + "); replaces "
        + name + "-3");
    assertThat(publishes.get(2).err()).isEmpty();
    var list = Cli.run("models", "list", "--bootstrap", kafka.bootstrapServers());
    assertThat(list.exitCode()).as(list.err()).isZero();
    assertThat(list.out().lines().filter(l -> l.startsWith(name + " "))).singleElement().asString()
        .startsWith(name + "  " + name + "-2  " + uri2 + "  published 20");
    ModelHolderTest.model(dir.resolve("raw"), name + "-raw", null);
    var uncalibrated = Cli.run("models", "publish", "--bootstrap", kafka.bootstrapServers(), "--model", dir.resolve("raw").toString());
    assertThat(uncalibrated.exitCode()).isEqualTo(1);
    assertThat(uncalibrated.err().strip()).isEqualTo("endowatch models publish: error: model " + dir.resolve("raw")
        + " is not calibrated: run 'endowatch calibrate' first");
    var gone = Cli.run("models", "publish", "--bootstrap", kafka.bootstrapServers(), "--model", dir.resolve("v4").toString());
    assertThat(gone.exitCode()).as(gone.err()).isZero();
    try (var files = Files.walk(dir.resolve("v4"))) {   // as on a node whose volume lacks it
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    List<String> outcomes = new CopyOnWriteArrayList<>();
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null);
         ModelReleaseWatcher watcher = new ModelReleaseWatcher(kafka.settings().clientProps(), holder, o -> outcomes.add(o.message()))) {
      assertThat(watcher.awaitCaughtUp(java.time.Duration.ofSeconds(30))).isTrue();
      assertThat(holder.get().modelVersion()).isEqualTo(name + "-2");
      assertThat(outcomes).hasSize(2);
      assertThat(outcomes.get(0)).startsWith("refused model " + name + "-4: ").endsWith("; still serving " + name + "-1");
      assertThat(outcomes.get(1)).isEqualTo("switched from " + name + "-1 to " + name + "-2");

      // Then it follows: a release published now is offered as it comes.
      var publish = Cli.run("models", "publish", "--bootstrap", kafka.bootstrapServers(), "--model", dir.resolve("v3").toString());
      assertThat(publish.exitCode()).as(publish.err()).isZero();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (outcomes.size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(outcomes.subList(1, outcomes.size())).containsExactly("switched from " + name + "-1 to " + name + "-2",
          "switched from " + name + "-2 to " + name + "-3");
    }
  }

  /**
   * A cluster set up by hand may get its models topic only after the scorer started: the scorer
   * scores meanwhile, and follows the topic once it exists (its watcher used to die on the spot,
   * so such a scorer never took a release).
   */
  @Test
  void aScorerStartedBeforeTheModelsTopicFollowsItOnceItExists(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String name = "late-" + UUID.randomUUID().toString().substring(0, 8);
    var topic = Topics.MODELS.renamed("models-" + name);
    twoVersions(dir, name);
    List<String> outcomes = new CopyOnWriteArrayList<>();
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null);
         ModelReleaseWatcher watcher = new ModelReleaseWatcher(kafka.settings().clientProps(), holder,
             o -> outcomes.add(o.message()), topic)) {
      assertThat(watcher.topicFound()).isFalse();
      assertThat(watcher.awaitCaughtUp(java.time.Duration.ofSeconds(5))).as("nothing to wait for").isTrue();

      try (Admin admin = Admin.create(kafka.settings().clientProps())) {
        admin.createTopics(List.of(new NewTopic(topic.name(), 1, (short) 1))).all().get();
      }
      Properties pp = kafka.settings().clientProps();
      try (var producer = new KafkaProducer<>(pp, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
        var m = ModelArtifact.readManifest(dir.resolve("v2"));
        producer.send(new ProducerRecord<>(topic.name(), name, new org.endowatch.contract.ModelRelease(name, m.version(),
            dir.resolve("v2").toUri().toString(), m.parametersSha256(), System.currentTimeMillis()))).get();
      }
      // Found on the next look (every 10 s), read from its start: the release published before that is taken.
      long deadline = System.nanoTime() + ModelReleaseWatcher.TOPIC_RECHECK.multipliedBy(3).toNanos();
      while (outcomes.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(outcomes).containsExactly("switched from " + name + "-1 to " + name + "-2");
      assertThat(holder.get().modelVersion()).isEqualTo(name + "-2");
    }
  }

  /**
   * A tombstone withdraws a name's earlier releases (a starting scorer takes none of them), and a
   * record that is no release is passed over: the watcher goes on to the next release.
   */
  @Test
  void aWithdrawnNameIsNotTakenAtStartAndAnUnreadableReleaseIsPassedOver(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    String name = "gone-" + UUID.randomUUID().toString().substring(0, 8);
    var topic = Topics.MODELS.renamed("models-" + name);
    twoVersions(dir, name);
    var m = ModelArtifact.readManifest(dir.resolve("v2"));
    var release = new org.endowatch.contract.ModelRelease(name, m.version(), dir.resolve("v2").toUri().toString(),
        m.parametersSha256(), System.currentTimeMillis());
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new NewTopic(topic.name(), 1, (short) 1))).all().get();
    }
    Properties pp = kafka.settings().clientProps();
    try (var producer = new KafkaProducer<>(pp, topic.keySerde().serializer(),
        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic.name(), name, topic.valueSerde().serializer().serialize(topic.name(), release))).get();
      producer.send(new ProducerRecord<>(topic.name(), name, null)).get();
      producer.send(new ProducerRecord<>(topic.name(), name, "{not a release".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
    }
    List<String> outcomes = new CopyOnWriteArrayList<>();
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null);
         ModelReleaseWatcher watcher = new ModelReleaseWatcher(kafka.settings().clientProps(), holder,
             o -> outcomes.add(o.message()), topic)) {
      assertThat(watcher.awaitCaughtUp(java.time.Duration.ofSeconds(30))).isTrue();
      assertThat(outcomes).isEmpty();
      assertThat(holder.get().modelVersion()).isEqualTo(name + "-1");

      try (var producer = new KafkaProducer<>(pp, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
        producer.send(new ProducerRecord<>(topic.name(), name, release)).get();
      }
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (outcomes.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(outcomes).containsExactly("switched from " + name + "-1 to " + name + "-2");
    }
  }

  private static void createModelsTopic(KafkaCluster kafka) throws Exception {
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      if (!admin.listTopics().names().get().contains("models")) {
        admin.createTopics(List.of(new NewTopic("models", 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
            .all().get();
      }
    }
  }

  /** Versions {@code <name>-1} (threshold 0.5) and {@code -2} (0.6) of a model named {@code name}, in dir/v1 and dir/v2. */
  private static void twoVersions(Path dir, String name) {
    ModelHolderTest.model(dir.resolve("v1"), name + "-1", 0.5);
    rename(dir.resolve("v1"), name);
    ModelHolderTest.model(dir.resolve("v2"), name + "-2", 0.6);
    rename(dir.resolve("v2"), name);
  }

  /** Gives a test model the name releases are matched on. */
  private static void rename(Path dir, String name) {
    var m = ModelArtifact.readManifest(dir);
    ModelArtifact.writeManifest(dir, new org.endowatch.model.ModelManifest(m.format(), name, m.version(), m.config(),
        m.maskSchedule(), m.imagePooling(), m.imageThreshold(), m.patchThreshold(), m.calibration(), m.training(),
        m.djlVersion(), m.engineVersion(), m.createdAt(), m.parametersFile(), m.parametersSha256()));
  }

  private static void send(KafkaCluster kafka, String topic, int from, int count) throws Exception {
    Properties pp = kafka.settings().clientProps();
    pp.put("enable.idempotence", true);
    try (KafkaProducer<String, Frame> p =
        new KafkaProducer<>(pp, Topics.FRAMES.keySerde().serializer(), Topics.FRAMES.valueSerde().serializer())) {
      for (int i = from; i < from + count; i++) {
        p.send(new ProducerRecord<>(topic, "room", TestFrames.jpeg("room", i, System.currentTimeMillis(), 64, 64))).get();
      }
    }
  }
}
