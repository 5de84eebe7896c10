package org.endowatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.endowatch.console.AlertLines;
import org.endowatch.console.SourceHealth;
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
    AtomicBoolean stop = new AtomicBoolean();
    Thread hook = new Thread(() -> stop.set(true), "alerts-stop");
    if (follow) {
      Runtime.getRuntime().addShutdownHook(hook);
    }
    // Decoded record by record: one broken record must not end a follow that a unit relies on.
    try (KafkaConsumer<String, byte[]> consumer = reader) {
      List<TopicPartition> partitions = OutputTopicRead.assign(consumer, topic, procedure, sinceMs);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      int printed = 0;
      // Following, silence must not pass for "no alerts": a lost broker or a leaderless partition is said on stderr.
      SourceHealth health = new SourceHealth(System::currentTimeMillis);
      SourceHealth.State said = SourceHealth.State.UP_TO_DATE;
      long nextProbe = System.nanoTime();
      while (!stop.get()) {
        if (follow && System.nanoTime() - nextProbe >= 0) {
          nextProbe = System.nanoTime() + SourceHealth.PROBE_EVERY_MS * 1_000_000;
          said = probe(consumer, partitions, health, said);
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
        if (!follow && OutputTopicRead.caughtUp(consumer, end)) {
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

  /**
   * Asks the brokers whether the followed partitions can be read, and says on stderr when that
   * changes: no answer for {@link SourceHealth#UNREACHABLE_AFTER_MS}, partitions without a leader,
   * and the return. Alerts raised meanwhile are printed once they can be read: the scorer writes
   * them to Kafka, which keeps them.
   */
  private SourceHealth.State probe(KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions, SourceHealth health,
      SourceHealth.State said) {
    SourceHealth.Answer answer = health.probe(consumer, List.of(topic), Duration.ofSeconds(2));
    if (answer != null) {
      health.progress(0);
    }
    SourceHealth.State now = health.state();
    List<String> offline = now.offline().stream().filter(n -> partitions.stream().anyMatch(tp -> tp.toString().equals(n))).toList();
    boolean silent = now.status() == SourceHealth.Status.UNREACHABLE
        || now.status() == SourceHealth.Status.PARTITIONS_OFFLINE && !offline.isEmpty();
    now = silent ? new SourceHealth.State(now.status(), now.sinceMs(), now.message(), offline, 0) : SourceHealth.State.UP_TO_DATE;
    if (now.status() == said.status() && now.offline().equals(said.offline())) {
      return said;
    }
    PrintWriter err = spec.commandLine().getErr();
    String since = LocalTime.ofInstant(Instant.ofEpochMilli(now.sinceMs()), ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS).toString();
    switch (now.status()) {
      case UNREACHABLE -> err.println("alerts: no answer from Kafka since " + since
          + "; still waiting (alerts raised meanwhile print once it answers)");
      case PARTITIONS_OFFLINE -> err.println("alerts: " + String.join(", ", offline) + " without a leader since " + since
          + "; alerts of the procedures on them print once it is back");
      default -> err.println("alerts: Kafka answers again");
    }
    err.flush();
    return now;
  }
}
