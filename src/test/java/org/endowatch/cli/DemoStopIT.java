package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Topics;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo stopped while an alert is open, against a broker that outlives it ({@code --bootstrap}):
 * the alert ends on {@code alerts} at the recording's end before the demo's scorer goes, so what
 * others read of the demo has no alert without an end.
 */
@ExtendWith(RealKafka.class)
class DemoStopIT {
  @Test
  void anAlertOpenWhenTheDemoStopsEndsWithTheRecording(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    long since = System.currentTimeMillis();
    StringWriter log = new StringWriter();
    // Budget 0: every frame is scored however slow this shared machine is, so the lesion raises an alert.
    DemoCommand.Running demo = DemoCommand.start(new DemoCommand.Options(dir, kafka.bootstrapServers(), 0, 1, 12, 0,
        null, null, null), new PrintWriter(log, true));
    List<AlertEvent> seen = new ArrayList<>();
    boolean closed = false;
    try (KafkaConsumer<String, AlertEvent> alerts = consumer(kafka)) {
      long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
      while (seen.stream().noneMatch(e -> e.type().equals(AlertEvent.START)) && System.nanoTime() < deadline) {
        alerts.poll(Duration.ofMillis(50)).forEach(r -> {
          if ("demo-1-1".equals(r.key()) && r.timestamp() >= since) {
            seen.add(r.value());
          }
        });
      }
      assertThat(seen).as("an alert on demo-1-1 within 3 minutes; demo: %s", log).extracting(AlertEvent::type)
          .contains(AlertEvent.START);

      demo.close();
      closed = true;

      long settle = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while (System.nanoTime() < settle) {
        alerts.poll(Duration.ofMillis(200)).forEach(r -> {
          if ("demo-1-1".equals(r.key()) && r.timestamp() >= since) {
            seen.add(r.value());
          }
        });
      }
    } finally {
      if (!closed) {
        demo.close();
      }
    }
    List<AlertEvent> startsAndEnds = seen.stream().filter(e -> !e.type().equals(AlertEvent.UPDATE)).toList();
    assertThat(startsAndEnds).extracting(AlertEvent::type).containsExactly(AlertEvent.START, AlertEvent.END);
    AlertEvent end = startsAndEnds.get(1);
    assertThat(end.alertId()).isEqualTo(startsAndEnds.get(0).alertId());
    // Stopped within moments of the alert's start, before five frames under the threshold could end it.
    assertThat(end.endReason()).isEqualTo(AlertEvent.RECORDING_ENDED);
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
