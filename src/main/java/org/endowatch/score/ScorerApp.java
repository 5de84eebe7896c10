package org.endowatch.score;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.endowatch.config.KafkaSettings;
import org.endowatch.platform.TopicAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running scorer: the production {@link ScoringTopology} in a KafkaStreams instance with
 * exactly-once v2, a short session timeout and leave-group on close (so a restart takes over in
 * seconds, not after the default 45 s).
 */
public final class ScorerApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScorerApp.class);
  /** Exactly-once commits: one frame interval of a 30 fps camera (see the constructor). */
  static final long COMMIT_INTERVAL_MS = 33;
  /** How long the group waits for a silent instance before moving its procedures (see the constructor). */
  public static final int SESSION_TIMEOUT_MS = 6_000;
  /** How long the broker lets an instance's transaction stay open before aborting it (see the constructor). */
  static final int TRANSACTION_TIMEOUT_MS = 5_000;
  /** The longest the global consumer's fetch waits for a new record (see streamsConfig). */
  static final int GLOBAL_FETCH_WAIT_MS = 50;

  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final MeterRegistry metrics;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  /**
   * @param clientProps bootstrap and security properties
   * @param applicationId the consumer group and state prefix (one per independent scorer deployment)
   */
  public ScorerApp(Properties clientProps, String applicationId, int threads, Path stateDir,
      ScoringTopology.Settings settings, Supplier<FrameScorer> scorer, MeterRegistry metrics) {
    // Clients as Kafka Streams makes them, but a partition with no offset of the group starts exactly
    // (LookBack: frames arriving while a scorer looked for where to start were passed over).
    this(clientProps, applicationId, threads, stateDir, settings, scorer, metrics, new LookBack());
  }

  /** As above, with Kafka's clients from {@code clients} (a test's failing one). */
  ScorerApp(Properties clientProps, String applicationId, int threads, Path stateDir, ScoringTopology.Settings settings,
      Supplier<FrameScorer> scorer, MeterRegistry metrics, KafkaClientSupplier clients) {
    Properties p = streamsConfig(clientProps, applicationId, threads, stateDir, settings,
        inputReplicas(clientProps, settings.input()));
    streams = new KafkaStreams(ScoringTopology.build(settings, scorer, System::currentTimeMillis, metrics), p, clients);
    this.metrics = metrics;
    // Kafka's own client metrics, consumer lag (records-lag-max) among them, next to ours on /metrics.
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(metrics);
    ThreadFailures failures = new ThreadFailures(System::currentTimeMillis);
    Counter replaced = Counter.builder("endowatch.scorer.threads.replaced").register(metrics);
    String instanceId = instanceId(p);
    streams.setUncaughtExceptionHandler(e -> {
      if (Thread.currentThread().getName().endsWith("-GlobalStreamThread")) {
        // The thread that follows procedures: Kafka Streams cannot replace it and stops the client
        // whatever is asked. Said as the scorer's failure, so the command exits non-zero for its supervisor.
        LOG.error("scorer's global thread (what ingest says on {}) failed: {}; stopping the scorer", settings.recordings(),
            e.toString());
        failure.compareAndSet(null, e);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
      // A broker outage longer than the transaction timeout ends with the broker aborting the open
      // transaction and the thread's commit failing (InvalidTxnStateException, seen in CI after a 9 s
      // outage): the whole scorer used to stop there, for good unless something restarted it. A new
      // thread resumes from the last commit (exactly once: the aborted work is read and done again);
      // a failure that keeps coming back (a frame that breaks the processor) still stops the scorer.
      if (failures.replace()) {
        replaced.increment();
        LOG.error("scorer stream thread failed: {}; replacing it ({} in the last {} s), it resumes from the last commit",
            e.toString(), failures.recent(), ThreadFailures.WINDOW_MS / 1000);
        if (instanceId != null) {
          DeadMembers.removeOnceDead(Thread.currentThread(), instanceId, clientProps, applicationId);
        }
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
      }
      LOG.error("scorer stream thread failed: {}; stopping the scorer ({} failures in the last {} s)", e.toString(),
          failures.recent(), ThreadFailures.WINDOW_MS / 1000);
      failure.compareAndSet(null, e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.ERROR) {
        failure.compareAndSet(null, new IllegalStateException("Kafka Streams stopped with an error (the log above says which)"));
      }
      if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
        stopped.countDown();
      }
    });
  }

  /**
   * The Kafka Streams configuration of a scorer: the client's properties (bootstrap, security, and
   * any override an operator put in --kafka-config) and the scorer's own settings.
   *
   * @param replicas copies for the state topics (0: the broker's default)
   */
  static Properties streamsConfig(Properties clientProps, String applicationId, int threads, Path stateDir,
      ScoringTopology.Settings settings, int replicas) {
    Properties p = new Properties();
    p.putAll(clientProps);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    // Consoles read committed, so an outcome is visible only once its transaction commits: with
    // Kafka Streams' exactly-once default of 100 ms a heatmap reached the console ~50 ms (p99 ~80 ms)
    // after it was decided. Committing every frame interval of a 30 fps camera cut capture ->
    // readable by 31-45 ms at p50 and 57-76 ms at p99 with no measurable cost in frames scored or CPU
    // (docs/BENCHMARKS.md, "When a console sees it").
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
    // Opting in silences a warning and matches the Kafka 5.0 default (the recordings' global store
    // catches what could fail itself, ScoringTopology.RecordingsUpdate). The partition assignor re-reads
    // the streams settings from the main consumer's config and warned once per stream thread without
    // the second line (Kafka Streams 4.4.0).
    p.put("processing.exception.handler.global.enabled", true);
    p.put(StreamsConfig.mainConsumerPrefix("processing.exception.handler.global.enabled"), true);
    // When a scorer node dies mid-procedure, another instance takes its procedures over only once
    // (1) the group misses the dead one's heartbeats for the session timeout and (2) the broker has
    // aborted the dead one's open transaction, whose offsets hold the survivor's offset fetch and
    // whose changelog writes hold its state restore. Kafka Streams' defaults (45 s, and 10 s of
    // transaction timeout plus up to the broker's 10 s abort sweep) left a live procedure unscored
    // for 8-19 s in ScorerFailoverIT. The session timeout is the broker's minimum
    // (group.min.session.timeout.ms); a heartbeat every second, not 2 s, lets the survivor hear of
    // the move sooner (-0.6 s killed, -0.7 s stopped); and a transaction here lives for one commit interval and one
    // scoring call, so 5 s is far above what it needs and below the session timeout: the survivor
    // no longer waits on the transaction where the broker sweeps every second (the embedded and
    // compose brokers do; docs/OPERATIONS.md, "When a scorer node dies"). A cluster whose minimum
    // session is longer refuses 6 s: session.timeout.ms in --kafka-config then wins over these.
    unlessGiven(p, clientProps, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, StreamsConfig.consumerPrefix(
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
    unlessGiven(p, clientProps, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, StreamsConfig.consumerPrefix(
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);
    unlessGiven(p, clientProps, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, StreamsConfig.producerPrefix(
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), TRANSACTION_TIMEOUT_MS);
    // A replaced stream thread's consumer closes without leaving the group (Kafka Streams 4.4 shuts
    // the failed thread down with DEFAULT, which for the classic protocol means remain in the
    // group, overriding the leave it asked for), and the new thread's join waited for the dead
    // member's session to run out: 5.7-5.9 s with no frame scored (bench/ThreadReplacement.java).
    // As a static member, with an id of this instance's own, the dead thread can be removed from the
    // group at once (DeadMembers): 0.3 s.
    // Set for all consumers, as an operator's consumer.-prefixed id would be: Kafka Streams gives it to
    // the stream threads' consumers only (main.consumer. in --kafka-config still wins over it).
    unlessGiven(p, clientProps, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, StreamsConfig.consumerPrefix(
        ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), applicationId + "-" + java.util.UUID.randomUUID());
    // Start waits for the global store of recordings to be read, partition by partition, and each
    // fetch that found nothing new there waited the consumer's 500 ms: a scorer with recordings to
    // read started 1.1 s later than one without. A new record still returns a fetch at once; an idle
    // global consumer now asks 20 times a second (docs/BENCHMARKS.md, "An alert open when the
    // recording ends").
    unlessGiven(p, clientProps, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, StreamsConfig.globalConsumerPrefix(
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), GLOBAL_FETCH_WAIT_MS);
    // One frame is scored per record and takes tens of ms: fetch few at a time so the staleness
    // check sees each frame soon after it arrives.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 20);
    if (settings.backlogBatch() > 1) {
      // Wall-clock punctuation (which scores a waiting backlog) runs between polls: a poll that
      // blocks 100 ms (the default) with no new frame would hold a waiting frame that long.
      p.put(StreamsConfig.POLL_MS_CONFIG, ScoringTopology.BACKLOG_WAIT_MS);
    }
    // The scorer's own state (open alerts, frames waiting in a backlog) lives in changelog topics that
    // Kafka Streams creates. Left to the broker's default.replication.factor (1 as Kafka ships it), one
    // broker's loss would stop the scorer on a cluster that otherwise rides it out: they get as many
    // copies as the frames they come from, and the same rule for how many must hold a write.
    if (replicas > 0) {
      p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicas);
      p.put(StreamsConfig.topicPrefix("min.insync.replicas"), String.valueOf(TopicAdmin.minInSync(replicas)));
    }
    return p;
  }

  /** Sets {@code prefixed} to {@code value} unless the client properties give {@code key} either way. */
  private static void unlessGiven(Properties p, Properties clientProps, String key, String prefixed, Object value) {
    if (!clientProps.containsKey(key) && !clientProps.containsKey(prefixed)) {
      p.put(prefixed, value);
    }
  }

  /** The {@code group.instance.id} Kafka Streams gives its main consumers, as it reads it (null: none). */
  static String instanceId(Properties streamsConfig) {
    for (String key : new String[] {StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
        StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), ConsumerConfig.GROUP_INSTANCE_ID_CONFIG}) {
      if (streamsConfig.getProperty(key) != null) {
        return streamsConfig.getProperty(key);
      }
    }
    return null;
  }

  /** The input topic's copies, or 0 (the broker's default for internal topics) if it cannot be told now. */
  private static int inputReplicas(Properties clientProps, String input) {
    try (TopicAdmin admin = new TopicAdmin(new KafkaSettings(clientProps.getProperty("bootstrap.servers"), clientProps),
        TopicAdmin.DEFAULT_TIMEOUT)) {
      return admin.replicas(input);
    } catch (TopicAdmin.KafkaUnavailableException e) {
      // The stream threads meet the same problem at once and report it where the scorer's failures go.
      LOG.warn("cannot tell how many copies {} has ({}); the scorer's state topics get the broker's default", input,
          e.getMessage());
      return 0;
    }
  }

  public void start() {
    streams.start();
  }

  /** Waits until the instance runs (partitions assigned) or the timeout passes. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (streams.state() == KafkaStreams.State.RUNNING) {
        return true;
      }
      if (!streams.state().isRunningOrRebalancing() && streams.state() != KafkaStreams.State.CREATED) {
        return false;
      }
      Thread.sleep(50);
    }
    return false;
  }

  /**
   * Waits until this instance has given {@code frames} frames their outcome (scored, skipped or
   * dead-lettered) and every alert it raised has ended, or the timeout passes (false then): for a
   * scorer about to stop together with the ingest that fed it, once that ingest has sent {@code
   * frames} and said its recordings ended. Their open alerts then end at their last frames (or by
   * their scores, for a scorer still behind); closed sooner, the scorer would leave them open on
   * {@code alerts} until another scorer of its group took the procedures over (never, for the
   * demo's group). Counted by the scorer's own counters, from this instance's start.
   */
  public boolean awaitDealtWith(long frames, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (outcomes() < frames || openAlerts() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  private double outcomes() {
    return sum("endowatch.frames.scored") + sum("endowatch.frames.skipped") + sum("endowatch.frames.dead_lettered");
  }

  /** Alerts raised by this instance and not ended by it (alerts it took over and ended count against). */
  private double openAlerts() {
    return sum("endowatch.alerts.raised") - sum("endowatch.alerts.ended");
  }

  private double sum(String counter) {
    return metrics.find(counter).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** What {@link #dropState} deleted: changelog topics, and whether the group had offsets. */
  public record DroppedState(java.util.List<String> topics, boolean offsets) {}

  /**
   * Deletes what a stopped scorer deployment leaves on the cluster: its group's offsets and its
   * stores' changelogs, each {@code <application id>-<store>-changelog}. By exact name: another
   * deployment's id may begin with this one's (re-scorings tagged {@code v2} and {@code v2-loose}),
   * and its state is not this one's to delete.
   */
  public static DroppedState dropState(TopicAdmin admin, String applicationId) {
    java.util.List<String> changelogs = ScoringTopology.CHANGELOG_CONFIGS.keySet().stream().sorted()
        .map(store -> applicationId + "-" + store + "-changelog").filter(admin::exists).toList();
    boolean offsets = admin.deleteGroup(applicationId);
    admin.delete(changelogs);
    return new DroppedState(changelogs, offsets);
  }

  public boolean healthy() {
    return streams.state().isRunningOrRebalancing();
  }

  /** Blocks until the scorer stops; returns the failure that stopped it, if any. */
  public Throwable awaitStop() throws InterruptedException {
    stopped.await();
    return failure.get();
  }

  public boolean awaitStop(long timeout, TimeUnit unit) throws InterruptedException {
    return stopped.await(timeout, unit);
  }

  @Override
  public void close() {
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(30)));
    streamsMetrics.close();
  }
}
