package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A frame waiting in a backlog (the pending-frames store) when its procedure moves to another
 * scorer. ScorerFailoverIT moves a live procedure, but in none of its loaded runs that were traced
 * was a frame waiting at the moment of the move, so the move of a waiting frame is set up here by
 * hand: the previous owner's last transaction holds the frame in its store's changelog and its
 * consumed offset, and is still undecided (its commit markers not yet written, or its owner killed)
 * when the next owner takes the partition. Committed, the frame must come back with the store and
 * be scored; aborted, it must be read again from the frames topic and scored. Either way once.
 */
@ExtendWith(RealKafka.class)
class HandOverIT {

  @ParameterizedTest(name = "previous owner's last transaction: {0}")
  @ValueSource(strings = {"commit", "abort"})
  void aFrameWaitingWhenItsProcedureMovesGetsExactlyOneOutcome(String decision, KafkaCluster kafka, @TempDir Path dir)
      throws Exception {
    String suffix = "-handover-" + UUID.randomUUID().toString().substring(0, 8);
    ScoringTopology.Outputs outputs = ScoringIT.createTopics(kafka, suffix, 1);
    String input = "frames" + suffix;
    String app = "handover" + suffix;
    // The changelog Kafka Streams would have created for the previous owner.
    String changelog = app + "-" + ScoringTopology.PENDING_STORE + "-changelog";
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new NewTopic(changelog, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
          .all().get();
    }
    TopicWriter.send(kafka, input, Topics.FRAMES.valueSerde().serializer(), "room-h",
        ScoringIT.tinyFrames("room-h", 1, System.currentTimeMillis(), 0));
    ScoringTopology.Pending waiting = firstRecordAsPending(kafka, input);

    Properties pp = kafka.settings().clientProps();
    pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "previous-owner" + suffix);
    FrameScorer scorer = TestScorers.of("h-1", f -> new FrameScorer.Scored(0.2, new float[] {0.2f}, 1));
    try (KafkaProducer<String, byte[]> previous = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());
         ScorerApp next = new ScorerApp(kafka.settings().clientProps(), app, 1, dir.resolve("state"),
             new ScoringTopology.Settings(input, outputs, 0, AlertRule.DEFAULT, 2), () -> scorer, new SimpleMeterRegistry())) {
      // What the previous owner's processor does with a frame that joins a backlog: into the store, offset consumed.
      previous.initTransactions();
      previous.beginTransaction();
      previous.send(new ProducerRecord<>(changelog, 0, waiting.storeKey(),
          JsonSerde.of(ScoringTopology.Pending.class).serializer().serialize(changelog, waiting))).get();
      previous.sendOffsetsToTransaction(Map.of(new TopicPartition(input, 0), new OffsetAndMetadata(waiting.offset() + 1)),
          new ConsumerGroupMetadata(app));

      next.start();
      awaitAssigned(kafka, app, new TopicPartition(input, 0));
      // The next owner has the partition and waits: it neither restores past nor reads after a transaction not yet decided.
      assertThat(next.awaitRunning(Duration.ofSeconds(3))).as("runs before the previous owner's transaction is decided").isFalse();
      if (decision.equals("commit")) {
        previous.commitTransaction();
      } else {
        previous.abortTransaction();
      }

      List<Score> scores = ScoringIT.readCommitted(kafka, outputs.scores(), Topics.SCORES.valueSerde().deserializer(), 1,
          Duration.ofSeconds(60));
      assertThat(scores).extracting(Score::procedureId, Score::frameIndex, Score::isScored, Score::modelVersion)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("room-h", 0L, true, "h-1"));
    }
  }

  /** The frames topic's first record as the processor keeps it while it waits. */
  private static ScoringTopology.Pending firstRecordAsPending(KafkaCluster kafka, String topic) {
    TopicPartition tp = new TopicPartition(topic, 0);
    Properties cp = kafka.settings().clientProps();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      ConsumerRecords<String, byte[]> got = c.poll(Duration.ofSeconds(10));
      assertThat(got.count()).as("the frame written to %s", topic).isEqualTo(1);
      ConsumerRecord<String, byte[]> r = got.iterator().next();
      return new ScoringTopology.Pending(r.key(), r.value(), StreamSupport.stream(r.headers().spliterator(), false)
          .map(h -> new DeadLetter.RawHeader(h.key(), h.value())).toList(), r.timestamp(), topic, r.partition(), r.offset());
    }
  }

  private static void awaitAssigned(KafkaCluster kafka, String group, TopicPartition tp) throws Exception {
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        var d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        if (d.groupState() == GroupState.STABLE
            && d.members().stream().anyMatch(m -> m.assignment().topicPartitions().contains(tp))) {
          return;
        }
        Thread.sleep(100);
      }
    }
    throw new AssertionError("group " + group + " did not assign " + tp + " within 60 s");
  }
}
