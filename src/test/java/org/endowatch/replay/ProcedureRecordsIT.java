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
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reading a recorded procedure back while the topic's retention deletes its oldest records. */
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
}
