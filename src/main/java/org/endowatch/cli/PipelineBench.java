package org.endowatch.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.FramePreparer;
import org.endowatch.ingest.FrameSource;
import org.endowatch.ingest.GroundTruth;
import org.endowatch.ingest.Pacer;
import org.endowatch.ingest.ProcedureVideo;
import org.endowatch.ingest.Sources;
import org.endowatch.ingest.VirtualCamera;
import org.endowatch.model.ModelArtifact;
import org.endowatch.platform.EmbeddedKafkaBroker;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.replay.ProcedureRecords;
import org.endowatch.score.AlertRule;
import org.endowatch.score.BatchModel;
import org.endowatch.score.BatchingFrameScorer;
import org.endowatch.score.FrameScorer;
import org.endowatch.score.ModelFrameScorer;
import org.endowatch.score.ScorerApp;
import org.endowatch.score.ScoringThreads;
import org.endowatch.score.ScoringTopology;

/**
 * The live path under load: N generated procedures sent at a camera's frame rate through a real
 * broker into the scorer, measured from the outputs: scored frames per second, the share skipped
 * as stale, capture -> score latency, and the time from a lesion's first frame to its alert.
 */
final class PipelineBench {
  record Result(int streams, double fpsPerStream, double seconds, long frames, long scored, long skipped,
      double scoredFps, double skippedFraction, double captureToScoreP50Ms, double captureToScoreP99Ms,
      double timeToFirstAlertMs, int intervals, int intervalsAlerted, int falseAlerts, long budgetMs, String model,
      String maskSchedule, long outcomeRecords, List<Long> outcomesPerInstance, double meanBacklogBatch,
      double inferenceMsMean, int frameWorkers, FirstAlertParts firstAlertParts, Visible visible, double timeToFirstAlertP90Ms,
      List<Lesion> lesions, String device, StandIn standIn, CpuAccount.Usage cpu, int streamThreads, long modelPasses,
      double meanModelPassFrames) {}

  /**
   * The network replaced by a stand-in (see {@link DeviceStandIn}): each pass of n frames takes
   * {@code passMs + n * perFrameMs} of waiting, the CPU idle as a host waiting for a GPU; 0 + 0 is the
   * pipeline around the model alone ("host-only").
   */
  record StandIn(double passMs, double perFrameMs) {
    static final StandIn HOST_ONLY = new StandIn(0, 0);

