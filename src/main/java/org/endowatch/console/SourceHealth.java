package org.endowatch.console;

import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.endowatch.contract.Topics;

/**
 * Whether what the console shows is current. A console that has lost its broker receives nothing,
 * and nothing looks exactly like quiet: without this, its live procedures turned "ended" after
 * {@link ConsoleStore#LIVE_MS}, an open alert disappeared with them, and the page still said
 * "connected" (it is, to the console). The feed reports each contact with the broker (which
 * partitions have no leader, and whether it has read what the topics held at that contact); this
 * says, at any moment, what the page must warn about, and from when each procedure's data stands
 * still. Thread-safe: the feed thread writes, HTTP threads read.
 */
public final class SourceHealth {
  /** The feed asks the broker every this often. */
  public static final long PROBE_EVERY_MS = 2_000;
  /**
   * Without a contact for this long the broker counts as unreachable: three probes, so a slow
   * answer or a leader election is not an outage, and well inside {@link ConsoleStore#LIVE_MS}, so
   * no live procedure is shown ended first.
   */
  public static final long UNREACHABLE_AFTER_MS = 6_000;

  public enum Status {
    /** Reading the topics and up to date with them. */
    OK,
    /** Reading what the topics held when the console started (nothing is missing, it is behind). */
    LOADING,
    /** No answer from the broker: nothing shown has changed since {@link State#sinceMs}. */
    UNREACHABLE,
    /** The broker is back; reading what it held meanwhile. */
    CATCHING_UP,
    /** Reading the topics fails (a permission, a deleted topic): the message says how. */
    FEED_ERROR,
    /** Partitions without a leader: the procedures on them do not update. */
    PARTITIONS_OFFLINE
  }

  /**
   * What the page's banner says. {@code sinceMs}: since when what is shown stands still (the last
   * contact before an outage, the first probe that found a partition offline; 0 when nothing stands
   * still); {@code behind}: records still to read while loading or catching up, else 0.
   */
  public record State(Status status, long sinceMs, String message, List<String> offline, long behind) {
    public static final State UP_TO_DATE = new State(Status.OK, 0, "", List.of(), 0);
  }

  /** A procedure's data is current; {@link #staleSince} returns it for those. */
  public static final long CURRENT = Long.MAX_VALUE;

  private final LongSupplier clock;
  private long lastContactMs;
  /** The last contact before the running (or just ended) outage; -1 when none. */
  private long outageSinceMs = -1;
  private boolean caughtUp;
  private long behind;
  private String error;
  private long errorSinceMs;
  private long lastErrorMs;
  private Map<String, Integer> partitions = Map.of();
  private final Map<TopicPartition, Long> offlineSince = new HashMap<>();

  public SourceHealth(LongSupplier clock) {
    this.clock = clock;
    this.lastContactMs = clock.getAsLong();
  }

  /** A health that never warns: a store without a feed (tests, tools). */
  static SourceHealth none() {
    SourceHealth h = new SourceHealth(() -> 0);
    h.caughtUp = true;
    return h;
  }

  /**
   * The broker answered: {@code partitions} is each shown topic's partition count, {@code offline}
   * those without a leader. Returns true when this contact follows an outage (or is the first): the
   * feed then reads the topics' end offsets as the mark to catch up to.
   */
  public synchronized boolean contact(Map<String, Integer> partitions, Set<TopicPartition> offline) {
    long now = clock.getAsLong();
    boolean resumed = now - lastContactMs > UNREACHABLE_AFTER_MS;
    if (resumed) {
      outageSinceMs = lastContactMs;
      caughtUp = false;
    }
    boolean first = this.partitions.isEmpty();
    lastContactMs = now;
    this.partitions = Map.copyOf(partitions);
    offlineSince.keySet().retainAll(offline);
    for (TopicPartition tp : offline) {
      offlineSince.putIfAbsent(tp, now);
    }
    return resumed || first;
  }

  /**
   * What a probe found: every partition of the asked topics, those without a leader, the asked
   * topics the brokers do not have (deleted, or never made), and {@link #contact}'s answer.
   */
  public record Answer(Set<TopicPartition> partitions, Set<TopicPartition> offline, List<String> missing, boolean resumed) {
    /** The error a reader of the topics reports while some are {@link #missing}. */
    public String missingError() {
      return (missing.size() == 1 ? "topic " + missing.get(0) + " does not exist" : "topics " + String.join(", ", missing)
          + " do not exist") + " (endowatch topics apply creates " + (missing.size() == 1 ? "it" : "them") + ")";
    }
  }

