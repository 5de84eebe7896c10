package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.contract.Frame;
import org.endowatch.contract.FrameSerde;
import org.endowatch.contract.Topics;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Where a restarted ingest continues when other rooms kept sending to the same partition meanwhile:
 * the procedure's last frame is then further back than one step of the search (a room at 25 fps
 * sends a step's 2,000 frames in 80 s).
 */
@ExtendWith(RealKafka.class)
class ProcedureResumeIT {
  @Test
  void theLastFrameIsFoundBehindSeveralStepsOfOtherProceduresAndABrokenIndexIsNamed(KafkaCluster kafka) throws Exception {
    String topic = "frames-resume-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    Properties p = kafka.settings().clientProps();
    p.put("linger.ms", "20");
    try (KafkaProducer<String, Frame> producer = new KafkaProducer<>(p, new StringSerializer(), Topics.FRAMES.valueSerde().serializer())) {
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>(topic, "room-a", frame("room-a", i)));
      }
      for (int i = 0; i < 2 * ProcedureResume.STEP + 500; i++) {
        producer.send(new ProducerRecord<>(topic, "room-b", frame("room-b", i)));
      }
      producer.flush();
    }

    assertThat(ProcedureResume.find(kafka.settings().clientProps(), topic, "room-a")).isEqualTo(new ProcedureResume.Position(10));
    assertThat(ProcedureResume.find(kafka.settings().clientProps(), topic, "room-b"))
        .isEqualTo(new ProcedureResume.Position(2 * ProcedureResume.STEP + 500));
    assertThat(ProcedureResume.find(kafka.settings().clientProps(), topic, "room-c")).isEqualTo(ProcedureResume.Position.START);

    // A record of the procedure whose index header is not a number: said, with the procedure and topic.
    try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      RecordHeaders headers = new RecordHeaders();
      headers.add(FrameSerde.H_INDEX, "ten".getBytes(StandardCharsets.UTF_8));
      raw.send(new ProducerRecord<>(topic, null, "room-a", new byte[] {1}, headers)).get();
    }
    assertThatThrownBy(() -> ProcedureResume.find(kafka.settings().clientProps(), topic, "room-a"))
        .isInstanceOf(IngestException.class)
        .hasMessage("cannot find where procedure room-a stopped: its record at " + topic + "-0@" + (2 * ProcedureResume.STEP + 510)
            + " has frame.index 'ten', not a frame index (not written by endowatch ingest?); ingest under another --procedure, "
            + "or without --resume");
  }

  private static Frame frame(String procedure, long index) {
    return new Frame(procedure, index, 1_000 + index, 8, 8, Frame.JPEG, "test", new byte[] {1});
  }
}