    /** {@code host-only}, or {@code simulated:PASS_MS+PER_FRAME_MS} (e.g. {@code simulated:15+0.1}); else a one-line error. */
    static StandIn parse(String s) {
      if (s.equals("host-only")) {
        return HOST_ONLY;
      }
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("simulated:(\\d+(?:\\.\\d+)?)\\+(\\d+(?:\\.\\d+)?)").matcher(s);
      if (!m.matches()) {
        throw new IllegalArgumentException("--scoring must be model, host-only or simulated:PASS_MS+PER_FRAME_MS "
            + "(e.g. simulated:15+0.1), not '" + s + "'");
      }
      return new StandIn(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)));
    }

    String describe() {
      return this.equals(HOST_ONLY) ? "host-only" : String.format(Locale.ROOT, "simulated:%s+%s", num(passMs), num(perFrameMs));
    }

    private static String num(double v) {
      return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
  }

  /**
   * One lesion of the ground truth as the scorer saw it, so a missed or late lesion can be looked at
   * rather than only counted (a median over a few lesions hides both): its frames ({@code start..end},
   * inclusive, of stream {@code stream}), how many were scored and how many of those over the
   * threshold, its highest score against the threshold, and the time from its first frame's capture
   * to its first alert's decision (NaN when not alerted).
   */
  record Lesion(String stream, int start, int end, int scored, int overThreshold, double maxScore, double threshold,
      boolean alerted, double firstAlertMs) {}

  /**
   * The same from a downstream reader's side (read committed, as the consoles read): capture ->
   * outcome readable, p50 and p99 over the scored frames, and lesion onset -> alert start readable
   * (median). The difference to the decision times is the wait for the exactly-once commit.
   */
  record Visible(double captureToVisibleP50Ms, double captureToVisibleP99Ms, double timeToFirstAlertVisibleMs) {}

  /**
   * Where the time to a lesion's first alert goes (in a {@link Result}: medians over the alerted
   * lesions, so they need not add up to the median total): {@code detectMs} from the onset frame's
   * capture to the capture of the first frame inside the lesion scored over the threshold (the model:
   * a lesion fading in is faint at first; skipped frames add to it too), {@code ruleMs} from there to
   * the capture of the frame that raised the alert (the alert rule's k of n), {@code decideMs} that
   * frame's capture -> decision latency (the scorer), {@code publishMs} from that decision until the
   * alert start was readable downstream (the exactly-once commit; NaN when not seen).
   */
  record FirstAlertParts(double detectMs, double ruleMs, double decideMs, double publishMs) {}

  /** One lesion's parts, or null when a frame they need is missing. */
  static FirstAlertParts firstAlertParts(Map<Long, Score> byIndex, long onsetFrame, long triggerFrame, Long alertSeenMs) {
    Score onset = byIndex.get(onsetFrame);
    Score trigger = byIndex.get(triggerFrame);
    if (onset == null || trigger == null) {
      return null;
    }
    Score firstOver = null;
    for (long f = onsetFrame; f <= triggerFrame && firstOver == null; f++) {
      Score s = byIndex.get(f);
      if (s != null && s.anomalous()) {
        firstOver = s;
      }
    }
    if (firstOver == null) {
      return null;
    }
    return new FirstAlertParts(firstOver.captureTimestampMs() - onset.captureTimestampMs(),
        trigger.captureTimestampMs() - firstOver.captureTimestampMs(), trigger.scoredTimestampMs() - trigger.captureTimestampMs(),
        alertSeenMs == null ? Double.NaN : alertSeenMs - trigger.scoredTimestampMs());
  }

  /**
   * What to run.
   *
   * @param bootstrap a Kafka to use, or null for an embedded broker
   * @param fps each procedure's camera rate; {@code seconds} long, after {@code warmupSeconds} of warm-up
   * @param frameWorkers threads scoring a backlog batch's frames side by side (0 = as {@code score})
   * @param seed the first stream's generated procedure (its scenes, lesions and camera path); stream i plays seed + i
   * @param instances scorer instances (Kafka Streams applications of one id, each with one thread),
   *     to see the work split and exactly-once across instances; 1 = one instance with up to 2 threads
   * @param rendered the generator's pictures prepared as drawn, instead of filmed to H.264 and decoded
   *     back as ingest reads a recording (a machine without FFmpeg's natives: the GPU host)
   * @param standIn null to score with the model; else every frame decoded and prepared for the network
   *     as the model's scorer does, then given a score of 0 by a stand-in for the network: the cost of
   *     everything around the model (broker, Kafka Streams, serdes, stores, exactly-once, the batcher)
   * @param streamThreads the scorer's stream threads (one instance), 0 = min(streams, 2)
   * @param batchWaitMs with several stream threads, how long the shared model waits for company
   */
  record Settings(String bootstrap, Path model, int streams, double fps, int seconds, int warmupSeconds, long budgetMs,
      int backlogBatch, int frameWorkers, int instances, AlertRule rule, long seed, boolean rendered, StandIn standIn,
      int streamThreads, long batchWaitMs, boolean keepTopics) {}

  private PipelineBench() {}

  static Result run(Settings run, Path work, PrintWriter log) throws Exception {
    String bootstrap = run.bootstrap();
    Path model = run.model();
    int streams = run.streams();
    double fps = run.fps();
    int seconds = run.seconds();
    long budgetMs = run.budgetMs();
    int backlogBatch = run.backlogBatch();
    int instances = run.instances();
    List<AutoCloseable> open = new ArrayList<>();
    try {
      if (bootstrap == null) {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, work.resolve("kafka"), Map.of(), Duration.ofSeconds(90));
        open.add(broker);
        bootstrap = broker.bootstrapServers();
      }
      KafkaSettings settings = KafkaSettings.of(bootstrap);
      String suffix = ".bench-" + System.currentTimeMillis();
      String input = Topics.FRAMES.name() + suffix;
      ScoringTopology.Outputs outputs = ScoringTopology.Outputs.suffixed(suffix);
      try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(30))) {
        admin.apply(org.endowatch.platform.TopicCatalog.builtIn());
        admin.createLike(input, Topics.FRAMES.name());
        admin.createLike(outputs.scores(), Topics.SCORES.name());
        admin.createLike(outputs.heatmaps(), Topics.HEATMAPS.name());
        admin.createLike(outputs.alerts(), Topics.ALERTS.name());
        admin.createLike(outputs.deadLetters(), Topics.FRAMES_DLQ.name());
      }
      if (run.bootstrap() != null && run.keepTopics()) {
        log.printf("keeping the bench's topics (frames%1$s, scores%1$s, heatmaps%1$s, alerts%1$s, frames-dlq%1$s) and its "
            + "scorer's state (group bench%1$s) on %2$s (--keep-topics)%n", suffix, run.bootstrap());
      } else if (run.bootstrap() != null) {
        // A cluster that outlives the bench keeps none of it: its topics, its scorer's offsets and
        // changelogs go once the scorer has stopped (what is opened closes in reverse).
        List<String> made = List.of(input, outputs.scores(), outputs.heatmaps(), outputs.alerts(), outputs.deadLetters());
        open.add(() -> {
          try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(30))) {
            admin.delete(made);
            ScorerApp.dropState(admin, "bench" + suffix);
            log.printf("removed the bench's topics (%s, ...) and its scorer's state from %s%n", input, run.bootstrap());
          } catch (RuntimeException e) {
            log.printf("could not remove the bench's topics (*%s) and its scorer's state (group bench%s) from %s: %s%n",
                suffix, suffix, run.bootstrap(), e.getMessage());
          }
          log.flush();
        });
      }
      // One generated procedure per stream (seeds seed, seed + 1, ...: each room its own lesions),
      // decoded and prepared once: the bench measures the scorer, not ingest. Side by side, a thread
      // per core: drawing, filming and preparing take seconds per procedure, which 16 rooms multiply.
      log.printf("generating %d procedure(s) of %d s%n", streams, seconds);
      log.flush();
      List<GroundTruth> truths = new ArrayList<>();
      List<List<byte[]>> streamFrames = new ArrayList<>();
      ExecutorService generators = Executors.newFixedThreadPool(Math.min(streams, Runtime.getRuntime().availableProcessors()));
      try {
        List<Future<Procedure>> generated = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
          long seed = run.seed() + i;
          generated.add(generators.submit(() -> procedure(run, seed, work)));
        }
        for (Future<Procedure> f : generated) {
          Procedure p = get(f);
          truths.add(p.truth());
          streamFrames.add(p.frames());
        }
      } finally {
        generators.shutdownNow();
      }
      List<byte[]> frames = streamFrames.get(0);   // the warm-up's; every procedure has seconds x fps frames
      log.printf("pipeline: %d streams x %d frames at %.0f fps (%s), budget %d ms, backlog batch %d%n", streams, frames.size(), fps,
          run.rendered() ? "rendered, no codec" : "filmed and decoded", budgetMs, backlogBatch);
      log.flush();
      // Several instances: one stream thread each, to see the split across instances. One instance:
      // up to two threads sharing the model through the batcher, or as asked.
      int threads = instances > 1 ? 1 : run.streamThreads() > 0 ? run.streamThreads() : Math.min(streams, 2);
      ModelArtifact.Loaded loaded = ModelArtifact.load(model, "auto");
      ModelFrameScorer model0 = new ModelFrameScorer(loaded, null,
          ScoringThreads.frameWorkers(run.frameWorkers(), loaded.device().isGpu(), threads * backlogBatch));   // as `score`
      open.add(model0);
      log.printf("scoring on %s, frame workers: %d%n", loaded.device(), model0.frameWorkers());
      List<SimpleMeterRegistry> registries = new ArrayList<>();
      DeviceStandIn standIn = run.standIn() == null ? null : new DeviceStandIn(model0, run.standIn());
      if (standIn != null) {
        log.printf("%s: frames decoded and prepared, then scored 0 by a stand-in for the network (no alerts)%n",
            run.standIn().describe());
      }
      // The same object either way: as the batcher's model, and as the scorer when there is no batcher.
      BatchModel passes = standIn != null ? standIn : model0;
      java.util.concurrent.atomic.LongAdder passCount = new java.util.concurrent.atomic.LongAdder();
      java.util.concurrent.atomic.LongAdder passFrames = new java.util.concurrent.atomic.LongAdder();
      FrameScorer alone = standIn != null ? standIn : model0;
      java.util.function.Supplier<FrameScorer> shared = () -> alone;
      if (threads > 1) {
        BatchingFrameScorer batcher = new BatchingFrameScorer(() -> passes, threads * backlogBatch, run.batchWaitMs(), n -> {
          passCount.increment();
          passFrames.add(n);
        });
        open.add(batcher::close);
        shared = batcher;
      }
      for (int i = 0; i < instances; i++) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registries.add(registry);
        ScorerApp app = new ScorerApp(settings.clientProps(), "bench" + suffix, threads,
            work.resolve(instances > 1 ? "streams-" + i : "streams"),
            new ScoringTopology.Settings(input, outputs, budgetMs, run.rule(), backlogBatch), shared, registry);
        open.add(app);
        app.start();
      }
      OutputWatcher watcher = new OutputWatcher(settings.clientProps(), outputs.scores(), outputs.alerts(),
          System::currentTimeMillis);
      open.add(watcher);
      try (Producer<String, Frame> producer = IngestCommand.producer(settings)) {
        // Warm-up at the camera's rate: a fresh JVM spends its first minute compiling (measured: the
        // JIT took a third of a core during a 30 s run, and scored frames/s rose by a third over 120 s).
        List<byte[]> warmup = new ArrayList<>();
        for (int i = 0; i < Math.max(30, Math.round(run.warmupSeconds() * fps)); i++) {
          warmup.add(frames.get(i % frames.size()));
        }
        play(producer, input, "warmup", warmup, fps);
        waitFor(settings.clientProps(), outputs.scores(), "warmup", warmup.size(), 120 + run.warmupSeconds());
        CpuAccount.Snapshot cpuBefore = CpuAccount.snapshot();
        long passesBefore = passCount.sum();
        long passFramesBefore = passFrames.sum();
        long start = System.nanoTime();
        List<Thread> players = new ArrayList<>();
        java.util.concurrent.atomic.LongAdder camerasCpu = new java.util.concurrent.atomic.LongAdder();
        for (int i = 0; i < streams; i++) {
          String id = "bench-" + i;
          List<byte[]> own = streamFrames.get(i);
          Thread t = new Thread(() -> {
            play(producer, input, id, own, fps);
            camerasCpu.add(CpuAccount.currentThreadNanos());
          }, id);
          t.start();
          players.add(t);
        }
        for (Thread t : players) {
          t.join();
        }
        double sendSeconds = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < streams; i++) {
          waitFor(settings.clientProps(), outputs.scores(), "bench-" + i, frames.size(), 300);
        }
        // Until every outcome is written (the waits above poll twice a second, so up to ~0.5 s of
        // idle time and the polls' own reads count too).
        CpuAccount.Usage cpu = CpuAccount.perFrame(cpuBefore, CpuAccount.snapshot(),
            Map.of(CpuAccount.CAMERAS, camerasCpu.sum()), (long) streams * frames.size(),
            (System.nanoTime() - start) / 1e9);
        // The shared model's passes over the measured part (several stream threads only: one thread
        // scores its own batches, which the backlog batch sizes below describe).
        long measuredPasses = passCount.sum() - passesBefore;
        double meanPassFrames = (passFrames.sum() - passFramesBefore) / (double) Math.max(1, measuredPasses);
        watcher.awaitScores(warmup.size() + streams * frames.size(), Duration.ofSeconds(30));
        double meanBatch = 1;   // without backlog batching every frame is scored alone
        if (backlogBatch > 1) {
          double batches = registries.stream().mapToDouble(r -> r.find("endowatch.backlog.batch_size").summary().count()).sum();
          double frames1 = registries.stream().mapToDouble(r -> r.find("endowatch.backlog.batch_size").summary().totalAmount()).sum();
          meanBatch = frames1 / Math.max(1, batches);
          log.printf("backlog batches: %.0f, %.2f frames each on average%n", batches, meanBatch);
        }
        // The scorer's own time per scored frame (decode, network, map; the warm-up frames included):
        // what a frame's latency holds beyond it is waiting, and the CPU beyond it went to the
        // broker, the producer and the JIT. Batches record their time per frame once per batch.
        double inferenceMs = registries.stream().mapToDouble(r -> r.find("endowatch.inference").timer()
            .totalTime(TimeUnit.MILLISECONDS)).sum()
            / Math.max(1, registries.stream().mapToLong(r -> r.find("endowatch.inference").timer().count()).sum());
        // Where a stream thread's time goes besides scoring, from Kafka Streams' own thread metrics
        // (commit under exactly-once, poll, punctuate: averages and maxima since the start).
        registries.forEach(r -> r.getMeters().stream()
            .filter(m -> m.getId().getName().startsWith("kafka.stream.thread.") && m.getId().getName().contains("latency"))
            .sorted(Comparator.comparing(m -> m.getId().getName()))
            .forEach(m -> m.measure().forEach(v -> log.printf(Locale.ROOT, "  %s %.1f ms%n", m.getId().getName(), v.getValue()))));
        List<Long> perInstance = registries.stream().map(r -> (long) (r.find("endowatch.frames.scored").counter().count()
            + r.find("endowatch.frames.skipped").counters().stream().mapToDouble(c -> c.count()).sum())).toList();
        return measure(settings.clientProps(), outputs, streams, fps, sendSeconds, frames.size(), truths, budgetMs,
            model0.modelVersion(), ModelArtifact.readManifest(model).maskSchedule(), perInstance, meanBatch, inferenceMs,
            model0.frameWorkers(), loaded.device().toString(), watcher, run.standIn(), cpu, threads, measuredPasses,
            threads > 1 ? meanPassFrames : Double.NaN);
      }
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    }
  }

  /**
   * The scorer with a stand-in for its network: each frame decoded and resized to the model's input
   * on the stream thread, as the model's scorer does; then each pass waits as a host waits for a GPU
   * (asleep, the CPU free: a GPU pass of a small network is a fixed cost, measured on an H100 at
   * 14.7 ms for one frame and 17.3 for 32) and gives a score of 0 and a map of zeros (nothing alerts).
   */
  static final class DeviceStandIn implements FrameScorer, BatchModel {
    private final ModelFrameScorer model;
    private final StandIn pass;
    private final int grid;

    DeviceStandIn(ModelFrameScorer model, StandIn pass) {
      this.model = model;
      this.pass = pass;
      this.grid = model.gridSize();
    }

    @Override
    public Scored score(Frame frame) {
      return scoreBatch(new float[][] {input(frame)}).get(0);
    }

    /** A backlog in one pass, as the model's scorer does (not the interface's frame by frame). */
    @Override
    public List<Outcome> scoreAll(List<Frame> frames) {
      return scoreTogether(frames);
    }

    @Override
    public float[] input(Frame frame) {
      return model.input(frame);
    }

    @Override
    public List<Scored> scoreBatch(float[][] inputs) {
      long nanos = Math.round((pass.passMs() + inputs.length * pass.perFrameMs()) * 1e6);
      if (nanos > 0) {
        long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = until - System.nanoTime()) {
          java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
      }
      List<Scored> out = new ArrayList<>(inputs.length);
      for (int i = 0; i < inputs.length; i++) {
        out.add(new Scored(0, new float[grid * grid], grid));
      }
      return out;
    }

    @Override
    public String modelVersion() {
      return model.modelVersion();
    }

    @Override
    public double imageThreshold() {
      return model.imageThreshold();
    }

    @Override
    public float patchThreshold() {
      return model.patchThreshold();
    }
  }

  /** A generated procedure as the bench sends it: prepared frames and where its lesions are. */
  private record Procedure(GroundTruth truth, List<byte[]> frames) {}

  /** Stream {@code seed}'s procedure, filmed and decoded or rendered; its own preparer, as each room's ingest has. */
  private static Procedure procedure(Settings run, long seed, Path work) throws Exception {
    double fps = run.fps();
    int seconds = run.seconds();
    FramePreparer preparer = new FramePreparer(256, 256, 0.9f);
    Path video = work.resolve("bench-" + seconds + "s-" + (int) fps + "fps-seed" + seed + ".mp4");
    VirtualCamera camera = ProcedureVideo.synthetic(Math.max(2, seconds / 2), Math.max(1, seconds / 6), 384, 256,
        (int) Math.round(2 * fps), seed);
    List<byte[]> prepared = new ArrayList<>();
    if (run.rendered()) {
      GroundTruth truth = ProcedureVideo.render(camera, 384, 256, fps, seed, video.getFileName().toString(),
          image -> prepared.add(preparer.prepare(image)));
      truth.write(GroundTruth.pathFor(video));   // as beside a filmed one: to replay a missed lesion's frames
      return new Procedure(truth, prepared);
    }
    GroundTruth truth = ProcedureVideo.write(camera, 384, 256, fps, seed, video, n -> {});
    try (FrameSource s = Sources.open(video.toString(), Sources.Options.DEFAULT, ms -> {})) {
      FrameSource.Picture p;
      while ((p = s.next()) != null) {
        prepared.add(preparer.prepare(p.image()));
      }
    }
    return new Procedure(truth, prepared);
  }

  /** A generator's result, its own exception rethrown as it was. */
  private static Procedure get(Future<Procedure> f) throws Exception {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static void play(Producer<String, Frame> producer, String topic, String id, List<byte[]> frames, double fps) {
    Pacer pacer = Pacer.system();
    for (int i = 0; i < frames.size(); i++) {
      pacer.await(Math.round(i * 1e6 / fps));
      long now = System.currentTimeMillis();
      producer.send(new ProducerRecord<>(topic, null, now, id, new Frame(id, i, now, 256, 256, Frame.JPEG, "bench", frames.get(i))));
    }
    producer.flush();
  }

  private static void waitFor(Properties client, String scores, String id, int count, int timeoutS) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutS * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      long n = ProcedureRecords.forEach(client, scores, id, Topics.SCORES.valueSerde().deserializer(), 0, r -> {});
      if (n >= count) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the scorer did not finish " + id + " within " + timeoutS + " s");
  }

  private static Result measure(Properties client, ScoringTopology.Outputs outputs, int streams, double fps, double seconds,
      int perStream, List<GroundTruth> truths, long budgetMs, String model, String schedule, List<Long> perInstance,
      double meanBacklogBatch, double inferenceMs, int frameWorkers, String device, OutputWatcher watcher, StandIn standIn,
      CpuAccount.Usage cpu, int streamThreads, long modelPasses, double meanModelPassFrames) {
    long[] records = {0};
    List<Double> latencies = new ArrayList<>();
    List<Double> visibleLatencies = new ArrayList<>();
    List<Double> ttfa = new ArrayList<>();
    List<Double> ttfaVisible = new ArrayList<>();
    List<FirstAlertParts> parts = new ArrayList<>();
    List<Lesion> lesions = new ArrayList<>();
    long scored = 0;
    long skipped = 0;
    int alerted = 0;
    int falseAlerts = 0;
    long firstCapture = Long.MAX_VALUE;
    long lastDecision = Long.MIN_VALUE;
    for (int i = 0; i < streams; i++) {
      String id = "bench-" + i;
      GroundTruth truth = truths.get(i);
      Map<Long, Score> byIndex = new HashMap<>();
      ProcedureRecords.forEach(client, outputs.scores(), id, Topics.SCORES.valueSerde().deserializer(), 0,
          r -> {
            records[0]++;
            byIndex.put(r.value().frameIndex(), r.value());
          });
      for (Score s : byIndex.values()) {
        firstCapture = Math.min(firstCapture, s.captureTimestampMs());
        lastDecision = Math.max(lastDecision, s.scoredTimestampMs());
        if (s.isScored()) {
          scored++;
          latencies.add((double) s.latencyMs());
          Long seen = watcher.scoreSeen(id, s.frameIndex());
          if (seen != null) {
            visibleLatencies.add((double) (seen - s.captureTimestampMs()));
          }
        } else {
          skipped++;
        }
      }
      List<AlertEvent> starts = new ArrayList<>();
      ProcedureRecords.forEach(client, outputs.alerts(), id, Topics.ALERTS.valueSerde().deserializer(), 0, r -> {
        if (r.value().type().equals(AlertEvent.START)) {
          starts.add(r.value());
        }
      });
      // The lesion's time to alert runs from its first frame's capture to that alert's decision.
      GroundTruth.AlertMatch match = truth.match(starts);
      falseAlerts += match.falseAlerts();
      for (GroundTruth.Interval in : truth.anomalyIntervals()) {
        AlertEvent first = match.firstAlert().get(in);
        Score onset = byIndex.get((long) in.start());
        Score trigger = first == null ? null : byIndex.get(first.endFrame());
        boolean hit = first != null && onset != null && trigger != null;
        // From the capture of the lesion's first frame to the moment the alert was decided.
        double toAlertMs = hit ? trigger.scoredTimestampMs() - onset.captureTimestampMs() : Double.NaN;
        lesions.add(lesion(id, in, byIndex, toAlertMs));
        if (hit) {
          alerted++;
          ttfa.add(toAlertMs);
          Long seen = watcher.alertSeen(first.alertId());
          if (seen != null) {
            ttfaVisible.add((double) (seen - onset.captureTimestampMs()));
          }
          FirstAlertParts split = firstAlertParts(byIndex, in.start(), first.endFrame(), seen);
          if (split != null) {
            parts.add(split);
          }
        }
      }
    }
    long frames = (long) streams * perStream;
    // Scored frames per second of scoring: from the first capture to the last decision, which is
    // the sending time when the scorer keeps up (or skips) and longer when it drains a backlog
    // after the camera stopped (--budget-ms 0).
    double scoringSeconds = Math.max(seconds, (lastDecision - firstCapture) / 1000.0);
    return new Result(streams, fps, seconds, frames, scored, skipped, scored / scoringSeconds, skipped / (double) frames,
        pct(latencies, 0.5), pct(latencies, 0.99), pct(ttfa, 0.5), truths.stream().mapToInt(t -> t.anomalyIntervals().size()).sum(), alerted,
        falseAlerts, budgetMs, model, schedule, records[0], perInstance, meanBacklogBatch, inferenceMs, frameWorkers,
        new FirstAlertParts(pct(parts.stream().map(FirstAlertParts::detectMs).toList(), 0.5),
            pct(parts.stream().map(FirstAlertParts::ruleMs).toList(), 0.5),
            pct(parts.stream().map(FirstAlertParts::decideMs).toList(), 0.5),
            pct(parts.stream().map(FirstAlertParts::publishMs).filter(v -> !v.isNaN()).toList(), 0.5)),
        new Visible(pct(visibleLatencies, 0.5), pct(visibleLatencies, 0.99), pct(ttfaVisible, 0.5)), pct(ttfa, 0.9),
        List.copyOf(lesions), device, standIn, cpu, streamThreads, modelPasses, meanModelPassFrames);
  }

  /** The lesion {@code in} of stream {@code id} from its frames' scores. */
  static Lesion lesion(String id, GroundTruth.Interval in, Map<Long, Score> byIndex, double firstAlertMs) {
    int scored = 0;
    int over = 0;
    double max = Double.NaN;
    double threshold = Double.NaN;
    for (long f = in.start(); f <= in.end(); f++) {
      Score s = byIndex.get(f);
      if (s != null && s.isScored()) {
        scored++;
        over += s.anomalous() ? 1 : 0;
        max = Double.isNaN(max) ? s.score() : Math.max(max, s.score());
        threshold = s.threshold();
      }
    }
    return new Lesion(id, in.start(), in.end(), scored, over, max, threshold, !Double.isNaN(firstAlertMs), firstAlertMs);
  }

  private static double pct(List<Double> v, double q) {
    if (v.isEmpty()) {
      return Double.NaN;
    }
    double[] s = v.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(s);
    return s[Math.max(0, (int) Math.ceil(q * s.length) - 1)];
  }
}
