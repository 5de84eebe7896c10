package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.endowatch.console.AlertLines;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Topics;
import org.endowatch.platform.EmbeddedKafkaBroker;
import org.endowatch.testing.Cli;
import org.endowatch.testing.FileWait;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code endowatch alerts} against a real broker: which events it prints, for whom, since when, in which form. */
@ExtendWith(RealKafka.class)
class AlertsCommandIT {
  @Test
  void printsWhereAlertsStartAndEndFilteredByProcedureAndTime(KafkaCluster kafka) throws Exception {
    // Its own one-partition topic (an alerts.TAG topic, as replay rescore writes): the order is exact.
    String topic = "alerts.cmd-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = Admin.create(kafka.settings().clientProps())) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    long t0 = System.currentTimeMillis() - 60_000;
    var region = new AlertEvent.Region(64, 32, 128, 96);
    AlertEvent aStart = new AlertEvent(AlertEvent.START, "room-a/30", "room-a", 30, 32, 32, 0.61, region, t0 + 1_200, t0 + 1_280, "m-1", null);
    AlertEvent aUpdate = new AlertEvent(AlertEvent.UPDATE, "room-a/30", "room-a", 30, 33, 33, 0.66, region, t0 + 1_200, t0 + 1_320, "m-1", null);
    AlertEvent aUpdate2 = new AlertEvent(AlertEvent.UPDATE, "room-a/30", "room-a", 30, 34, 34, 0.70, region, t0 + 1_200, t0 + 1_360, "m-1", null);
    AlertEvent aEnd = new AlertEvent(AlertEvent.END, "room-a/30", "room-a", 30, 41, 34, 0.70, region, t0 + 1_200, t0 + 1_640, "m-1",
        AlertEvent.SCORES_FELL);
    AlertEvent bStart = new AlertEvent(AlertEvent.START, "room-b/200", "room-b", 200, 202, 202, 0.58, null, t0 + 8_000, t0 + 8_080, "m-1", null);
    TopicWriter.send(kafka, topic, Topics.ALERTS.valueSerde().serializer(), "room-a", List.of(aStart, aUpdate, aUpdate2, aEnd));
    TopicWriter.send(kafka, topic, Topics.ALERTS.valueSerde().serializer(), "room-b", List.of(bStart));
    // A record no scorer wrote: named on stderr and passed over, the rest still printed.
    TopicWriter.send(kafka, topic, new org.apache.kafka.common.serialization.ByteArraySerializer(), "room-c",
        List.of("{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    String b = kafka.bootstrapServers();

    Cli.Result all = Cli.run("alerts", "--bootstrap", b, "--topic", topic);
    Cli.Result withUpdates = Cli.run("alerts", "--bootstrap", b, "--topic", topic, "--updates");
    Cli.Result roomA = Cli.run("alerts", "--bootstrap", b, "--topic", topic, "--procedure", "room-a");
    String between = Instant.ofEpochMilli(t0 + 5_000).toString();
    Cli.Result since = Cli.run("alerts", "--bootstrap", b, "--topic", topic, "--since", between);
    Cli.Result noneSince = Cli.run("alerts", "--bootstrap", b, "--topic", topic, "--procedure", "room-a", "--since", between);
    Cli.Result json = Cli.run("alerts", "--bootstrap", b, "--topic", topic, "--procedure", "room-b", "--json");
    Cli.Result missing = Cli.run("alerts", "--bootstrap", b, "--topic", topic + "-nowhere");

    assertThat(all.exitCode()).as(all.err()).isZero();
    assertThat(all.out().lines()).containsExactly(line(aStart), line(aEnd), line(bStart));
    assertThat(all.err().strip()).startsWith("alerts: skipping unreadable record " + topic + "-0@5: not a valid AlertEvent JSON record: ")
        .doesNotContain("\n");
    assertThat(withUpdates.out().lines()).containsExactly(line(aStart), line(aUpdate), line(aUpdate2), line(aEnd), line(bStart));
    assertThat(roomA.out().lines()).containsExactly(line(aStart), line(aEnd));
    assertThat(since.out().lines()).containsExactly(line(bStart));
    assertThat(noneSince.exitCode()).isZero();
    assertThat(noneSince.out()).isEmpty();
    assertThat(noneSince.err().strip()).isEqualTo("no alerts for room-a since " + between + " on " + topic);
    assertThat(json.out().lines().map(l -> Topics.ALERTS.valueSerde().deserializer().deserialize(topic, l.getBytes())))
        .containsExactly(bStart);
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err().strip()).isEqualTo("endowatch alerts: error: topic " + topic + "-nowhere missing on " + b
        + ": a re-scoring makes it ('endowatch replay rescore --tag " + topic.substring("alerts.".length())
        + "-nowhere ...'); is the tag right?");
  }

  private static String line(AlertEvent a) {
    return AlertLines.line(a, ZoneId.systemDefault());
  }

  @Test
  void followingSaysWhenKafkaIsSilentAndPrintsWhatCameMeanwhileOnceItIsBack(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("kafka");
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, data, Map.of(), Duration.ofSeconds(90));
    int port = broker.port();
    KafkaCluster own = KafkaCluster.of(broker.bootstrapServers(), "embedded, stopped by this test");
    EmbeddedKafkaBroker again = null;
    Path out = dir.resolve("alerts.out");
    Path err = dir.resolve("alerts.err");
    Process follow = null;
    try {
      assertThat(Cli.run("topics", "apply", "--bootstrap", own.bootstrapServers()).exitCode()).isZero();
      follow = new ProcessBuilder("java", "-jar", System.getProperty("endowatch.jar", "target/endowatch.jar"), "alerts",
          "--bootstrap", own.bootstrapServers(), "--follow").redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      long t = System.currentTimeMillis();
      TopicWriter.send(own, Topics.ALERTS.name(), Topics.ALERTS.valueSerde().serializer(), "room-f",
          List.of(new AlertEvent(AlertEvent.START, "room-f/10", "room-f", 10, 12, 12, 0.61, null, t, t, "m-1", null)));
      FileWait.until(out, "room-f alert-start frames 10-12");

      broker.close();
      FileWait.until(err, "alerts: no answer from Kafka since ");
      assertThat(Files.readString(err)).doesNotContain("answers again");
      again = EmbeddedKafkaBroker.start(port, data, Map.of(), Duration.ofSeconds(90));
      FileWait.until(err, "alerts: Kafka answers again");
      t = System.currentTimeMillis();
      TopicWriter.send(own, Topics.ALERTS.name(), Topics.ALERTS.valueSerde().serializer(), "room-f",
          List.of(new AlertEvent(AlertEvent.END, "room-f/10", "room-f", 10, 40, 12, 0.61, null, t, t, "m-1", AlertEvent.SCORES_FELL)));
      FileWait.until(out, "room-f alert-end frames 10-40");
      assertThat(Files.readAllLines(err)).as("said once each").containsExactly(
          Files.readAllLines(err).get(0), "alerts: Kafka answers again");
      assertThat(Files.readAllLines(err).get(0)).matches(
          "alerts: no answer from Kafka since \\d\\d:\\d\\d:\\d\\d; still waiting \\(alerts raised meanwhile print once it answers\\)");
    } finally {
      if (follow != null) {
        follow.destroy();
        follow.waitFor(20, TimeUnit.SECONDS);
      }
      if (again != null) {
        again.close();
      }
      broker.close();
    }
  }
}
