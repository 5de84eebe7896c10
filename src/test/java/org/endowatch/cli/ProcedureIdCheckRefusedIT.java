package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;
import org.endowatch.platform.EmbeddedKafkaBroker;
import org.endowatch.testing.SaslPlain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ingest principal allowed to write the frames and procedures topics but not to read them (a
 * cluster secured before the check existed): the procedure-id check cannot be made, says so in one
 * note, and does not keep the recording from starting. Granted READ, the same check reads the id's
 * recording.
 */
class ProcedureIdCheckRefusedIT {
  @Test
  void aCheckThePrincipalMayNotMakeIsSaidAndDoesNotStopTheRecording(@TempDir Path dir) throws Exception {
    Map<String, String> withAcls = SaslPlain.broker("ingest", "ingest-pw", true);
    Properties admin = SaslPlain.client("admin", "admin-pw");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dir.resolve("kafka"), withAcls, admin, Duration.ofSeconds(90));
         Admin acls = Admin.create(SaslPlain.at(admin, broker.bootstrapServers()))) {
      acls.createTopics(List.of(new NewTopic(Topics.FRAMES.name(), 2, (short) 1),
          new NewTopic(Topics.PROCEDURES.name(), 2, (short) 1))).all().get();
      List<AclBinding> writeOnly = new ArrayList<>();
      for (String topic : List.of(Topics.FRAMES.name(), Topics.PROCEDURES.name())) {
        writeOnly.add(allow(topic, AclOperation.DESCRIBE));
        writeOnly.add(allow(topic, AclOperation.WRITE));
      }
      acls.createAcls(writeOnly).all().get();
      try (KafkaProducer<String, ProcedureEvent> producer = new KafkaProducer<>(SaslPlain.at(admin, broker.bootstrapServers()),
          new org.apache.kafka.common.serialization.StringSerializer(), Topics.PROCEDURES.valueSerde().serializer())) {
        producer.send(new ProducerRecord<>(Topics.PROCEDURES.name(), "room-3",
            ProcedureEvent.ended("room-3", 1_764_400_000_000L, "v4l2:/dev/video0", 10, ProcedureEvent.SOURCE_ENDED))).get();
      }
      Properties ingest = SaslPlain.at(SaslPlain.client("ingest", "ingest-pw"), broker.bootstrapServers());

      StringWriter refused = new StringWriter();
      ProcedureIdCheck.check(ingest, Topics.FRAMES.name(), "room-3", "--procedure", false, new PrintWriter(refused, true));
      acls.createAcls(List.of(allow(Topics.PROCEDURES.name(), AclOperation.READ))).all().get();
      StringWriter allowed = new StringWriter();
      ProcedureIdCheck.check(ingest, Topics.FRAMES.name(), "room-3", "--procedure", false, new PrintWriter(allowed, true));

      assertThat(refused.toString().strip()).isEqualTo("note: cannot check whether another ingest records under procedure "
          + "room-3 now (reading procedures and frames: Not authorized to access topics: [procedures]); going on");
      assertThat(allowed.toString().strip()).startsWith("note: procedure room-3 was recorded before (ended ")
          .endsWith(": source ended): this recording's frames join it under the same id (consoles, replay and training see "
              + "one procedure); another --procedure keeps them apart");
    }
  }

  private static AclBinding allow(String topic, AclOperation operation) {
    return new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
        new AccessControlEntry("User:ingest", "*", operation, AclPermissionType.ALLOW));
  }
}
