package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.endowatch.contract.ModelRelease;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.endowatch.platform.EmbeddedKafkaBroker;
import org.endowatch.testing.SaslPlain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker with ACLs takes the scorer's permission to read the models topic away while it runs,
 * and gives it back: the watcher says so and goes on, and the release published meanwhile is
 * taken once the topic reads again (it used to end the watcher's thread: the scorer scored on and
 * followed no release again until restarted).
 */
class ModelReleasesRefusedIT {
  @Test
  void aReleasePublishedWhileReadingWasRefusedIsTakenOnceItIsAllowedAgain(@TempDir Path dir) throws Exception {
    ModelHolderTest.model(dir.resolve("v1"), "k-1", 0.5);
    ModelManifest v2 = ModelHolderTest.model(dir.resolve("v2"), "k-2", 0.6);
    ModelManifest v3 = ModelHolderTest.model(dir.resolve("v3"), "k-3", 0.7);
    Map<String, String> withAcls = SaslPlain.broker("scorer", "scorer-pw", true);
    Properties admin = SaslPlain.client("admin", "admin-pw");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("kafka"), withAcls, admin, Duration.ofSeconds(90));
         Admin acls = Admin.create(SaslPlain.at(admin, broker.bootstrapServers()))) {
      acls.createTopics(List.of(new NewTopic(Topics.MODELS.name(), 1, (short) 1))).all().get();
      List<AclBinding> scorerReads = List.of(allow(AclOperation.DESCRIBE), allow(AclOperation.READ));
      acls.createAcls(scorerReads).all().get();
      publish(broker, admin, new ModelRelease("k", "k-2", dir.resolve("v2").toString(), v2.parametersSha256(), 1));

      BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
      try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null);
           ModelReleaseWatcher watcher = new ModelReleaseWatcher(
               SaslPlain.at(SaslPlain.client("scorer", "scorer-pw"), broker.bootstrapServers()), holder, o -> outcomes.add(o.message()))) {
        assertThat(watcher.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        assertThat(outcomes.poll(10, TimeUnit.SECONDS)).isEqualTo("switched from k-1 to k-2");

        acls.deleteAcls(scorerReads.stream().map(AclBinding::toFilter).toList()).all().get();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (watcher.unreadable() == null && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        String refused = watcher.unreadable();
        publish(broker, admin, new ModelRelease("k", "k-3", dir.resolve("v3").toString(), v3.parametersSha256(), 2));
        Thread.sleep(2_000);   // polls go on being refused, and nothing is taken meanwhile
        assertThat(holder.get().modelVersion()).isEqualTo("k-2");
        acls.createAcls(scorerReads).all().get();

        assertThat(refused).isEqualTo("Not authorized to access topics: [" + Topics.MODELS.name() + "]");
        assertThat(outcomes.poll(60, TimeUnit.SECONDS)).isEqualTo("switched from k-2 to k-3");
        assertThat(watcher.unreadable()).isNull();
      }
    }
  }

  private static AclBinding allow(AclOperation operation) {
    return new AclBinding(new ResourcePattern(ResourceType.TOPIC, Topics.MODELS.name(), PatternType.LITERAL),
        new AccessControlEntry("User:scorer", "*", operation, AclPermissionType.ALLOW));
  }

  private static void publish(EmbeddedKafkaBroker broker, Properties admin, ModelRelease release) throws Exception {
    Properties p = SaslPlain.at(admin, broker.bootstrapServers());
    try (KafkaProducer<String, ModelRelease> producer = new KafkaProducer<>(p, Topics.MODELS.keySerde().serializer(),
        Topics.MODELS.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(Topics.MODELS.name(), release.modelName(), release)).get();
    }
  }
}
