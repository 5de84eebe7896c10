package org.endowatch.console;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@link ConsoleStore} from the topics, as a downstream consumer (read committed,
 * no consumer group: every console sees everything, from the start of retention). Bad records
 * are counted and skipped: a console must keep showing the other procedures. Also reads single
 * frames back by offset for recorded procedures. Every {@link SourceHealth#PROBE_EVERY_MS} it asks
 * the broker for the shown topics' partitions, so the store knows when what it shows stands still
 * (no answer, a partition without a leader, a read that fails) and the page can say so; a topic
 * given more partitions is read on them too.
 */
public final class ConsoleFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleFeed.class);
  /** How often the store forgets what retention deleted: retention is counted in hours and days. */
  static final Duration EXPIRE_EVERY = Duration.ofMinutes(1);

  /**
   * The topics a console reads: what it shows, what ingest says of each recording, and the dead
   * letters that say why frames go unscored.
   */
  public static final List<String> SHOWN = List.of(Topics.FRAMES.name(), Topics.PROCEDURES.name(), Topics.SCORES.name(),
      Topics.HEATMAPS.name(), Topics.ALERTS.name(), Topics.FRAMES_DLQ.name());
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  private final Properties client;
  private final ConsoleStore store;
  private final SourceHealth health;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaConsumer<String, byte[]> fetcher;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private volatile long skipped;
  /** End offsets the feed has to read up to after an outage (and at start); the feed thread's only. */
  private Map<TopicPartition, Long> mark;
  private boolean markWanted;

  public ConsoleFeed(Properties client, ConsoleStore store) {
    this.client = new Properties();
    this.client.putAll(client);
    this.client.put("isolation.level", "read_committed");
    this.client.put("enable.auto.commit", "false");
    // Reading from the start of retention races the broker deleting old segments: a position that
    // falls out of range then resumes at the oldest record kept, not (Kafka's default) at the end,
    // which silently dropped a partition's whole history from the console.
    this.client.put("auto.offset.reset", "earliest");
    this.store = store;
    this.health = new SourceHealth(System::currentTimeMillis);
    store.watchedBy(health);
    this.consumer = new KafkaConsumer<>(this.client, new StringDeserializer(), new ByteArrayDeserializer());
    this.fetcher = new KafkaConsumer<>(this.client, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> all = new ArrayList<>();
    for (String t : SHOWN) {
      consumer.partitionsFor(t, Duration.ofSeconds(15)).forEach(p -> all.add(new TopicPartition(t, p.partition())));
    }
    consumer.assign(all);
    consumer.seekToBeginning(all);
    thread = new Thread(this::run, "console-feed");
    thread.setDaemon(true);
    thread.start();
  }

  /** Records that could not be read (counted, never fatal). */
  public long skipped() {
    return skipped;
  }

  private void run() {
    long nextExpiry = System.nanoTime();
    long nextProbe = System.nanoTime();
    SourceHealth.Status said = SourceHealth.Status.OK;
    try {
      while (running.get()) {
        try {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            apply(r);
          }
          health.read();
          if (System.nanoTime() - nextProbe >= 0) {
            nextProbe = System.nanoTime() + SourceHealth.PROBE_EVERY_MS * 1_000_000;
            probe();
          }
          store.announceChanges();
          if (System.nanoTime() - nextExpiry >= 0) {
            nextExpiry = System.nanoTime() + EXPIRE_EVERY.toNanos();
            int forgotten = store.expire();
            if (forgotten > 0) {
              LOG.info("forgot {} procedures that the topics no longer hold", forgotten);
            }
          }
        } catch (WakeupException stopping) {
          throw stopping;
        } catch (RuntimeException | Error e) {
          // The console must go on reading once the cause passes (a permission granted, a topic
          // created again, memory freed): a feed thread that died here left the page frozen and
          // saying "connected". An Error too: an OutOfMemoryError (the images it keeps) ended it.
          health.error(e.getClass().getSimpleName() + ": " + e.getMessage());
          store.announceChanges();
          Thread.sleep(1_000);
        }
        said = sayChange(said);
      }
    } catch (WakeupException | InterruptedException stopping) {
      // close() wakes the consumer up
    }
  }

  /**
   * Stops reading the partitions of shown topics the brokers no longer have (deleted): the Kafka
   * consumer fetching one logs a warning every millisecond. A topic made again is read from its
   * start, as partitions added since the start are ({@link #probe}).
   */
  private void letGoOf(List<String> deleted) {
    List<TopicPartition> kept = consumer.assignment().stream().filter(tp -> !deleted.contains(tp.topic())).toList();
    if (kept.size() < consumer.assignment().size()) {
      LOG.warn("topics deleted under the console: {}; showing the rest, and those again once they exist",
          consumer.assignment().stream().map(TopicPartition::topic).filter(deleted::contains).distinct().sorted().toList());
      consumer.assign(kept);
    }
  }

  /**
   * Asks the broker for the shown topics' partitions and leaders, within {@link #PROBE_TIMEOUT}: an
   * answer is a contact (no answer is the silence {@link SourceHealth} counts). After an outage, and
   * at start, the topics' end offsets then are the mark the feed has to reach to be up to date
   * again.
   */
  private void probe() {
    SourceHealth.Answer answer = health.probe(consumer, SHOWN, PROBE_TIMEOUT);
    if (answer == null) {
      return;
    }
    if (!answer.missing().isEmpty()) {
      letGoOf(answer.missing());
      throw new IllegalStateException(answer.missingError());
    }
    Set<TopicPartition> added = new HashSet<>(answer.partitions());
    added.removeAll(consumer.assignment());
    if (!added.isEmpty()) {
      // More partitions than at start (kafka-topics --alter): read them too, from their beginning.
      LOG.info("reading {} partitions added, or made again, since the console started: {}", added.size(), added);
      List<TopicPartition> all = new ArrayList<>(consumer.assignment());
      all.addAll(added);
      consumer.assign(all);
      consumer.seekToBeginning(added);
    }
    markWanted |= answer.resumed();
    if (markWanted) {
      Set<TopicPartition> online = new HashSet<>(answer.partitions());
      online.removeAll(answer.offline());
      try {
        mark = consumer.endOffsets(online, PROBE_TIMEOUT);
        markWanted = false;
      } catch (TimeoutException silence) {
        return;
      }
    }
    if (mark == null) {
      return;
    }
    long behind = 0;
    for (Map.Entry<TopicPartition, Long> e : mark.entrySet()) {
      long at;
      try {
        at = consumer.position(e.getKey(), Duration.ZERO);
      } catch (TimeoutException notYet) {
        at = 0;
      }
      behind += Math.max(0, e.getValue() - at);
    }
    health.progress(behind);
    if (behind == 0) {
      mark = null;
    }
  }

  /** Logs each change of whether the console is current, once. */
  private SourceHealth.Status sayChange(SourceHealth.Status said) {
    SourceHealth.State now = health.state();
    if (now.status() != said) {
      switch (now.status()) {
        case OK -> LOG.info("up to date with the topics");
        case LOADING, CATCHING_UP -> LOG.info("{}: {} records to read", now.message(), now.behind());
        case UNREACHABLE -> LOG.warn("{} since {}: the console shows what it had then", now.message(), Instant.ofEpochMilli(now.sinceMs()));
        case FEED_ERROR -> LOG.warn("cannot read the topics: {} (trying again every second)", now.message());
        case PARTITIONS_OFFLINE -> LOG.warn("{}: {} (procedures on them do not update)", now.message(), now.offline());
      }
    }
    return now.status();
  }

  private void apply(ConsumerRecord<String, byte[]> r) {
    try {
      String t = r.topic();
      if (t.equals(Topics.FRAMES.name())) {
        store.frame(Topics.FRAMES.valueSerde().deserializer().deserialize(t, r.headers(), r.value()), r.partition(), r.offset());
      } else if (t.equals(Topics.PROCEDURES.name())) {
        if (r.value() != null) {
          store.recording(Topics.PROCEDURES.valueSerde().deserializer().deserialize(t, r.value()));
        }
      } else if (t.equals(Topics.SCORES.name())) {
        store.score(Topics.SCORES.valueSerde().deserializer().deserialize(t, r.value()));
      } else if (t.equals(Topics.HEATMAPS.name())) {
        store.heatmap(Topics.HEATMAPS.valueSerde().deserializer().deserialize(t, r.value()));
      } else if (t.equals(Topics.ALERTS.name())) {
        store.alert(Topics.ALERTS.valueSerde().deserializer().deserialize(t, r.value()));
      } else if (t.equals(Topics.FRAMES_DLQ.name()) && r.key() != null) {
        DeadLetter d = Topics.FRAMES_DLQ.valueSerde().deserializer().deserialize(t, r.headers(), r.value());
        DeadLetter.Place at = d.placeAmong(r.key());
        store.rejected(r.key(), d.reason(), at.captureMs(), at.frameIndex());
      }
    } catch (RuntimeException e) {
      skipped++;
      // Where, not what: a frame's content is patient data and never goes to a log.
      LOG.warn("skipping unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getClass().getSimpleName());
    }
  }

  /** The image of frame {@code index} of a procedure: from memory, else read back by offset; null if unknown. */
  public byte[] image(String procedure, long index) {
    byte[] b = store.image(procedure, index);
    if (b != null) {
      return b;
    }
    long[] at = store.location(procedure, index);
    if (at == null) {
      return null;
    }
    synchronized (fetcher) {
      TopicPartition tp = new TopicPartition(Topics.FRAMES.name(), (int) at[0]);
      fetcher.assign(List.of(tp));
      fetcher.seek(tp, at[1]);
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : fetcher.poll(Duration.ofMillis(200))) {
          if (r.offset() == at[1]) {
            return r.value();
          }
          if (r.offset() > at[1]) {
            // Deleted by retention since the console saw it (the fetcher went on from the oldest
            // record kept): gone, said at once rather than after the wait, which holds every other
            // image request of the console meanwhile.
            return null;
          }
        }
      }
      return null;
    }
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close(Duration.ofSeconds(2));
    synchronized (fetcher) {
      fetcher.close(Duration.ofSeconds(2));
    }
  }
}