  /**
   * Asks the brokers, through {@code consumer}, for {@code topics}' partitions and leaders (one
   * metadata request, at most {@code timeout}) and reports the answer as a {@link #contact}; null
   * when none came (the silence this counts). An answer that lacks some of the topics is not
   * reported (reading them cannot succeed until someone creates them: the caller says so as an
   * error, and lets go of their partitions) and says which in {@link Answer#missing}, so the caller
   * needs no second request to learn what it still reads.
   */
  public Answer probe(Consumer<?, ?> consumer, Collection<String> topics, Duration timeout) {
    Map<String, List<PartitionInfo>> known;
    try {
      known = consumer.listTopics(timeout);
    } catch (TimeoutException silence) {
      return null;
    }
    List<String> missing = topics.stream().filter(t -> !known.containsKey(t)).sorted().toList();
    if (!missing.isEmpty()) {
      return new Answer(Set.of(), Set.of(), missing, false);
    }
    Map<String, Integer> counts = new HashMap<>();
    Set<TopicPartition> all = new HashSet<>();
    Set<TopicPartition> offline = new HashSet<>();
    for (String t : topics) {
      List<PartitionInfo> partitions = known.get(t);
      counts.put(t, partitions.size());
      for (PartitionInfo p : partitions) {
        TopicPartition tp = new TopicPartition(t, p.partition());
        all.add(tp);
        if (p.leader() == null || p.leader().isEmpty()) {
          offline.add(tp);
        }
      }
    }
    return new Answer(all, offline, List.of(), contact(counts, offline));
  }

  /** Progress towards the mark: {@code behind} records left; 0 means caught up. */
  public synchronized void progress(long behind) {
    this.behind = Math.max(0, behind);
    if (this.behind == 0) {
      caughtUp = true;
      outageSinceMs = -1;
    }
  }

  /** Reading failed in a way that will not pass by waiting alone (the feed keeps trying). */
  public synchronized void error(String message) {
    if (error == null) {
      errorSinceMs = lastContactMs;
    }
    error = message;
    lastErrorMs = clock.getAsLong();
  }

  /**
   * A read went through. An error counts as passed only after reads without one for
   * {@link #UNREACHABLE_AFTER_MS}: a consumer reports some (a denied topic) only on the polls that
   * fetch, and the polls between must not make the banner blink.
   */
  public synchronized void read() {
    if (error != null && clock.getAsLong() - lastErrorMs >= UNREACHABLE_AFTER_MS) {
      error = null;
    }
  }

  public synchronized State state() {
    long now = clock.getAsLong();
    if (error != null) {
      return new State(Status.FEED_ERROR, errorSinceMs, error, List.of(), 0);
    }
    if (now - lastContactMs > UNREACHABLE_AFTER_MS) {
      return new State(Status.UNREACHABLE, lastContactMs, "no answer from the Kafka brokers", List.of(), 0);
    }
    if (!offlineSince.isEmpty()) {
      List<String> names = offlineSince.keySet().stream()
          .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
          .map(TopicPartition::toString).toList();
      long since = offlineSince.values().stream().mapToLong(Long::longValue).min().orElse(now);
      return new State(Status.PARTITIONS_OFFLINE, since, "partitions without a leader", names, 0);
    }
    if (!caughtUp) {
      return outageSinceMs >= 0 ? new State(Status.CATCHING_UP, outageSinceMs, "reading what the topics took in meanwhile", List.of(), behind)
          : new State(Status.LOADING, 0, "reading the topics' history", List.of(), behind);
    }
    return State.UP_TO_DATE;
  }

  /**
   * From when a procedure's shown data stands still, or {@link #CURRENT}: the last contact before
   * an outage (until the feed has caught up after it), or the first probe that found one of its
   * partitions offline. {@code framesPartition} is where its frames are (-1 if none seen); its other
   * records are found by key as the producers' default partitioner places them.
   */
  public synchronized long staleSince(String procedure, int framesPartition) {
    long since = CURRENT;
    if (error != null) {
      since = errorSinceMs;
    } else if (clock.getAsLong() - lastContactMs > UNREACHABLE_AFTER_MS) {
      since = lastContactMs;
    } else if (outageSinceMs >= 0) {
      since = outageSinceMs;
    }
    if (offlineSince.isEmpty()) {
      return since;
    }
    for (Map.Entry<TopicPartition, Long> e : offlineSince.entrySet()) {
      TopicPartition tp = e.getKey();
      Integer n = partitions.get(tp.topic());
      boolean frames = tp.topic().equals(Topics.FRAMES.name());
      int mine = frames && framesPartition >= 0 ? framesPartition : n == null ? -1 : Topics.partitionFor(procedure, n);
      if (tp.partition() == mine) {
        since = Math.min(since, e.getValue());
      }
    }
    return since;
  }
}
