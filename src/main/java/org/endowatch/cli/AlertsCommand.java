package org.endowatch.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.endowatch.console.AlertLines;
import org.endowatch.contract.AlertEvent;
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
  @Option(names = "--since", paramLabel = "T",
      description = "From this time: ISO instant, epoch ms, or an age like 10m (default: all kept).")
  String since;
  @Option(names = "--json", description = "JSON lines (the alert-event schema) instead of text.") boolean json;
  @Option(names = "--updates", description = "Also every alert-update (a new peak while an alert is open: several a second); "
      + "without it, one line where each alert starts and one where it ends.") boolean updates;
  @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = "alerts",
      description = "Alerts topic (default ${DEFAULT-VALUE}; alerts.TAG for a re-scoring).")
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
    try (KafkaConsumer<String, byte[]> consumer = reader;
         OutputTopicRead.Follow following = follow ? new OutputTopicRead.Follow("alerts", "alerts", "alerts raised meanwhile") : null) {
      List<TopicPartition> partitions = OutputTopicRead.assign(consumer, topic, procedure, sinceMs);
      int[] printed = {0};
      OutputTopicRead.read(consumer, topic, partitions, procedure, following, Topics.ALERTS.valueSerde().deserializer(), "alerts",
          out, spec.commandLine().getErr(), (key, a) -> {
            if (a.eventTimestampMs() >= sinceMs && (updates || !a.type().equals(AlertEvent.UPDATE))) {
              // --json: the record as the topic holds it (the alert-event schema), one per line.
              out.println(json ? new String(Topics.ALERTS.valueSerde().serializer().serialize(topic, a), StandardCharsets.UTF_8)
                  : AlertLines.line(a, ZoneId.systemDefault()));
              printed[0]++;
            }
          });
      if (!follow && printed[0] == 0) {
        spec.commandLine().getErr().println("no alerts" + (procedure != null ? " for " + procedure : "")
            + (since != null ? " since " + since : "") + " on " + topic);
      }
    }
    return 0;
  }
}
