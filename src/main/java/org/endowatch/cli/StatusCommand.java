package org.endowatch.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.endowatch.console.ConsoleStore;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.FrameSerde;
import org.endowatch.contract.ModelRelease;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topic;
import org.endowatch.contract.Topics;
import org.endowatch.platform.TopicAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", description = "Show topics, the scorers (instances, lag), recent procedures and the model version scoring them.")
public final class StatusCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Option(names = "--group", paramLabel = "ID",
      description = "The scorer's application id (default: every group with committed offsets on frames).")
  String group;
  @Option(names = "--recent", paramLabel = "N", defaultValue = "500",
      description = "Scores read back per partition to find procedures (default ${DEFAULT-VALUE}).")
  int recent;
  @Spec CommandSpec spec;
  /** As the console says it: ended, and not scored. */
  static final long LIVE_MS = ConsoleStore.LIVE_MS;
  static final long UNSCORED_MS = ConsoleStore.UNSCORED_MS;
  /**
   * Partitions and copies, and what a broker that is down or behind does to them: a partition
   * without a leader stops whatever reads or writes it; one with copies out of sync still works,
   * with fewer copies standing behind each write.
   */
  static String health(TopicDescription d) {
    int copies = TopicAdmin.copies(d);
    long offline = d.partitions().stream().filter(p -> p.leader() == null || p.leader().isEmpty()).count();
    long behind = d.partitions().stream().filter(p -> p.leader() != null && !p.leader().isEmpty())
        .filter(p -> p.isr().size() < p.replicas().size()).count();
    return d.partitions().size() + (d.partitions().size() == 1 ? " partition x " : " partitions x ") + copies + (copies == 1 ? " copy" : " copies")
        + (offline > 0 ? ", " + offline + " OFFLINE (no leader: nothing reads or writes them until a broker holding a copy returns)" : "")
        + (behind > 0 ? ", " + behind + " with copies out of sync (a broker down or behind)" : "");
  }

  /**
   * Which scorer processes a group has, by host: one per process, however many stream threads it
   * runs (each thread is a group member whose client id ends in {@code -StreamThread-N-consumer}).
   * None running (or no such group: {@code g} null) is what a growing lag alone cannot tell from a
   * slow scorer. A member that died stays listed until its session times out (6 s for the scorer).
   */
  static String instances(ConsumerGroupDescription g) {
    if (g == null || g.members().isEmpty()) {
      return "NOT RUNNING (no instance in the group)";
    }
    Map<String, String> processes = new TreeMap<>();
    for (MemberDescription m : g.members()) {
      processes.put(m.clientId().replaceFirst("-StreamThread-\\d+-consumer$", ""), m.host().replaceFirst("^/", ""));
    }
    int n = processes.size();
    boolean moving = g.groupState() == GroupState.PREPARING_REBALANCE || g.groupState() == GroupState.COMPLETING_REBALANCE
        || g.groupState() == GroupState.ASSIGNING || g.groupState() == GroupState.RECONCILING;
    return n + (n == 1 ? " instance" : " instances") + " (" + String.join(", ", new java.util.TreeSet<>(processes.values()))
        + (moving ? "; rebalancing: procedures are moving between instances" : "") + ")";
  }

  /** Frames read back per partition to see which procedures are sending (their images come along). */
  static final int FRAMES_READ_BACK = 50;

  /**
   * A scorer at most this many frames behind on a procedure's partition keeps up with it: what a
   * batch in flight and the transaction not yet committed leave (a backlog batch is 4 frames by
   * default). A procedure skipped as stale while its scorer keeps up gets frames that are already
   * older than the budget when Kafka has them, which no scorer can mend.
   */
  static final long KEEPING_UP_FRAMES = 10;

  @Override
  public Integer call() throws Exception {
    OptionRange.of(spec).atLeast("--recent", recent, 1);
    var settings = kafka.settings();
    PrintWriter out = spec.commandLine().getOut();
    Properties p = settings.clientProps();
    Admin admin = Admin.create(TopicAdmin.adminProps(settings, ANSWER_WITHIN));
    try {
      // A cluster that does not answer is said as every command says it, within the timeout.
      var names = TopicAdmin.await(admin.listTopics().names(), settings.bootstrap(), ANSWER_WITHIN, "list topics");
      List<String> ours = Topics.ALL.stream().map(Topic::name).toList();
      Map<String, TopicDescription> described = admin.describeTopics(ours.stream().filter(names::contains).toList())
          .allTopicNames().get(15, TimeUnit.SECONDS);
      int brokers = admin.describeCluster().nodes().get(15, TimeUnit.SECONDS).size();
      out.println("topics (" + brokers + (brokers == 1 ? " broker):" : " brokers):"));
      for (String t : ours) {
        TopicDescription d = described.get(t);
        out.printf("  %-11s %s%n", t, d == null ? "MISSING (run endowatch topics apply)" : health(d));
      }
      if (!described.containsKey(Topics.FRAMES.name())) {
        return 1;
      }
      List<TopicPartition> frames = partitions(described.get(Topics.FRAMES.name()));
      Map<String, Map<TopicPartition, OffsetAndMetadata>> scorers = scorers(admin, frames);
      p.put("isolation.level", "read_committed");
      try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
        Map<TopicPartition, Long> end = consumer.endOffsets(frames);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(frames);
        if (scorers.isEmpty()) {
          out.println("scorer: no group reads " + Topics.FRAMES.name() + " or has committed offsets on it (not started yet?)");
        }
        Map<String, ConsumerGroupDescription> groups = groups(admin, scorers.keySet());
        // Per partition, the least any scorer group is behind (one that keeps up is what counts).
        Map<Integer, Long> partitionLag = new HashMap<>();
        scorers.forEach((id, committed) -> {
          long lag = 0;
          for (TopicPartition tp : frames) {
            OffsetAndMetadata c = committed.get(tp);
            long behind = end.get(tp) - (c == null ? begin.get(tp) : c.offset());
            lag += behind;
            if (c != null) {
              partitionLag.merge(tp.partition(), behind, Math::min);
            }
          }
          out.printf("scorer (group %s): %s, %s%n", id, instances(groups.get(id)),
              committed.isEmpty() && groups.containsKey(id) && !groups.get(id).members().isEmpty()
                  ? "no committed offsets yet (no frame read since it started)"
                  : committed.isEmpty() ? "no committed offsets (not started yet?)" : "lag " + lag + " frame(s) behind");
        });
        Recent recentScores = described.containsKey(Topics.SCORES.name())
            ? recent(consumer, partitions(described.get(Topics.SCORES.name()))) : new Recent(Map.of(), Map.of());
        boolean scores = described.containsKey(Topics.SCORES.name());
        Map<String, Long> newestFrames = scores ? newestFrames(consumer, frames) : Map.of();
        Map<String, Rejection> rejections = scores && described.containsKey(Topics.FRAMES_DLQ.name())
            ? newestRejections(consumer, partitions(described.get(Topics.FRAMES_DLQ.name()))) : Map.of();
        Map<String, ProcedureEvent> recordings = scores && described.containsKey(Topics.PROCEDURES.name())
            ? recordings(consumer, partitions(described.get(Topics.PROCEDURES.name()))) : Map.of();
        // Live as each procedure's line below says it, for the releases' note as well.
        long now = System.currentTimeMillis();
        java.util.function.Predicate<Score> live = s -> isLive(newest(s.procedureId(), recentScores.latest(), newestFrames,
            rejections), recordings.get(s.procedureId()), now);
        if (described.containsKey(Topics.MODELS.name())) {
          // What the scorers should be serving; each procedure's line below says what scored it.
          Map<String, ModelRelease> releases = ModelsCommand.current(p);
          out.println(releases.isEmpty() ? "model releases: none on " + Topics.MODELS.name()
              + " (scorers serve the folder they were started with)" : "model releases in force:");
          releases.values().forEach(m -> out.printf("  %s  %s  published %s%s%n", m.modelName(), m.version(),
              Instant.ofEpochMilli(m.publishedTimestampMs()), servingNote(m, recentScores.latest().values(), live)));
        }
        if (scores) {
          recentProcedures(recentScores, newestFrames, rejections, recordings,
              id -> partitionLag.get(Topics.partitionFor(id, frames.size())), out);
        }
      }
    } finally {
      // Not close(): with Kafka gone it waits a minute for the calls it gave up on.
      admin.close(Duration.ofSeconds(2));
    }
    return 0;
  }

  /** How long each of the cluster's answers may take. */
  static final Duration ANSWER_WITHIN = Duration.ofSeconds(15);

  /** The groups that exist among {@code ids} (a group asked for by name may not). */
  private static Map<String, ConsumerGroupDescription> groups(Admin admin, java.util.Set<String> ids) throws Exception {
    Map<String, ConsumerGroupDescription> out = new TreeMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    for (var e : admin.describeConsumerGroups(ids).describedGroups().entrySet()) {
      try {
        out.put(e.getKey(), e.getValue().get(15, TimeUnit.SECONDS));
      } catch (java.util.concurrent.ExecutionException failed) {
        if (!(failed.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
          throw failed;
        }
      }
    }
    return out;
  }

  /**
   * The scorers to report: the group asked for (even with no offsets), or every group with committed
   * offsets on the frames topic or a member reading it (scorers run under any application id, the
   * demo's included).
   */
  private Map<String, Map<TopicPartition, OffsetAndMetadata>> scorers(Admin admin, List<TopicPartition> frames)
      throws Exception {
    if (group != null) {
      Map<String, Map<TopicPartition, OffsetAndMetadata>> out = new TreeMap<>();
      out.put(group, admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS));
      return out;
    }
    return scorerGroups(admin, frames);
  }

  /**
   * The scorers with an instance running now, each as `status` says it ({@code group: 1 instance
   * (host)}): the groups of {@link #scorerGroups} that have members. What the demo says before it
   * plays on a cluster others use.
   */
  static List<String> runningScorers(Admin admin) throws Exception {
    TopicDescription d = admin.describeTopics(List.of(Topics.FRAMES.name())).allTopicNames().get(15, TimeUnit.SECONDS)
        .get(Topics.FRAMES.name());
    return groups(admin, scorerGroups(admin, partitions(d)).keySet()).entrySet().stream()
        .filter(e -> !e.getValue().members().isEmpty()).map(e -> e.getKey() + ": " + instances(e.getValue())).toList();
  }

  /**
   * Every consumer group with committed offsets on the frames partitions (a scorer, under any
   * application id), and every one with a member reading them that has committed none yet: a scorer
   * commits only the partitions it has read a frame from, so one started on a cluster nothing was
   * ingested into yet has none.
   */
  private static Map<String, Map<TopicPartition, OffsetAndMetadata>> scorerGroups(Admin admin, List<TopicPartition> frames)
      throws Exception {
    Map<String, Map<TopicPartition, OffsetAndMetadata>> out = new TreeMap<>();
    // Consumer groups only (a scorer is one, classic protocol or not), asked in one request for the
    // frames partitions alone; share and streams-protocol groups keep their offsets elsewhere.
    ListConsumerGroupOffsetsSpec onFrames = new ListConsumerGroupOffsetsSpec().topicPartitions(frames);
    Map<String, ListConsumerGroupOffsetsSpec> asked = new TreeMap<>();
    for (var listing : admin.listGroups().all().get(15, TimeUnit.SECONDS)) {
      if (listing.type().map(t -> t == GroupType.CLASSIC || t == GroupType.CONSUMER).orElse(true)) {
        asked.put(listing.groupId(), onFrames);
      }
    }
    if (asked.isEmpty()) {
      return out;
    }
    var offsets = admin.listConsumerGroupOffsets(asked);
    for (String id : asked.keySet()) {
      Map<TopicPartition, OffsetAndMetadata> committed = new java.util.HashMap<>();
      try {
        offsets.partitionsToOffsetAndMetadata(id).get(15, TimeUnit.SECONDS).forEach((tp, o) -> {
          if (o != null) {
            committed.put(tp, o);
          }
        });
      } catch (java.util.concurrent.ExecutionException unreadable) {
        continue; // a group this client may not read is not one to report on
      }
      if (!committed.isEmpty()) {
        out.put(id, committed);
      }
    }
    String topic = frames.isEmpty() ? null : frames.get(0).topic();
    for (var e : admin.describeConsumerGroups(asked.keySet().stream().filter(id -> !out.containsKey(id)).toList())
        .describedGroups().entrySet()) {
      try {
        if (e.getValue().get(15, TimeUnit.SECONDS).members().stream()
            .anyMatch(m -> m.assignment().topicPartitions().stream().anyMatch(tp -> tp.topic().equals(topic)))) {
          out.put(e.getKey(), Map.of());
        }
      } catch (java.util.concurrent.ExecutionException unreadable) {
        // gone since it was listed, or not this client's to describe: not one to report on
      }
    }
    return out;
  }

  /**
   * The newest frame's capture time of each procedure among the last {@link #FRAMES_READ_BACK}
   * frames of every partition (headers only are read; the images come along, hence few).
   */
  private static Map<String, Long> newestFrames(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> frames) {
    Map<String, Long> newest = new TreeMap<>();
    TopicTail.read(consumer, frames, FRAMES_READ_BACK, r -> {
      var h = r.headers().lastHeader(FrameSerde.H_CAPTURE_TS);
      if (r.key() != null && h != null) {
        try {
          newest.merge(r.key(), Long.parseLong(new String(h.value(), StandardCharsets.UTF_8)), Math::max);
        } catch (NumberFormatException bad) {
          // a broken header does not hide the others (the scorer dead-letters that frame)
        }
      }
    });
    return newest;
  }

  /** A procedure's newest dead-lettered frame: when it was captured and why the scorer rejected it. */
  record Rejection(long captureMs, String reason) {}

  /** The newest rejection of each procedure among the last {@link #FRAMES_READ_BACK} dead letters of every partition. */
  private static Map<String, Rejection> newestRejections(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> dlq) {
    Map<String, Rejection> newest = new HashMap<>();
    TopicTail.read(consumer, dlq, FRAMES_READ_BACK, r -> {
      if (r.key() != null) {
        try {
          DeadLetter d = Topics.FRAMES_DLQ.valueSerde().deserializer().deserialize(r.topic(), r.headers(), r.value());
          Rejection now = new Rejection(d.frameCaptureMs(), d.reason());
          newest.merge(r.key(), now, (a, b) -> b.captureMs() >= a.captureMs() ? b : a);
        } catch (RuntimeException bad) {
          // a bad record does not hide the others
        }
      }
    });
    return newest;
  }

  /** What ingest last said of each recording, among the last {@link #recent} events of every partition of procedures. */
  private Map<String, ProcedureEvent> recordings(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> parts) {
    Map<String, ProcedureEvent> latest = new HashMap<>();
    TopicTail.read(consumer, parts, recent, r -> {
      if (r.key() != null && r.value() != null) {
        try {
          latest.put(r.key(), Topics.PROCEDURES.valueSerde().deserializer().deserialize(r.topic(), r.value()));
        } catch (RuntimeException bad) {
          // a bad record does not hide the others
        }
      }
    });
    return latest;
  }

  /**
   * Live as the console says it: a record of it (frame, outcome, dead letter) captured within
   * {@link #LIVE_MS}, and no word from ingest that its recording is over.
   */
  static boolean isLive(long newestMs, ProcedureEvent recording, long now) {
    return now - newestMs < LIVE_MS && (recording == null || !recording.over());
  }

  /**
   * A procedure's state once it is not live, as the console says it: ended (when, and why) or
   * failed (the error) as ingest told {@code procedures}; its frames stopped with the recording
   * still started, which is not an end (nothing watches a scope that may still be in); or, with no
   * word from ingest (an ingest from before the topic), when its newest record was captured.
   */
  static String notLive(ProcedureEvent recording, long newestMs) {
    if (recording == null) {
      return "last " + Instant.ofEpochMilli(newestMs);
    }
    return switch (recording.type()) {
      case ProcedureEvent.ENDED -> "ended " + Instant.ofEpochMilli(recording.atMs()) + " (" + recording.reason() + ")";
      case ProcedureEvent.FAILED -> "INGEST FAILED " + Instant.ofEpochMilli(recording.atMs()) + ": " + recording.reason();
      default -> "FRAMES STOPPED " + Instant.ofEpochMilli(newestMs) + " (no end of recording: ingest was killed, its host or"
          + " network lost, or the camera froze)";
    };
  }

  /** Each procedure's latest outcome among the recent ones read back, and its latest scored frame's capture time. */
  record Recent(Map<String, Score> latest, Map<String, Long> latestScored) {}

  private Recent recent(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> scores) {
    Map<String, Score> latest = new TreeMap<>();
    Map<String, Long> latestScored = new HashMap<>();
    TopicTail.read(consumer, scores, recent, r -> {
      try {
        Score s = Topics.SCORES.valueSerde().deserializer().deserialize(r.topic(), r.value());
        latest.put(r.key(), s);
        if (s.isScored()) {
          latestScored.merge(r.key(), s.captureTimestampMs(), Math::max);
        }
      } catch (RuntimeException bad) {
        // a bad record does not hide the others
      }
    });
    return new Recent(latest, latestScored);
  }

  /**
   * What a release in force says next to it when no live procedure's latest outcome came from it: a
   * release for a name no running scorer serves, or one its scorers refused, looks in force all the
   * same ({@code models publish} says so when it publishes; this says it later). Empty while it
   * scores a live procedure, or when none is live.
   */
  static String servingNote(ModelRelease release, java.util.Collection<Score> latest, java.util.function.Predicate<Score> isLive) {
    List<Score> live = latest.stream().filter(isLive).toList();
    if (live.isEmpty() || live.stream().anyMatch(s -> s.modelVersion().equals(release.version()))) {
      return "";
    }
    return "  (no live procedure is scored by it (" + live.size() + " live): no running scorer serves "
        + release.modelName() + ", or its scorers refused this release; their logs say why)";
  }

  /**
   * A line for each recent procedure: its latest outcome and its state, as the console says it.
   *
   * @param lagOf how many frames the scorer is behind on a procedure's partition of frames (null when
   *     no scorer has committed there): whether frames skipped as stale are the scorer's doing
   */
  private void recentProcedures(Recent recentScores, Map<String, Long> newestFrames, Map<String, Rejection> rejections,
      Map<String, ProcedureEvent> recordings, java.util.function.Function<String, Long> lagOf, PrintWriter out) {
    Map<String, Score> latest = recentScores.latest();
    Map<String, Long> latestScored = recentScores.latestScored();
    long now = System.currentTimeMillis();
    // Procedures with recent frames but no outcome among the scores read back: the scorer never got
    // to them, or dead-lettered them (frames with broken headers are known by their dead letters alone).
    List<String> ids = new ArrayList<>(latest.keySet());
    newestFrames.forEach((id, ts) -> {
      if (!latest.containsKey(id) && now - ts < LIVE_MS) {
        ids.add(id);
      }
    });
    rejections.forEach((id, r) -> {
      if (!latest.containsKey(id) && !ids.contains(id) && now - r.captureMs() < LIVE_MS) {
        ids.add(id);
      }
    });
    ids.sort((a, b) -> Long.compare(newest(b, latest, newestFrames, rejections), newest(a, latest, newestFrames, rejections)));
    out.println(ids.isEmpty() ? "procedures: none scored recently" : "procedures (latest outcome):");
    for (String id : ids) {
      Score s = latest.get(id);
      long newest = newest(id, latest, newestFrames, rejections);
      ProcedureEvent recording = recordings.get(id);
      // Over once ingest says so, as on the console, not LIVE_MS later.
      String state = isLive(newest, recording, now) ? "live" : notLive(recording, newest);
      // Its newest frame read back, or dead-lettered: a rejected frame came from the camera all the
      // same, and one whose headers are broken is known by its dead letter alone.
      Rejection rejected = rejections.get(id);
      Long frame = rejected == null ? newestFrames.get(id)
          : Long.valueOf(Math.max(newestFrames.getOrDefault(id, Long.MIN_VALUE), rejected.captureMs()));
      // The scorer rejects its frames to the dead-letter topic (newer than its newest outcome, and
      // still coming): what to fix is the reason, not the scorer.
      boolean rejecting = rejected != null && frame - rejected.captureMs() < UNSCORED_MS
          && (s == null || rejected.captureMs() > s.captureTimestampMs());
      if (s == null) {
        // Listed only for its recent frames or dead letters; how long it has gone unscored is not known from the tail.
        out.printf(Locale.ROOT, "  %-24s %-44s  %s%n", id, "(no outcome)", !state.equals("live") ? state
            : rejecting ? "live, NOT SCORED (frames rejected: " + rejected.reason() + ")" : "live, no outcome yet");
        continue;
      }
      long behind = frame == null ? 0 : frame - s.captureTimestampMs();
      if (state.equals("live") && behind >= UNSCORED_MS && rejecting) {
        state = String.format(Locale.ROOT, "NOT SCORED (%.0f s, frames rejected: %s)", behind / 1000.0, rejected.reason());
      } else if (state.equals("live") && behind >= UNSCORED_MS) {
        // Frames keep coming without outcomes: the scorer is down or far behind, and no alert can come.
        state = String.format(Locale.ROOT, "NOT SCORED (%.0f s behind)", behind / 1000.0);
      } else if (state.equals("live") && !s.isScored() && frame != null) {
        // Outcomes come, but as skips: no alert can come either (as the console says it).
        Long scored = latestScored.get(id);
        if (scored == null) {
          state = "NOT SCORED (every frame of the last " + recent + " outcomes per partition skipped as stale" + whyStale(lagOf.apply(id)) + ")";
        } else if (frame - scored >= UNSCORED_MS) {
          state = String.format(Locale.ROOT, "NOT SCORED (%.0f s, every frame skipped as stale%s)", (frame - scored) / 1000.0,
              whyStale(lagOf.apply(id)));
        }
      }
      // An outcome decided before its frame was captured, by the clocks: the ingest host's runs ahead.
      long ahead = s.captureTimestampMs() - s.scoredTimestampMs();
      if (ahead > org.endowatch.score.ScoringTopology.CLOCK_AHEAD_MS) {
        state += String.format(Locale.ROOT, " (its frames are captured %.1f s ahead of the scorer's clock: the ingest host's"
            + " clock runs ahead, check NTP; such frames are never skipped as stale)", ahead / 1000.0);
      }
      out.printf(Locale.ROOT, "  %-24s frame %-7d %-8s %s  model %s  %s%n", id, s.frameIndex(),
          s.isScored() ? String.format(Locale.ROOT, "%.4f", s.score()) : "skipped", s.anomalous() ? "ANOMALOUS" : "normal   ",
          s.modelVersion(), state);
    }
  }

  /**
   * Which of the two causes of stale skips it is, from the scorer's lag on the procedure's partition:
   * a scorer that keeps up is given frames already too old (the ingest host's clock behind the
   * scorer's, or frames held up on the way to Kafka); one far behind cannot keep up.
   */
  static String whyStale(Long lag) {
    if (lag == null) {
      return "";
    }
    return lag <= KEEPING_UP_FRAMES
        ? "; the scorer keeps up (" + lag + " frame(s) behind on its partition), so they are older than its budget before"
            + " it reads them: check the ingest host's clock (NTP) against the scorer's, or what delays frames before Kafka"
        : "; the scorer is " + lag + " frames behind on its partition: it cannot keep up (more scorer instances or threads,"
            + " a GPU, or a cheaper --mask-schedule)";
  }

  /** The capture time of a procedure's newest record read back: outcome, frame or dead letter. */
  private static long newest(String id, Map<String, Score> latest, Map<String, Long> newestFrames,
      Map<String, Rejection> rejections) {
    Score s = latest.get(id);
    Rejection r = rejections.get(id);
    return Math.max(Math.max(s == null ? 0 : s.captureTimestampMs(), newestFrames.getOrDefault(id, 0L)),
        r == null ? 0 : r.captureMs());
  }

  private static List<TopicPartition> partitions(TopicDescription d) {
    return d.partitions().stream().map(i -> new TopicPartition(d.name(), i.partition())).toList();
  }
}
