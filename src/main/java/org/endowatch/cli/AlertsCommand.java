package org.endowatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.console.AlertLines;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.JsonSerde;
import org.endowatch.contract.Topics;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.replay.TimeRange;
import picocli.CommandLine;
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
    long sinceMs = sinceMs();
    var settings = kafka.settings();
    try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
      String rescoreTag = topic.startsWith(Topics.ALERTS.name() + ".") ? topic.substring(Topics.ALERTS.name().length() + 1) : null;
      if (rescoreTag != null && !admin.exists(topic)) {
        // Not a catalog topic: 'topics apply' (requireTopics' hint) would not make it.
        throw new IllegalStateException("topic " + topic + " missing on " + settings.bootstrap()
            + ": a re-scoring makes it ('endowatch replay rescore --tag " + rescoreTag + " ...'); is the tag right?");
      }
      admin.requireTopics(List.of(topic));
    }
    Properties p = settings.clientProps();
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    PrintWriter out = spec.commandLine().getOut();
    AtomicBoolean stop = new AtomicBoolean();
    Thread hook = new Thread(() -> stop.set(true), "alerts-stop");
    if (follow) {
      Runtime.getRuntime().addShutdownHook(hook);
    }
    try (KafkaConsumer<String, AlertEvent> consumer =
             new KafkaConsumer<>(p, new StringDeserializer(), Topics.ALERTS.valueSerde().deserializer())) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
      int only = procedure == null ? -1 : Topics.partitionFor(procedure, infos.size());
      List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition()))
          .filter(tp -> only < 0 || tp.partition() == only).toList();
      consumer.assign(partitions);
      seek(consumer, partitions, sinceMs);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      int printed = 0;
      while (!stop.get()) {
        for (ConsumerRecord<String, AlertEvent> r : consumer.poll(Duration.ofMillis(300))) {
          AlertEvent a = r.value();
          if ((procedure == null || procedure.equals(r.key())) && a.eventTimestampMs() >= sinceMs
              && (updates || !a.type().equals(AlertEvent.UPDATE))) {
            out.println(json ? JsonSerde.MAPPER.writeValueAsString(a) : AlertLines.line(a, ZoneId.systemDefault()));
            printed++;
          }
        }
        out.flush();
        if (!follow && caughtUp(consumer, end)) {
          break;
        }
      }
      if (!follow && printed == 0) {
        spec.commandLine().getErr().println("no alerts" + (procedure != null ? " for " + procedure : "")
            + (since != null ? " since " + since : "") + " on " + topic);
      }
    } finally {
      if (follow) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
          // already shutting down
        }
      }
    }
    return 0;
  }

  private long sinceMs() {
    if (since == null) {
      return 0;
    }
    try {
      TimeRange.Point p = TimeRange.parse(since);
      // An offset here means an age: "10m" = alerts of the last ten minutes.
      return p.relative() ? System.currentTimeMillis() - p.ms() : p.ms();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage().replace("an offset from the procedure's start", "an age"));
    }
  }

  private static void seek(KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions, long sinceMs) {
    if (sinceMs <= 0) {
      consumer.seekToBeginning(partitions);
      return;
    }
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(tp -> query.put(tp, sinceMs));
    Map<TopicPartition, OffsetAndTimestamp> at = consumer.offsetsForTimes(query);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp o = at.get(tp);
      consumer.seek(tp, o == null ? end.get(tp) : o.offset());
    }
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }
}
