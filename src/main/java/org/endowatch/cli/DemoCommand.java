package org.endowatch.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.Producer;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.FramePreparer;
import org.endowatch.ingest.FrameSource;
import org.endowatch.ingest.GroundTruth;
import org.endowatch.ingest.Ingestor;
import org.endowatch.ingest.Pacer;
import org.endowatch.ingest.ProcedureVideo;
import org.endowatch.ingest.Sources;
import org.endowatch.model.ModelArtifact;
import org.endowatch.platform.EmbeddedKafkaBroker;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.platform.TopicCatalog;
import org.endowatch.score.AlertRule;
import org.endowatch.score.ModelFrameScorer;
import org.endowatch.score.ModelHolder;
import org.endowatch.score.ModelReleaseWatcher;
import org.endowatch.score.ScorerApp;
import org.endowatch.score.ScoringThreads;
import org.endowatch.score.ScoringTopology;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", description = {"Run everything on this machine: broker, scorer, synthetic procedures and the console.",
    "Needs no data and no network: the procedures are generated, the model is the one in the jar (models/demo-micro)."})
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
      description = "Console port (default ${DEFAULT-VALUE}; 0 = any free).") int port;
  @Option(names = "--procedures", paramLabel = "N", defaultValue = "1",
      description = "Procedures played at once (default ${DEFAULT-VALUE}).") int procedures;
  @Option(names = "--seconds", paramLabel = "S", defaultValue = "0",
      description = "Stop after this long (default 0: until Ctrl-C).") long seconds;
  @Option(names = "--video-seconds", paramLabel = "S", defaultValue = "40",
      description = "Length of the generated procedure, played in a loop (default ${DEFAULT-VALUE}).")
  int videoSeconds;
  @Option(names = "--budget-ms", paramLabel = "MS", defaultValue = "150",
      description = "Scorer staleness budget (default ${DEFAULT-VALUE}).") long budgetMs;
  @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Use this Kafka instead of starting one.") String bootstrap;
  @Option(names = "--source", paramLabel = "FILE", description = "Play this video instead of a generated procedure.") Path source;
  @Option(names = "--dataset", paramLabel = "DIR",
      description = "Film a procedure from real stills: DIR/images (+ DIR/masks), e.g. ../shared/data/kvasir-seg.") Path dataset;
  @Option(names = "--model", paramLabel = "DIR", description = "Score with this model instead of the bundled demo-micro.") Path model;
  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the broker's data, the video and the model go, kept after the demo stops (default: a temporary folder, deleted when it stops).")
  Path workDir;
  @Spec CommandSpec spec;

  /** Everything the demo started, stopped in reverse order. */
  public static final class Running implements AutoCloseable {
    private final List<AutoCloseable> parts = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> players = new ArrayList<>();
    private ScorerApp scorer;
    /** Frames the players sent, every round of every player. */
    private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
    /** How long closing waits for the scorer to deal with the frames the players sent. */
    private static final Duration CATCH_UP_WAIT = Duration.ofSeconds(10);
    private String consoleUrl;
    private String bootstrapServers;
    private String procedures;
    private GroundTruth truth;

    public String consoleUrl() {
      return consoleUrl;
    }

    public String bootstrapServers() {
      return bootstrapServers;
    }

    public GroundTruth truth() {
      return truth;
    }

    /** What the demo's procedure ids start with: {@code demo-}, and a tag of this run on a {@code --bootstrap} cluster. */
    public String procedures() {
      return procedures;
    }

    @Override
    public void close() {
      stop.set(true);
      try {
        for (Thread t : players) {
          t.join(10_000);
        }
        // The players told procedures their recordings ended: once the scorer has dealt with every
        // frame they sent, each alert has its end on alerts (at its recording's last frame, or by its
        // scores), before the scorer goes; with --bootstrap, what others read of the demo stays whole.
        if (scorer != null && !scorer.awaitDealtWith(sent.get(), CATCH_UP_WAIT)) {
          System.err.println("demo: the scorer had not dealt with every frame the players sent " + CATCH_UP_WAIT.toSeconds()
              + " s after they stopped; an alert still open stays open on alerts (the scorer stops now)");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (int i = parts.size() - 1; i >= 0; i--) {
        try {
          parts.get(i).close();
        } catch (Exception ignored) {
          // stop the rest regardless
        }
      }
    }
  }

  /** What to run: everything optional falls back to the generated procedure and the bundled model. */
  public record Options(Path work, String bootstrap, int port, int procedures, int videoSeconds, long budgetMs, Path source,
      Path dataset, Path model) {}

  /** Starts the demo; the caller closes it. Progress lines go to {@code log}. */
  public static Running start(Options o, PrintWriter log) throws Exception {
    Path work = o.work();
    String bootstrap = o.bootstrap();
    int videoSeconds = o.videoSeconds();
    Running r = new Running();
    try {
      if (bootstrap == null) {
        log.println("demo: starting a Kafka broker (KRaft, 127.0.0.1 only)");
        log.flush();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, work.resolve("kafka"), Map.of(), Duration.ofSeconds(90));
        r.parts.add(broker);
        bootstrap = broker.bootstrapServers();
      }
      r.bootstrapServers = bootstrap;
      KafkaSettings settings = KafkaSettings.of(bootstrap);
      try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(30))) {
        admin.apply(TopicCatalog.builtIn());
      }
      Path video;
      if (o.source() != null) {
        video = o.source();
      } else if (o.dataset() != null) {
        video = work.resolve("dataset-procedure.mp4");
        log.printf("demo: filming a procedure from the stills in %s%n", o.dataset());
        log.flush();
        Path masks = o.dataset().resolve("masks");
        ProcedureVideo.write(ProcedureVideo.fromImages(o.dataset().resolve("images"), Files.isDirectory(masks) ? masks : null,
            null, 20, 384, 256, 50, 7), 384, 256, 25, 7, video, n -> {});
      } else {
        video = work.resolve("procedure-" + videoSeconds + "s.mp4");
        if (!Files.exists(GroundTruth.pathFor(video))) {
          log.printf("demo: generating a %d s synthetic procedure (%s)%n", videoSeconds, video);
          log.flush();
          // Seed 7: a procedure the demo model never saw (it was trained on seeds 101-108).
          ProcedureVideo.write(ProcedureVideo.synthetic(Math.max(2, videoSeconds / 2), Math.max(1, videoSeconds / 6), 384, 256,
              50, 7), 384, 256, 25, 7, video, n -> {});
        }
      }
      r.truth = Files.exists(GroundTruth.pathFor(video)) ? GroundTruth.read(GroundTruth.pathFor(video)) : null;
      Path model = o.model() != null ? o.model() : extractModel(work.resolve("model"));
      // Scored as `score` scores by default: all cores but one per operator, backlogs of two side by side.
      ScoringThreads.request(0);
      ModelArtifact.Loaded loaded = ModelArtifact.load(model, "auto");
      ModelHolder scorer = new ModelHolder(new ModelFrameScorer(loaded, null,
          ScoringThreads.frameWorkers(0, loaded.device().isGpu(), ScoringTopology.LIVE_BACKLOG_BATCH)), "auto", null);
      r.parts.add(scorer);
      // Like `score`: `models publish` of a model with this one's name swaps it in while the demo runs.
      ModelReleaseWatcher releases = new ModelReleaseWatcher(settings.clientProps(), scorer, outcome -> {
        log.println("demo: " + outcome.message());
        log.flush();
      });
      r.parts.add(releases);
      releases.awaitCaughtUp(Duration.ofSeconds(30));
      String application = "endowatch-demo-" + System.currentTimeMillis();
      ScoringTopology.Settings scoring = new ScoringTopology.Settings(Topics.FRAMES.name(), ScoringTopology.Outputs.LIVE,
          o.budgetMs(), AlertRule.DEFAULT, ScoringTopology.LIVE_BACKLOG_BATCH, Topics.PROCEDURES.name());
      r.procedures = "demo-";
      if (o.bootstrap() != null) {
        // A cluster others use: the demo's scorer takes only the demo's procedures, tagged with this
        // run. The cluster's own procedures have their scorer (or wait for it): a second one gave their
        // frames a second outcome each, and an alert it opened on one of them would stay open on alerts
        // once the demo stopped. The tag keeps two demos there from playing into one procedure. On its own
        // broker the demo scores every procedure (frames ingested there by hand too).
        r.procedures = String.format(Locale.ROOT, "demo-%04x-", java.util.concurrent.ThreadLocalRandom.current().nextInt(0x10000));
        scoring = scoring.withProcedures(r.procedures);
        sayOtherScorers(settings, bootstrap, r.procedures, log);
        // A cluster that outlives the demo: its scorer's offsets and changelogs go once the scorer
        // has stopped (parts close in reverse), or `status` would list a scorer NOT RUNNING, and the
        // cluster keep its state topics, for every demo ever run there.
        String cluster = bootstrap;
        r.parts.add(() -> dropScorerState(settings, cluster, application, log));
      }
      ScorerApp app = new ScorerApp(settings.clientProps(), application, 1, work.resolve("streams"), scoring, scorer,
          new SimpleMeterRegistry());
      r.parts.add(app);
      r.scorer = app;
      app.start();
      ConsoleCommand.Running console = ConsoleCommand.start(settings, "127.0.0.1", o.port(), null);
      r.parts.add(console);
      r.consoleUrl = "http://127.0.0.1:" + console.server().port() + "/";
      for (int i = 1; i <= o.procedures(); i++) {
        r.players.add(player(settings, video, r.procedures + i, r.stop, r.sent));
      }
      return r;
    } catch (Exception | Error e) {
      r.close();
      throw e;
    }
  }

  /**
   * Says which scorers run on the cluster already: each scores the demo's frames too (a second
   * outcome for each, and its alerts on the consoles the unit watches), which the demo cannot stop.
   */
  private static void sayOtherScorers(KafkaSettings settings, String cluster, String procedures, PrintWriter log) {
    var admin = org.apache.kafka.clients.admin.Admin.create(TopicAdmin.adminProps(settings, StatusCommand.ANSWER_WITHIN));
    try {
      for (String scorer : StatusCommand.runningScorers(admin)) {
        log.printf("demo: %s has a scorer running (group %s): it scores the demo's procedures (%s*) as well, and its "
            + "consoles show them%n", cluster, scorer, procedures);
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.printf("demo: could not see which scorers run on %s (%s); any that does scores the demo's procedures as well%n",
          cluster, e.getMessage());
    } finally {
      admin.close(Duration.ofSeconds(2));
    }
    log.flush();
  }

  private static void dropScorerState(KafkaSettings settings, String cluster, String application, PrintWriter log) {
    try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(30))) {
      ScorerApp.DroppedState dropped = ScorerApp.dropState(admin, application);
      log.printf("demo: removed its scorer's state from %s (group %s%s)%n", cluster, application,
          dropped.topics().isEmpty() ? "" : ", " + String.join(", ", dropped.topics()));
    } catch (RuntimeException e) {
      log.printf("demo: could not remove its scorer's state from %s (group %s and its -changelog topics; "
          + "'kafka-consumer-groups --delete' and 'kafka-topics --delete' do it): %s%n", cluster, application, e.getMessage());
    }
    log.flush();
  }

  /** Plays the video in real time, again and again, each round a new procedure id. */
  private static Thread player(KafkaSettings settings, Path video, String prefix, AtomicBoolean stop,
      java.util.concurrent.atomic.AtomicLong sent) {
    Thread t = new Thread(() -> {
      try (Producer<String, Frame> producer = IngestCommand.producer(settings);
           RecordingEvents events = RecordingEvents.open(settings, true, new java.io.PrintWriter(System.err, true), "demo")) {
        for (int round = 1; !stop.get(); round++) {
          try (FrameSource source = Sources.open(video.toString(), Sources.Options.DEFAULT, ms -> {})) {
            sent.addAndGet(new Ingestor(new Ingestor.Options(Topics.FRAMES.name(), prefix + "-" + round, true, 0, 0, 0,
                IngestCommand.CATALOG_FRAME_LIMIT), new FramePreparer(256, 256, 0.9f), producer, events, new SimpleMeterRegistry(),
                System::currentTimeMillis, Pacer.system()).run(source, stop::get, n -> {}).sent());
          }
        }
      } catch (Exception e) {
        if (!stop.get()) {
          System.err.println("demo: player " + prefix + " stopped: " + e.getMessage());
        }
      }
    }, "demo-" + prefix);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** The demo model travels in the jar; the loader reads a directory. */
  static Path extractModel(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (String f : new String[] {"manifest.json", "parameters.bin"}) {
      try (InputStream in = DemoCommand.class.getResourceAsStream("/demo-model/" + f)) {
        if (in == null) {
          throw new IllegalStateException("the demo model is missing from this build (demo-model/" + f + "); rebuild with mvn package");
        }
        Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return dir;
  }

  @Override
  public Integer call() throws Exception {
    OptionRange.of(spec).port("--port", port, false).atLeast("--procedures", procedures, 1).atLeast("--video-seconds", videoSeconds, 4)
        .atLeast("--seconds", seconds, 0).atLeast("--budget-ms", budgetMs, 0);
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stop = new CountDownLatch(1);
    if (source != null && dataset != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give --source or --dataset, not both");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // SIGTERM / Ctrl-C: let the main thread close everything, then let the JVM exit.
      stop.countDown();
      try {
        stopped.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "demo-stop"));
    try (WorkDir wd = WorkDir.of(workDir, "endowatch-demo");
        Running r = start(new Options(wd.path(), bootstrap, port, procedures, videoSeconds, budgetMs, source, dataset, model),
        spec.commandLine().getErr())) {
      String where = r.truth() == null ? "" : String.format("; lesions at frames %s of each %d-frame round",
          r.truth().anomalyIntervals().stream().map(i -> i.start() + "-" + i.end()).toList(), r.truth().frames());
      out.printf("demo running: open %s  (procedures %2$s1-1, %2$s1-2, ...%3$s; Ctrl-C stops)%n", r.consoleUrl(), r.procedures(),
          where);
      out.println("  kafka: " + r.bootstrapServers() + "   e.g. endowatch alerts --follow --bootstrap " + r.bootstrapServers());
      out.flush();
      if (seconds > 0) {
        stop.await(seconds, TimeUnit.SECONDS);
      } else {
        stop.await();
      }
    } finally {
      // After every part is closed: the shutdown hook waits for this before the JVM exits.
      out.println("demo stopped");
      out.flush();
      stopped.countDown();
    }
    return 0;
  }

}
