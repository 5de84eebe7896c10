package org.endowatch.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TestFrames;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reading a recorded procedure back: while retention deletes its oldest records, and past broken ones. */
@ExtendWith(RealKafka.class)
class ProcedureRecordsIT {
  @Test
  void recordsDeletedUnderTheReaderAreSkippedAndTheRestIsStillRead(KafkaCluster kafka) throws Exception {
    String topic = "records-it-" + UUID.randomUUID().toString().substring(0, 8);
    TopicPartition tp = new TopicPartition(topic, 0);
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
      List<Score> scores = LongStream.range(0, 100).mapToObj(i -> Score.scored("proc", i, 1_000 + i, 1_030 + i, 0.1, 0.5, "m")).toList();
      TopicWriter.send(kafka, topic, Topics.SCORES.valueSerde().serializer(), "proc", scores);

      // One record per fetch, so the reader is mid-way when the deletion comes.
      Properties client = kafka.settings().clientProps();
      client.put("max.partition.fetch.bytes", "1");
      client.put("max.poll.records", "1");
      List<Long> read = new ArrayList<>();
      long passed = ProcedureRecords.forEach(client, topic, "proc", Topics.SCORES.valueSerde().deserializer(), 0, r -> {
        read.add(r.offset());
        if (r.offset() == 10) {
          try {
            // As retention does: everything before offset 50 goes.
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(50))).all().get();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });

      assertThat(passed).isEqualTo(read.size());
      assertThat(read).as("the records kept are all read, to the end").containsSubsequence(LongStream.range(50, 100).boxed().toList());
      assertThat(read.get(read.size() - 1)).isEqualTo(99L);
      long beforeGap = read.stream().filter(o -> o < 50).count();
      assertThat(read.subList(0, (int) beforeGap)).as("what was read before the deletion, in order")
          .containsExactlyElementsOf(LongStream.range(0, beforeGap).boxed().toList());
      assertThat(read).hasSize((int) beforeGap + 50);
    }
  }

  @Test
  void brokenRecordsOfOtherProceduresAreNoConcernAndTheProceduresOwnAreSkipped(KafkaCluster kafka) throws Exception {
    // A frames topic of its own, one partition: the shared one is read whole by other tests.
    String topic = "frames-records-it-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    // Frame records without headers (an ingest that lost them): the scorer dead-letters such records.
    byte[] headless = TestFrames.jpeg("x", 0, 1_000, 16, 16).image();
    var raw = new org.apache.kafka.common.serialization.ByteArraySerializer();
    TopicWriter.send(kafka, topic, raw, "other-room", List.of(headless, headless));
    TopicWriter.send(kafka, topic, Topics.FRAMES.valueSerde().serializer(), "room",
        List.of(TestFrames.jpeg("room", 0, 2_000, 16, 16), TestFrames.jpeg("room", 1, 2_040, 16, 16)));
    TopicWriter.send(kafka, topic, raw, "room", List.of(headless));
    TopicWriter.send(kafka, topic, Topics.FRAMES.valueSerde().serializer(), "room", List.of(TestFrames.jpeg("room", 2, 2_080, 16, 16)));

    List<Long> indices = new ArrayList<>();
    long passed = ProcedureRecords.forEach(kafka.settings().clientProps(), topic, "room", Topics.FRAMES.valueSerde().deserializer(), 0,
        r -> indices.add(r.value().frameIndex()));

    assertThat(indices).containsExactly(0L, 1L, 2L);
    assertThat(passed).isEqualTo(3);
    assertThat(ProcedureRecords.forEach(kafka.settings().clientProps(), topic, "other-room", Topics.FRAMES.valueSerde().deserializer(), 0,
        r -> {})).as("nothing of it can be read, and that is not an error").isZero();
  }
}
