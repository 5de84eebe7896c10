package org.endowatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.endowatch.console.AlertLines;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.Topics;
import org.endowatch.platform.TopicAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "alerts", description = "Print alert events from the alerts topic, one line (or JSON object) each.")
public final class AlertsCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Option(names = "--follow", description = "Keep printing new alerts until stopped.") boolean follow;
  @Option(names = "--procedure", paramLabel = "ID", description = "Only this procedure.") String procedure;
  @Option(names = "--since", paramLabel = "T", description = "From this time: ISO instant, epoch ms, or an age like 10m (default: all kept).")
  String since;
  @Option(names = "--json", description = "JSON lines (the alert-event schema) instead of text.") boolean json;
  @Option(names = "--updates", description = "Also every alert-update (a new peak while an alert is open: several a second); "
      + "without it, one line where each alert starts and one where it ends.") boolean updates;
  @Option(names = "--topic", defaultValue = "alerts", description = "Alerts topic (default ${DEFAULT-VALUE}; alerts.TAG for a re-scoring).")
  String topic;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    // An age here: "10m" = alerts of the last ten minutes.
    long sinceMs = OutputTopicRead.sinceMs(since, spec.commandLine());
    var settings = kafka.settings();
    KafkaConsumer<String, byte[]> reader;
    try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
      reader = OutputTopicRead.open(admin, settings, topic, Topics.ALERTS.name());
    }
    PrintWriter out = spec.commandLine().getOut();
    // Decoded record by record: one broken record must not end a follow that a unit relies on.
    try (KafkaConsumer<String, byte[]> consumer = reader;
         OutputTopicRead.Follow following = follow ? new OutputTopicRead.Follow("alerts", "alerts", "alerts raised meanwhile") : null) {
      List<TopicPartition> partitions = OutputTopicRead.assign(consumer, topic, procedure, sinceMs);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      int printed = 0;
      while (following == null || !following.stopped()) {
        if (following != null) {
          // Silence must not pass for "no alerts": a lost broker or a leaderless partition is said on stderr.
          following.check(consumer, topic, partitions, spec.commandLine().getErr());
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
          if (procedure != null && !procedure.equals(r.key())) {
            continue;
          }
          AlertEvent a;
          try {
            a = Topics.ALERTS.valueSerde().deserializer().deserialize(r.topic(), r.headers(), r.value());
          } catch (RuntimeException e) {
            spec.commandLine().getErr().println("alerts: skipping unreadable record " + r.topic() + "-" + r.partition() + "@"
                + r.offset() + ": " + e.getMessage());
            spec.commandLine().getErr().flush();
            continue;
          }
          if (a != null && a.eventTimestampMs() >= sinceMs
              && (updates || !a.type().equals(AlertEvent.UPDATE))) {
            out.println(json ? JsonSerde.MAPPER.writeValueAsString(a) : AlertLines.line(a, ZoneId.systemDefault()));
            printed++;
          }
        }
        out.flush();
        if (following == null && OutputTopicRead.caughtUp(consumer, end)) {
          break;
        }
      }
      if (!follow && printed == 0) {
        spec.commandLine().getErr().println("no alerts" + (procedure != null ? " for " + procedure : "")
            + (since != null ? " since " + since : "") + " on " + topic);
      }
    }
    return 0;
  }
}
