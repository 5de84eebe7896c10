package org.endowatch.cli;

import ai.djl.ndarray.types.DataType;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Topics;
import org.endowatch.model.ModelArtifact;
import org.endowatch.platform.MetricsServer;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.score.AlertRule;
import org.endowatch.score.BatchingFrameScorer;
import org.endowatch.score.FrameScorer;
import org.endowatch.score.ModelFrameScorer;
import org.endowatch.score.ModelHolder;
import org.endowatch.score.ModelReleaseWatcher;
import org.endowatch.score.ScorerApp;
import org.endowatch.score.ScoringThreads;
import org.endowatch.score.ScoringTopology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "score", description = "Score frames with a MemMC-MAE model (Kafka Streams, exactly once) until stopped.")
public final class ScoreCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Option(names = "--model", required = true, paramLabel = "DIR",
      description = "A calibrated model folder (manifest.json, parameters.bin); its name decides which releases it follows.")
  Path model;
  @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto", description = "auto, cpu or gpu.") String device;
  @Option(names = "--precision", paramLabel = "P",
      description = "fp32 or fp16: what the network computes in, for this model and new releases (default: each "
          + "model's calibrated one; fp16 for GPUs).") String precision;
  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "Stream threads (default ${DEFAULT-VALUE}).") int threads;
  @Option(names = "--intra-op-threads", defaultValue = "0", paramLabel = "N",
      description = "Threads per PyTorch operator (default: all cores but one, leaving one to Kafka and decoding).")
  int intraOpThreads;
  @Option(names = "--budget-ms", paramLabel = "MS", defaultValue = "100",
      description = "Skip frames older than this when reached (0 = score all; default ${DEFAULT-VALUE}).")
  long budgetMs;
  @Option(names = "--mask-schedule", paramLabel = "S", description = "Override the model's schedule (random-10, complementary-4).")
  String maskSchedule;
  @Option(names = "--application-id", defaultValue = "endowatch-scorer", paramLabel = "ID",
      description = "Kafka Streams application id: scorers with the same id share the procedures between them; "
          + "another id is another scorer, with its own offsets, starting at the newest frames (default ${DEFAULT-VALUE}).")
  String applicationId;
  @Option(names = "--input", paramLabel = "TOPIC", defaultValue = "frames",
      description = "Input topic (default ${DEFAULT-VALUE}).") String input;
  @Option(names = "--output-suffix", paramLabel = "SUFFIX", defaultValue = "",
      description = "Suffix for the output topics, to re-score into separate topics (e.g. .rescore).")
  String outputSuffix;
  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Kafka Streams' state folder (the alert windows are kept in memory and in Kafka; default: "
          + "endowatch-streams in the temporary folder).") Path stateDir;
  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9464",
      description = "Prometheus /metrics and /health (0 = any free port).")
  int metricsPort;
  @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address /metrics listens on (default ${DEFAULT-VALUE}: this host only; 0.0.0.0 for a Prometheus elsewhere).") String metricsBind;
  @Option(names = "--follow-models", defaultValue = "true", negatable = true,
      description = "Hot-swap to new releases of this model's name on the models topic (default ${DEFAULT-VALUE}).")
  boolean followModels;
  @Option(names = "--batch-wait-ms", paramLabel = "MS", defaultValue = "5",
      description = "With --threads > 1: how long the model waits to batch frames of several streams (default ${DEFAULT-VALUE}).")
  long batchWaitMs;
  @Option(names = "--backlog-batch", defaultValue = "" + ScoringTopology.LIVE_BACKLOG_BATCH, paramLabel = "N",
      description = "Score up to N frames of a stream's backlog together when the scorer falls behind (default ${DEFAULT-VALUE}; "
          + "1 scores each frame as reached).")
  int backlogBatch;
  @Option(names = "--frame-workers", defaultValue = "0", paramLabel = "N",
      description = "Threads that score the frames of a backlog batch side by side (default: on a CPU, cores / threads per "
          + "operator; 1 on a GPU). Used with --backlog-batch or --threads above 1.")
  int frameWorkers;
  @Option(names = "--alert-rule", defaultValue = "3/5", paramLabel = "K/N", converter = AlertRuleOption.class,
      description = AlertRuleOption.DESCRIPTION)
  AlertRule alertRule;
  @Spec CommandSpec spec;

  /** Follows the models topic for releases of the serving model's name, unless told not to (null then). */
  private ModelReleaseWatcher followReleases(KafkaSettings settings, ModelHolder scorer, MeterRegistry registry) {
    return followModels
        ? new ModelReleaseWatcher(settings.clientProps(), scorer, o -> spec.commandLine().getOut().println(o.message()))
            .meter(registry)
        : null;
  }

  @Override
  public Integer call() throws Exception {
    OptionRange.of(spec).port("--metrics-port", metricsPort, false).atLeast("--threads", threads, 1).atLeast("--budget-ms", budgetMs, 0)
        .atLeast("--backlog-batch", backlogBatch, 1).atLeast("--intra-op-threads", intraOpThreads, 0)
        .atLeast("--frame-workers", frameWorkers, 0).atLeast("--batch-wait-ms", batchWaitMs, 0);
    var settings = kafka.settings();
    ScoringTopology.Outputs outputs = ScoringTopology.Outputs.suffixed(outputSuffix);
    // A model folder that is no model is said at once, not after up to 15 s of looking for Kafka.
    ModelArtifact.readManifest(model);
    boolean recordingsTopic;
    try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
      admin.requireTopics(List.of(input, outputs.scores(), outputs.heatmaps(), outputs.alerts(), outputs.deadLetters()));
      recordingsTopic = admin.exists(Topics.PROCEDURES.name());
    }
    if (!recordingsTopic) {
      spec.commandLine().getErr().println("note: topic " + Topics.PROCEDURES.name() + " does not exist: an alert open when a"
          + " recording ends ends " + AlertEvent.FRAMES_STOPPED_AFTER_MS / 1000 + " s after its last frame, not at once"
          + " ('endowatch topics apply' creates it; restart the scorer then)");
    }
    java.util.concurrent.atomic.AtomicReference<ScorerApp> running = new java.util.concurrent.atomic.AtomicReference<>();
    ScoringThreads.request(intraOpThreads);   // before the first model loads: the engine reads it when it starts
    DataType precisionOverride = ModelArtifact.precision(precision);
    ModelArtifact.Loaded loaded = ModelArtifact.load(model, device, precisionOverride);
    ModelArtifact.noteHowItRuns(loaded, spec.commandLine().getErr());
    // The batcher's calls hold up to one backlog batch from each stream thread.
    int workers = ScoringThreads.frameWorkers(frameWorkers, loaded.device().isGpu(), threads * backlogBatch);
    try (ModelHolder scorer = new ModelHolder(new ModelFrameScorer(loaded, maskSchedule, workers), device, maskSchedule,
        precisionOverride);
         MetricsServer metrics = new MetricsServer(metricsBind, metricsPort, () -> running.get() != null && running.get().healthy());
         ModelReleaseWatcher watcher = followReleases(settings, scorer.meter(metrics.registry()), metrics.registry())) {
      if (watcher != null && !watcher.topicFound()) {
        spec.commandLine().getErr().println("note: topic " + Topics.MODELS.name() + " does not exist yet: scoring with "
            + scorer.get().modelVersion() + " and following releases once it does ('endowatch topics apply' creates it)");
      }
      // The first frame is scored with the latest release of this model's name, not a folder it replaced.
      if (watcher != null && !watcher.awaitCaughtUp(Duration.ofSeconds(30))) {
        spec.commandLine().getErr().println("note: the models topic was not read within 30 s; scoring with "
            + scorer.get().modelVersion() + " until a release there is");
      }
      Path state = stateDir != null ? stateDir : Path.of(System.getProperty("java.io.tmpdir"), "endowatch-streams");
      var batchSizes = io.micrometer.core.instrument.DistributionSummary.builder("endowatch.model.batch_size")
          .register(metrics.registry());
      // Several stream threads share one model through the batcher; one thread needs no batching.
      java.util.function.Supplier<FrameScorer> shared = scorer;
      BatchingFrameScorer batcher = null;
      if (threads > 1) {
        batcher = new BatchingFrameScorer(scorer::current, threads * backlogBatch, batchWaitMs, batchSizes::record);
        shared = batcher;
      }
      ScorerApp app = new ScorerApp(settings.clientProps(), applicationId, threads, state,
          new ScoringTopology.Settings(input, outputs, budgetMs, alertRule, backlogBatch,
              recordingsTopic ? Topics.PROCEDURES.name() : null), shared, metrics.registry());
      running.set(app);
      Runtime.getRuntime().addShutdownHook(new Thread(app::close, "scorer-shutdown"));
      app.start();
      int operatorThreads = ScoringThreads.current();
      spec.commandLine().getOut().printf("scoring %s -> %s with model %s (threshold %.6f, %d thread%s per operator); metrics on http://%s:%d/metrics%n",
          input, outputs.scores(), scorer.get().modelVersion(), scorer.get().imageThreshold(), operatorThreads,
          operatorThreads == 1 ? "" : "s", metricsBind, metrics.port());
      spec.commandLine().getOut().flush();
      Throwable failed = app.awaitStop();
      if (batcher != null) {
        batcher.close();
      }
      if (failed != null) {
        throw new IllegalStateException("scorer stopped: " + failed.getMessage(), failed);
      }
      return 0;
    }
  }
}
