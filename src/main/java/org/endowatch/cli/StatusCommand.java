package org.endowatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topic;
import org.endowatch.contract.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", description = "Show topics, the scorer's lag, recent procedures and the model version scoring them.")
public final class StatusCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Option(names = "--group", defaultValue = "endowatch-scorer", description = "The scorer's application id (default ${DEFAULT-VALUE}).")
  String group;
  @Option(names = "--recent", defaultValue = "500", description = "Scores read back per partition to find procedures (default ${DEFAULT-VALUE}).")
  int recent;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var settings = kafka.settings();
    PrintWriter out = spec.commandLine().getOut();
    Properties p = settings.clientProps();
    try (Admin admin = Admin.create(p)) {
      var names = admin.listTopics().names().get(15, TimeUnit.SECONDS);
      List<String> ours = Topics.ALL.stream().map(Topic::name).toList();
      Map<String, TopicDescription> described = admin.describeTopics(ours.stream().filter(names::contains).toList())
          .allTopicNames().get(15, TimeUnit.SECONDS);
      out.println("topics:");
      for (String t : ours) {
        TopicDescription d = described.get(t);
        out.printf("  %-11s %s%n", t, d == null ? "MISSING (run endowatch topics apply)" : d.partitions().size() + " partitions");
      }
      if (!described.containsKey(Topics.FRAMES.name())) {
        return 1;
      }
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS);
      p.put("isolation.level", "read_committed");
      try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
        List<TopicPartition> frames = partitions(described.get(Topics.FRAMES.name()));
        Map<TopicPartition, Long> end = consumer.endOffsets(frames);
        long lag = 0;
        for (TopicPartition tp : frames) {
          OffsetAndMetadata c = committed.get(tp);
          lag += end.get(tp) - (c == null ? consumer.beginningOffsets(List.of(tp)).get(tp) : c.offset());
        }
        out.printf("scorer (group %s): %s%n", group, committed.isEmpty() ? "no committed offsets (not started yet?)"
            : "lag " + lag + " frame(s) behind");
        if (described.containsKey(Topics.SCORES.name())) {
          recentProcedures(consumer, partitions(described.get(Topics.SCORES.name())), out);
        }
      }
    }
    return 0;
  }

  private void recentProcedures(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> scores, PrintWriter out) {
    consumer.assign(scores);
    Map<TopicPartition, Long> end = consumer.endOffsets(scores);
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(scores);
    for (TopicPartition tp : scores) {
      consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - recent));
    }
    Map<String, Score> latest = new TreeMap<>();
    int idle = 0;
    while (idle < 3 && scores.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
      var records = consumer.poll(Duration.ofMillis(300));
      idle = records.isEmpty() ? idle + 1 : 0;
      for (ConsumerRecord<String, byte[]> r : records) {
        try {
          latest.put(r.key(), Topics.SCORES.valueSerde().deserializer().deserialize(r.topic(), r.value()));
        } catch (RuntimeException bad) {
          // a bad record does not hide the others
        }
      }
    }
    List<Score> sorted = new ArrayList<>(latest.values());
    sorted.sort((a, b) -> Long.compare(b.captureTimestampMs(), a.captureTimestampMs()));
    out.println(sorted.isEmpty() ? "procedures: none scored recently" : "procedures (latest outcome):");
    long now = System.currentTimeMillis();
    for (Score s : sorted) {
      out.printf(Locale.ROOT, "  %-24s frame %-7d %-8s %s  model %s  %s%n", s.procedureId(), s.frameIndex(),
          s.isScored() ? String.format(Locale.ROOT, "%.4f", s.score()) : "skipped", s.anomalous() ? "ANOMALOUS" : "normal   ",
          s.modelVersion(), now - s.captureTimestampMs() < 10_000 ? "live" : "last " + Instant.ofEpochMilli(s.captureTimestampMs()));
    }
  }

  private static List<TopicPartition> partitions(TopicDescription d) {
    return d.partitions().stream().map(i -> new TopicPartition(d.name(), i.partition())).toList();
  }
}
