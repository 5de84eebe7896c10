package org.endowatch.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.Producer;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.GroundTruth;
import org.endowatch.ingest.IngestException;
import org.endowatch.ingest.Pacer;
import org.endowatch.model.ModelArtifact;
import org.endowatch.platform.TopicAdmin;
import org.endowatch.replay.AnnotatedExport;
import org.endowatch.replay.ProcedureRecords;
import org.endowatch.replay.LesionOutcome;
import org.endowatch.replay.RescoreComparison;
import org.endowatch.replay.TimeRange;
import org.endowatch.replay.TopicReplay;
import org.endowatch.score.AlertRule;
import org.endowatch.score.ModelFrameScorer;
import org.endowatch.score.ScorerApp;
import org.endowatch.score.ScoringTopology;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "replay", description = "Replay a recorded procedure (video, topic range), re-score it, or export an annotated video.",
    subcommands = {ReplayCommand.Video.class, ReplayCommand.TopicRange.class, ReplayCommand.Rescore.class,
        ReplayCommand.Export.class, ReplayCommand.Drop.class})
public final class ReplayCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: video, topic, rescore, export or drop");
  }

  @Command(name = "video", description = "Play a recorded procedure video into frames at its original pace, as a new procedure.")
  static final class Video implements Callable<Integer> {
    @Mixin KafkaOptions kafka;
    @Parameters(paramLabel = "FILE", description = "The video (or image folder) to play.") String file;
    @Option(names = "--procedure", required = true, paramLabel = "NEWID",
        description = "The id its frames go out under: a new one, as for a recording ingest has not seen.") String procedure;
    @Mixin IngestCommand.Source source;
    @Option(names = "--as-fast-as-possible", description = "Do not pace (offline re-scoring).") boolean fast;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      return IngestCommand.run(spec, kafka.settings(), Topics.FRAMES.name(), file, source, procedure, !fast, true);
    }
  }

  @Command(name = "topic", description = "Re-publish a time range of a procedure already on frames, with its original spacing, under a new id.")
  static final class TopicRange implements Callable<Integer> {
    @Mixin KafkaOptions kafka;
    @Option(names = "--procedure", required = true, paramLabel = "ID", description = "The recorded procedure, as ingest named it.")
    String procedure;
    @Option(names = "--from", paramLabel = "T",
        description = "Start: offset from the procedure's start (90s, 2m), ISO instant or epoch ms.")
    String from;
    @Option(names = "--to", paramLabel = "T", description = "End, inclusive; same forms.") String to;
    @Option(names = "--as", paramLabel = "NEWID", description = "New procedure id (default: ID-replay).") String as;
    @Option(names = "--as-fast-as-possible", description = "Do not keep the original spacing.") boolean fast;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IngestException {
      TimeRange range = range(spec, from, to);
      String newId = as != null ? as : procedure + "-replay";
      if (newId.equals(procedure)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--as must differ from --procedure: a replay is a new procedure");
      }
      var settings = kafka.settings();
      boolean eventsTopic;
      try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
        admin.requireTopics(List.of(Topics.FRAMES.name()));
        eventsTopic = admin.exists(Topics.PROCEDURES.name());
      }
      PrintWriter err = spec.commandLine().getErr();
      if (eventsTopic) {
        ProcedureIdCheck.check(settings.clientProps(), Topics.FRAMES.name(), newId, "--as", false, err);
      }
      IngestCommand.Progress progress = new IngestCommand.Progress(err, 2_000, "replay topic", "sent");
      // Ctrl-C or SIGTERM: stop at the next frame and tell procedures the copy ended (stopped), as
      // ingest does; a copy that only stopped sending would show as FRAMES STOPPED, cut off. Closed
      // last, once the events are delivered and the summary printed.
      try (SignalStop stop = new SignalStop("replay-shutdown");
           Producer<String, Frame> producer = IngestCommand.producer(settings);
           RecordingEvents events = RecordingEvents.open(settings, eventsTopic, err, "replay topic")) {
        TopicReplay.Summary s;
        try {
          s = TopicReplay.run(settings.clientProps(), producer, Topics.FRAMES.name(), Topics.FRAMES.name(),
              procedure, range, TopicReplay.Mode.asNewProcedure(newId, !fast), Pacer.system(), System::currentTimeMillis,
              progress::report, events, stop::requested);
        } finally {
          events.flush();
        }
        if (s.frames() == 0 && !s.stopped()) {
          throw new IllegalArgumentException("no frames of procedure " + procedure + " in that range on " + Topics.FRAMES.name()
              + " (check the id and --from/--to)");
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "replayed %s frames %d..%d (%d frames, %.1f s) as %s%s%n", procedure,
            s.firstIndex(), s.lastIndex(), s.frames(), s.spanMs() / 1000.0, newId, s.stopped() ? ", stopped" : "");
        spec.commandLine().getOut().flush();
      }
      return 0;
    }
  }

  @Command(name = "rescore", description = {"Score recorded procedures again with another model, into separate topics, and compare with the live outcome.",
      "frames.TAG -> scores.TAG, heatmaps.TAG, alerts.TAG, frames-dlq.TAG."})
  static final class Rescore implements Callable<Integer> {
    @Mixin KafkaOptions kafka;
    @Option(names = "--procedure", required = true, split = ",", paramLabel = "ID",
        description = "The recorded procedures, as ingest named them: scored together, compared one by one and, with "
            + "--truth, in sum.")
    List<String> procedures;
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The calibrated model to score them with.")
    Path model;
    @Option(names = "--tag", paramLabel = "TAG", required = true,
        description = "Names the topics of this re-scoring (letters, digits, . _ -).") String tag;
    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
        description = "auto (GPU if PyTorch sees one), cpu or gpu.") String device;
    @Option(names = "--mask-schedule", paramLabel = "S",
        description = "Override the model's schedule (random-10, complementary-4; its thresholds hold for its own).")
    String maskSchedule;
    @Option(names = "--timeout-s", paramLabel = "S", defaultValue = "600",
        description = "Give up after this long (default ${DEFAULT-VALUE}).") long timeoutS;
    @Option(names = "--alert-rule", defaultValue = "3/5", paramLabel = "K/N", converter = AlertRuleOption.class,
        description = AlertRuleOption.DESCRIPTION) AlertRule alertRule;
    @Option(names = "--truth", split = ",", paramLabel = "FILE",
        description = "Each procedure's lesions, one file per --procedure in the same order, as frame ranges, both ends "
            + "included, frames numbered from 0 as ingest numbers them (the FILE.truth.json 'synth procedure' writes, or by "
            + "hand: {\"fps\": 25, \"anomalyIntervals\": [{\"start\": 91, \"end\": 146}]}): adds lesions alerted, time "
            + "to alert and false alerts, live and new.")
    List<Path> truthFiles = List.of();
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      checkTag(spec, tag);
      OptionRange.of(spec).atLeast("--timeout-s", timeoutS, 1);
      if (procedures.stream().distinct().count() < procedures.size()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--procedure names one more than once: " + procedures);
      }
      if (!truthFiles.isEmpty() && truthFiles.size() != procedures.size()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--truth gives " + truthFiles.size() + " file(s) for "
            + procedures.size() + " procedure(s): one per --procedure, in the same order");
      }
      List<GroundTruth> truths = new ArrayList<>();
      try {
        // The annotations before the minutes of scoring.
        for (Path f : truthFiles) {
          truths.add(GroundTruth.readAnnotation(f));
        }
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--truth " + e.getMessage());
      }
      var settings = kafka.settings();
      var client = settings.clientProps();
      String input = Topics.FRAMES.name() + "." + tag;
      ScoringTopology.Outputs outputs = ScoringTopology.Outputs.suffixed("." + tag);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      java.util.Map<String, Long> copied = new java.util.LinkedHashMap<>();
      boolean recordingsTopic;
      try (ModelFrameScorer scorer = new ModelFrameScorer(ModelArtifact.load(model, device), maskSchedule)) {
        try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
          if (admin.exists(input)) {
            throw new IllegalArgumentException("topic " + input + " exists: tag '" + tag
                + "' was used before; pick another --tag (its results stay in scores." + tag + ")");
          }
          admin.createLike(input, Topics.FRAMES.name());
          admin.createLike(outputs.scores(), Topics.SCORES.name());
          admin.createLike(outputs.heatmaps(), Topics.HEATMAPS.name());
          admin.createLike(outputs.alerts(), Topics.ALERTS.name());
          admin.createLike(outputs.deadLetters(), Topics.FRAMES_DLQ.name());
          recordingsTopic = admin.exists(Topics.PROCEDURES.name());
        }
        try (Producer<String, Frame> producer = IngestCommand.producer(settings)) {
          for (String procedure : procedures) {
            copied.put(procedure, TopicReplay.run(client, producer, Topics.FRAMES.name(), input, procedure, TimeRange.ALL,
                TopicReplay.Mode.identical(), Pacer.system(), System::currentTimeMillis, n -> {}).frames());
          }
        }
        List<String> missing = copied.entrySet().stream().filter(e -> e.getValue() == 0).map(java.util.Map.Entry::getKey).toList();
        if (!missing.isEmpty()) {
          // Nothing is re-scored: the tag's topics go again, so the same --tag works once the ids are right.
          try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
            admin.delete(List.of(input, outputs.scores(), outputs.heatmaps(), outputs.alerts(), outputs.deadLetters()));
          }
          throw new IllegalArgumentException("no frames of " + (missing.size() == 1 ? "procedure " : "procedures ")
              + String.join(", ", missing) + " on "
              + Topics.FRAMES.name() + " (check the id; the tag '" + tag + "' is left free)");
        }
        long total = copied.values().stream().mapToLong(Long::longValue).sum();
        err.printf("rescore: %d frames copied to %s; scoring with %s%n", total, input, scorer.modelVersion());
        err.flush();
        MeterRegistry registry = new SimpleMeterRegistry();
        try (ScorerApp app = new ScorerApp(client, rescoreApplication(tag), 1, rescoreState(tag),
            new ScoringTopology.Settings(input, outputs, 0, alertRule, 1, recordingsTopic ? Topics.PROCEDURES.name() : null),
            () -> scorer, registry)) {
          app.start();
          long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();
          IngestCommand.Progress progress = new IngestCommand.Progress(err, 2_000, "replay rescore", "with an outcome");
          while (outcomes(registry) < total) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("re-scoring took longer than " + timeoutS + " s (" + (long) outcomes(registry)
                  + " of " + total + " frames done); raise --timeout-s");
            }
            progress.report((long) outcomes(registry));
            Thread.sleep(200);
          }
          // An alert open at the last frame ends as a live one does: at once where ingest said the
          // recording ended (the copy has the live recording's id and every frame, its last one too;
          // within the scorer's once-a-second check), else after AlertEvent.FRAMES_STOPPED_AFTER_MS.
          // Waiting for it lets the new alerts compare with live ones, whose procedure stopped too.
          long checkedBy = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
          while (openAlerts(registry) > 0 && System.nanoTime() < checkedBy) {
            Thread.sleep(50);
          }
          if (openAlerts(registry) > 0) {
            err.printf("rescore: an alert is open at %s last frame with no word that its recording ended; it ends %d s after"
                + " the frames stop, as live%n", procedures.size() == 1 ? "the" : "a procedure's",
                AlertEvent.FRAMES_STOPPED_AFTER_MS / 1000);
            err.flush();
            long endBy = System.nanoTime() + Duration.ofMillis(AlertEvent.FRAMES_STOPPED_AFTER_MS + 5_000).toNanos();
            while (openAlerts(registry) > 0 && System.nanoTime() < endBy) {
              Thread.sleep(200);
            }
          }
        }
      }
      report(client, outputs, copied, truths, out, err);
      return 0;
    }

    /** Each procedure against its live outcome and, with annotations, its lesions; then their sum. */
    private void report(java.util.Properties client, ScoringTopology.Outputs outputs, java.util.Map<String, Long> copied,
        List<GroundTruth> truths, PrintWriter out, PrintWriter err) {
      List<LesionOutcome> liveSum = new ArrayList<>();
      List<LesionOutcome> newSum = new ArrayList<>();
      for (int i = 0; i < procedures.size(); i++) {
        String procedure = procedures.get(i);
        long frames = copied.get(procedure);
        List<Score> live = read(client, Topics.SCORES.name(), procedure, Topics.SCORES.valueSerde().deserializer());
        List<Score> rescored = read(client, outputs.scores(), procedure, Topics.SCORES.valueSerde().deserializer());
        List<AlertEvent> liveAlerts = read(client, Topics.ALERTS.name(), procedure, Topics.ALERTS.valueSerde().deserializer());
        List<AlertEvent> newAlerts = read(client, outputs.alerts(), procedure, Topics.ALERTS.valueSerde().deserializer());
        out.println("rescored " + procedure + " into " + outputs.scores() + ": "
            + RescoreComparison.of(live, rescored, liveAlerts, newAlerts).describe());
        if (truths.isEmpty()) {
          continue;
        }
        GroundTruth truth = truths.get(i);
        if (truth.frames() > 0 && truth.frames() != frames) {
          err.printf("rescore: %s describes %d frames, procedure %s has %d: check that it is this procedure's%n",
              truthFiles.get(i), truth.frames(), procedure, frames);
        }
        LesionOutcome newOutcome = LesionOutcome.of(truth, newAlerts, frames);
        newSum.add(newOutcome);
        if (!live.isEmpty()) {
          liveSum.add(LesionOutcome.of(truth, liveAlerts, frames));
        }
        out.println("lesions live: " + (live.isEmpty() ? "not scored live" : liveSum.get(liveSum.size() - 1).describe()));
        out.println("lesions new:  " + newOutcome.describe());
      }
      if (procedures.size() > 1 && !truths.isEmpty()) {
        out.println("all " + procedures.size() + " procedures:");
        out.println("lesions live: " + (liveSum.isEmpty() ? "none scored live" : LesionOutcome.sum(liveSum).describe()
            + (liveSum.size() < procedures.size() ? " (the " + liveSum.size() + " scored live)" : "")));
        out.println("lesions new:  " + LesionOutcome.sum(newSum).describe());
      }
    }

    /** Alerts raised and not ended by this run's scorer. */
    private static double openAlerts(MeterRegistry r) {
      return r.find("endowatch.alerts.raised").counters().stream().mapToDouble(c -> c.count()).sum()
          - r.find("endowatch.alerts.ended").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static double outcomes(MeterRegistry r) {
      return r.find("endowatch.frames.scored").counters().stream().mapToDouble(c -> c.count()).sum()
          + r.find("endowatch.frames.skipped").counters().stream().mapToDouble(c -> c.count()).sum()
          + r.find("endowatch.frames.dead_lettered").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static <V> List<V> read(java.util.Properties client, String topic, String procedure,
        org.apache.kafka.common.serialization.Deserializer<V> d) {
      List<V> out = new ArrayList<>();
      ProcedureRecords.forEach(client, topic, procedure, d, 0, r -> out.add(r.value()));
      return out;
    }
  }

  @Command(name = "export", description = "Write an annotated video of a recorded procedure: heatmap overlay, score bar, alert marks.")
  static final class Export implements Callable<Integer> {
    @Mixin KafkaOptions kafka;
    @Option(names = "--procedure", required = true, paramLabel = "ID", description = "The recorded procedure, as ingest named it.")
    String procedure;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = ".mp4, .mkv or .avi") Path out;
    @Option(names = "--tag", paramLabel = "TAG",
        description = "Annotate with a re-scoring's outputs (scores.TAG ...) instead of the live ones, over its copies of "
            + "the frames (frames.TAG).") String tag;
    @Option(names = "--truth", paramLabel = "FILE", description = "The procedure's annotated lesions (as for 'replay "
        + "rescore --truth'): a cyan band under every frame that shows one, so a lesion without the red border is a miss.")
    Path truthFile;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      GroundTruth truth;
      try {
        truth = truthFile == null ? null : GroundTruth.readAnnotation(truthFile);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--truth " + e.getMessage());
      }
      var settings = kafka.settings();
      AnnotatedExport.Sources topics = AnnotatedExport.Sources.live();
      if (tag != null) {
        topics = topics.tagged(tag);
      }
      try (TopicAdmin admin = new TopicAdmin(settings, Duration.ofSeconds(15))) {
        if (tag != null) {
          // Only a re-scoring makes them: 'topics apply', requireTopics' hint, would not.
          OutputTopicRead.require(admin, settings, topics.scores(), Topics.SCORES.name());
        }
        admin.requireTopics(topics.all());
      }
      IngestCommand.Progress progress = new IngestCommand.Progress(spec.commandLine().getErr(), 2_000, "replay export", "written");
      AnnotatedExport.Summary s = AnnotatedExport.write(settings.clientProps(), topics, procedure, truth, out, progress::report);
      spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: %d frames (%d scored, %d in an alert%s%s) at %.1f fps, %dx%d%s%n",
          out, s.frames(), s.scored(), s.inAlert(), s.rejected() > 0 ? ", " + s.rejected() + " rejected by the scorer" : "",
          truth == null ? "" : ", " + s.inLesion() + " showing an annotated lesion, " + s.inLesionNoAlert() + " of them with "
              + "no alert open", s.fps(), s.width(), s.height(),
          s.resized() > 0 ? " (" + s.resized() + " frames of another size fitted to the first one's)" : "");
      return 0;
    }
  }

  /** A tag names topics (frames.TAG, ...): Kafka's characters only. */
  static void checkTag(CommandSpec spec, String tag) {
    if (!tag.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--tag must be 1..100 of letters, digits, '.', '_' or '-'");
    }
  }

  /** The Kafka Streams application (and consumer group) of a re-scoring: its changelogs start with it. */
  static String rescoreApplication(String tag) {
    return "endowatch-rescore-" + tag;
  }

  static Path rescoreState(String tag) {
    return Path.of(System.getProperty("java.io.tmpdir"), rescoreApplication(tag));
  }

  @Command(name = "drop", description = {"Delete a re-scoring's topics once it is reviewed: frames.TAG holds copies of the "
      + "procedures' frames (patient images), and scores.TAG, heatmaps.TAG, alerts.TAG, frames-dlq.TAG, its scorer's "
      + "changelogs and offsets go with them; the tag is free again."})
  static final class Drop implements Callable<Integer> {
    @Mixin KafkaOptions kafka;
    @Option(names = "--tag", paramLabel = "TAG", required = true, description = "The re-scoring's tag, as given to rescore.")
    String tag;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      checkTag(spec, tag);
      ScoringTopology.Outputs outputs = ScoringTopology.Outputs.suffixed("." + tag);
      try (TopicAdmin admin = new TopicAdmin(kafka.settings(), Duration.ofSeconds(30))) {
        List<String> there = new ArrayList<>(Stream.of(Topics.FRAMES.name() + "." + tag, outputs.scores(), outputs.heatmaps(),
            outputs.alerts(), outputs.deadLetters()).filter(admin::exists).toList());
        ScorerApp.DroppedState state = ScorerApp.dropState(admin, rescoreApplication(tag));
        if (there.isEmpty() && state.topics().isEmpty() && !state.offsets()) {
          throw new IllegalArgumentException("no re-scoring tagged '" + tag + "' on this cluster (its topics would be "
              + Topics.FRAMES.name() + "." + tag + ", " + outputs.scores() + ", ...)");
        }
        admin.delete(there);
        there.addAll(state.topics());
        spec.commandLine().getOut().printf("dropped re-scoring '%s': %d topic(s) deleted (%s)%s%n", tag, there.size(),
            String.join(", ", there), state.offsets() ? ", its offsets too" : "");
      }
      // Its scorer's local state, if this machine ran it (best effort: it is rebuilt from nothing).
      java.io.File state = rescoreState(tag).toFile();
      if (state.exists()) {
        org.apache.kafka.common.utils.Utils.delete(state);
      }
      return 0;
    }
  }

  static TimeRange range(CommandSpec spec, String from, String to) {
    try {
      return new TimeRange(TimeRange.parse(from), TimeRange.parse(to));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
