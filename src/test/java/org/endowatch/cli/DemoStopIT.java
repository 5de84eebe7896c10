package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Topics;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo stopped while an alert is open, against a broker that outlives it ({@code --bootstrap}):
 * the demo's scorer goes only once that alert has its end on {@code alerts}, so what others read of
 * the demo has no alert without an end; and the scorer's state goes with the demo. Its scorer left
 * the cluster's own procedures alone: they have their own scorer.
 */
@ExtendWith(RealKafka.class)
class DemoStopIT {
  @Test
  void anAlertOpenWhenTheDemoStopsHasItsEndOnAlerts(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    long since = System.currentTimeMillis();
    StringWriter log = new StringWriter();
    // Budget 0: every frame is scored, so on a loaded machine the scorer falls seconds behind the
    // players, as a scorer that cannot keep up does, and still has frames to score when they stop
    // (with the live budget it skips what it cannot reach, and ended the alert in time anyway).
    DemoCommand.Running demo = DemoCommand.start(new DemoCommand.Options(dir, kafka.bootstrapServers(), 0, 1, 12, 0,
        null, null, null), new PrintWriter(log, true));
    String procedure = demo.procedures() + "1-1";
    String theirs = "room-" + UUID.randomUUID();
    List<AlertEvent> seen = new ArrayList<>();
    boolean closed = false;
    try (KafkaConsumer<String, AlertEvent> alerts = consumer(kafka)) {
      assertThat(demo.procedures()).matches("demo-[0-9a-f]{4}-");
      // A procedure of the cluster's: a frame whose image does not decode, which any scorer reading it
      // dead-letters (a frame all the same: other tests read frames with its deserializer).
      TopicWriter.send(kafka, Topics.FRAMES.name(), Topics.FRAMES.valueSerde().serializer(), theirs,
          List.of(new Frame(theirs, 0, System.currentTimeMillis(), 64, 48, Frame.JPEG, "test", new byte[] {1, 2, 3})));
      long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
      while (seen.stream().noneMatch(e -> e.type().equals(AlertEvent.START)) && System.nanoTime() < deadline) {
        alerts.poll(Duration.ofMillis(50)).forEach(r -> {
          if (procedure.equals(r.key()) && r.timestamp() >= since) {
            seen.add(r.value());
          }
        });
      }
      assertThat(seen).as("an alert on %s within 3 minutes; demo: %s", procedure, log).extracting(AlertEvent::type)
          .contains(AlertEvent.START);

      demo.close();
      closed = true;

      long settle = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while (System.nanoTime() < settle) {
        alerts.poll(Duration.ofMillis(200)).forEach(r -> {
          if (procedure.equals(r.key()) && r.timestamp() >= since) {
            seen.add(r.value());
          }
        });
      }
    } finally {
      if (!closed) {
        demo.close();
      }
    }
    // Every alert has its end: the one open when the players stopped, and any the scorer, seconds
    // behind, raised and ended from the frames it still had to score (the video's next lesion, in a
    // CI run). Each ends at the recording's end, or by its scores where the lesion left the view first.
    List<AlertEvent> startsAndEnds = seen.stream().filter(e -> !e.type().equals(AlertEvent.UPDATE)).toList();
    assertThat(startsAndEnds).as("demo: %s", log).hasSizeGreaterThanOrEqualTo(2);
    assertThat(startsAndEnds.size() % 2).as("starts and ends: %s", startsAndEnds).isZero();
    for (int i = 0; i < startsAndEnds.size(); i += 2) {
      AlertEvent start = startsAndEnds.get(i);
      AlertEvent end = startsAndEnds.get(i + 1);
      assertThat(List.of(start.type(), end.type())).isEqualTo(List.of(AlertEvent.START, AlertEvent.END));
      assertThat(end.alertId()).isEqualTo(start.alertId());
      assertThat(end.endReason()).isIn(AlertEvent.RECORDING_ENDED, AlertEvent.SCORES_FELL);
    }

    // The demo's scorer read every partition from a minute back: the cluster's procedure got no outcome from it.
    assertThat(recordsOf(kafka, Topics.SCORES.name(), procedure)).isPositive();
    assertThat(recordsOf(kafka, Topics.SCORES.name(), theirs)).isZero();
    assertThat(recordsOf(kafka, Topics.FRAMES_DLQ.name(), theirs)).isZero();

    // Its scorer's offsets and changelogs went with it: `status` lists no scorer of a demo long gone.
    Matcher removed = Pattern.compile("demo: removed its scorer's state from \\S+ \\(group (endowatch-demo-\\d+), "
        + "(\\1-alert-state-changelog), (\\1-pending-frames-changelog)\\)\n").matcher(log.toString());
    assertThat(removed.find()).as("demo: %s", log).isTrue();
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      assertThat(admin.listGroups().all().get()).extracting(g -> g.groupId()).doesNotContain(removed.group(1));
      assertThat(admin.listTopics().names().get()).doesNotContain(removed.group(2), removed.group(3));
    }
  }

  /** How many committed records of {@code procedure} {@code topic} holds, read to its end as `alerts` and `dead-letters` read. */
  private static int recordsOf(KafkaCluster kafka, String topic, String procedure) {
    Properties cp = kafka.settings().clientProps();
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    PrintWriter none = new PrintWriter(Writer.nullWriter());
    return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      AtomicInteger n = new AtomicInteger();
      try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer())) {
        OutputTopicRead.read(c, topic, OutputTopicRead.assign(c, topic, procedure, 0), procedure, null,
            new ByteArrayDeserializer(), "demo-stop-it", none, none, (key, value) -> n.incrementAndGet());
      }
      return n.get();
    }, topic + " read to its end within 60 s");
  }

  private static KafkaConsumer<String, AlertEvent> consumer(KafkaCluster kafka) {
    Properties cp = kafka.settings().clientProps();
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, "demo-stop-" + UUID.randomUUID());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaConsumer<String, AlertEvent> c = new KafkaConsumer<>(cp, new StringDeserializer(),
        Topics.ALERTS.valueSerde().deserializer());
    c.subscribe(List.of(Topics.ALERTS.name()));
    return c;
  }
}
