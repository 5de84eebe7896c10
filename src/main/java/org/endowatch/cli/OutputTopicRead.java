package org.endowatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.config.KafkaSettings;
import org.endowatch.console.SourceHealth;
import org.endowatch.contract.Topics;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.replay.TimeRange;
import picocli.CommandLine;

/**
 * Reading one of the scorer's output topics from a time on, as {@code alerts} and {@code
 * dead-letters} do: the live topic or a re-scoring's {@code TOPIC.TAG}, from {@code --since} (an
 * age or an instant) up to its end as it was when reading began.
 */
final class OutputTopicRead {
  private OutputTopicRead() {}

  /**
   * Fails with what to do when {@code topic} is missing: {@code topics apply} makes the live topic
   * ({@code base}), only a re-scoring makes {@code base.TAG}.
   */
  static void require(TopicAdmin admin, KafkaSettings settings, String topic, String base) {
    String rescoreTag = topic.startsWith(base + ".") ? topic.substring(base.length() + 1) : null;
    if (rescoreTag != null && !admin.exists(topic)) {
      // Not a catalog topic: 'topics apply' (requireTopics' hint) would not make it.
      throw new IllegalStateException("topic " + topic + " missing on " + settings.bootstrap()
          + ": a re-scoring makes it ('endowatch replay rescore --tag " + rescoreTag + " ...'); is the tag right?");
    }
    admin.requireTopics(List.of(topic));
  }

  /**
   * A reader of {@code topic} (which must exist: {@link #require}) as every reader of the scorer's
   * outputs must be: read committed, committing nothing, and from the oldest record kept when its
   * position is gone (retention deleting the oldest records while {@code --since 30d} reads them must
   * not send it to the end, Kafka's default, past everything in between). Values stay bytes, decoded
   * record by record by the caller: one broken record must not end a read.
   */
  static KafkaConsumer<String, byte[]> open(TopicAdmin admin, KafkaSettings settings, String topic, String base) {
    require(admin, settings, topic, base);
    Properties p = settings.clientProps();
    p.put("isolation.level", "read_committed");
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Assigns the partitions of {@code topic} to read (only the one {@code procedure} is on when
   * given) and positions them at {@code sinceMs} ({@link #seek}); returns them.
   */
  static List<TopicPartition> assign(KafkaConsumer<?, ?> consumer, String topic, String procedure, long sinceMs) {
    var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
    int only = procedure == null ? -1 : Topics.partitionFor(procedure, infos.size());
    List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition()))
        .filter(tp -> only < 0 || tp.partition() == only).toList();
    consumer.assign(partitions);
    seek(consumer, partitions, sinceMs);
    return partitions;
  }

  /**
   * Passes each record of {@code procedure} (of every one when null) on {@code partitions}, decoded
   * by {@code values}, to {@code each} with its key: up to the partitions' end as it was when reading
   * began, or, {@code following}, until stopped (saying on {@code err} when Kafka falls silent). A
   * record that does not decode is named on {@code err} and passed over: one broken record must not
   * end a read, least of all a follow that a unit relies on. {@code out} is flushed after every poll.
   */
  static <V> void read(KafkaConsumer<String, byte[]> consumer, String topic, List<TopicPartition> partitions, String procedure,
      Follow following, Deserializer<V> values, String command, PrintWriter out, PrintWriter err, BiConsumer<String, V> each) {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    while (following != null ? !following.stopped() : !caughtUp(consumer, end)) {
      if (following != null) {
        following.check(consumer, topic, partitions, err);
      }
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
        if (procedure != null && !procedure.equals(r.key())) {
          continue;
        }
        V value;
        try {
          value = values.deserialize(r.topic(), r.headers(), r.value());
        } catch (RuntimeException e) {
          err.println(command + ": skipping unreadable record " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": "
              + e.getMessage());
          err.flush();
          continue;
        }
        if (value != null) {
          each.accept(r.key(), value);
        }
      }
      out.flush();
    }
  }

  /** {@code --since} as epoch ms (0 for none): an age like {@code 10m} counts back from now. */
  static long sinceMs(String since, CommandLine cmd) {
    if (since == null) {
      return 0;
    }
    try {
      TimeRange.Point p = TimeRange.parse(since);
      return p.relative() ? System.currentTimeMillis() - p.ms() : p.ms();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cmd, e.getMessage().replace("an offset from the procedure's start", "an age"));
    }
  }

  /** Positions every partition at its first record written at {@code sinceMs} or later (all, for 0). */
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

  /**
   * Following a topic ({@code --follow}): stops on Ctrl-C / SIGTERM, and says on stderr when the
   * followed partitions stop answering and when they are back, at most once a probe. Silence from a
   * lost broker must not pass for "nothing new": no answer for {@link SourceHealth#UNREACHABLE_AFTER_MS},
   * partitions without a leader, and the return are each said once. What was written meanwhile is
   * printed once it can be read: the scorer wrote it to Kafka, which keeps it.
   */
  static final class Follow implements AutoCloseable {
    private final String command;
    private final String things;
    private final String meanwhile;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Thread hook;
    private final SourceHealth health = new SourceHealth(System::currentTimeMillis);
    private SourceHealth.State said = SourceHealth.State.UP_TO_DATE;
    private long nextProbe = System.nanoTime();

    /**
     * @param command the command's name, first on each line it says
     * @param things what it prints, e.g. "alerts"
     * @param meanwhile those written during an outage, e.g. "alerts raised meanwhile"
     */
    Follow(String command, String things, String meanwhile) {
      this.command = command;
      this.things = things;
      this.meanwhile = meanwhile;
      this.hook = new Thread(() -> stopped.set(true), command + "-stop");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    boolean stopped() {
      return stopped.get();
    }

    /** Probes the brokers when a probe is due and says on {@code err} what changed. */
    void check(KafkaConsumer<?, ?> consumer, String topic, List<TopicPartition> partitions, PrintWriter err) {
      if (System.nanoTime() - nextProbe < 0) {
        return;
      }
      nextProbe = System.nanoTime() + SourceHealth.PROBE_EVERY_MS * 1_000_000;
      SourceHealth.Answer answer = health.probe(consumer, List.of(topic), Duration.ofSeconds(2));
      if (answer != null && !answer.missing().isEmpty()) {
        throw new IllegalStateException(answer.missingError());
      }
      if (answer != null) {
        health.progress(0);
      }
      SourceHealth.State now = health.state();
      List<String> offline = now.offline().stream().filter(n -> partitions.stream().anyMatch(tp -> tp.toString().equals(n))).toList();
      boolean silent = now.status() == SourceHealth.Status.UNREACHABLE
          || now.status() == SourceHealth.Status.PARTITIONS_OFFLINE && !offline.isEmpty();
      now = silent ? new SourceHealth.State(now.status(), now.sinceMs(), now.message(), offline, 0) : SourceHealth.State.UP_TO_DATE;
      if (now.status() == said.status() && now.offline().equals(said.offline())) {
        return;
      }
      String since = clock(now.sinceMs(), ZoneId.systemDefault());
      switch (now.status()) {
        case UNREACHABLE -> err.println(command + ": no answer from Kafka since " + since + "; still waiting (" + meanwhile
            + " print once it answers)");
        case PARTITIONS_OFFLINE -> err.println(command + ": " + String.join(", ", offline) + " without a leader since " + since
            + "; " + things + " of the procedures on them print once it is back");
        default -> err.println(command + ": Kafka answers again");
      }
      err.flush();
      said = now;
    }

    @Override
    public void close() {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException exiting) {
        // already shutting down
      }
    }
  }

  private static final java.time.format.DateTimeFormatter CLOCK = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss");

  /**
   * A moment as the wall clock shows it, always with seconds: LocalTime's own text drops them on
   * the minute ("20:36"), which read as a different format one line in sixty.
   */
  static String clock(long epochMs, ZoneId zone) {
    return CLOCK.format(Instant.ofEpochMilli(epochMs).atZone(zone));
  }
}
