package org.endowatch.cli;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.endowatch.contract.JsonSerde;
import org.endowatch.model.MklVendorCheck;
import org.endowatch.model.ModelArtifact;
import org.endowatch.score.AlertRule;
import org.endowatch.score.ModelBench;
import org.endowatch.score.ScoringThreads;
import org.endowatch.score.ScoringTopology;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bench", description = {"Benchmark the model and the streaming pipeline on this machine; prints a table, writes JSON.",
    "model: ms/frame per preset, mask schedule and batch, GFLOP/s against this engine's fp32 matmul ceiling, measured in the same run.",
    "pipeline: N generated procedures at a camera's rate through a real broker into the scorer."})
public final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", defaultValue = "all", paramLabel = "model|pipeline|all") String what;
  @Option(names = "--preset", paramLabel = "PRESET", split = ",", defaultValue = "micro",
      description = "Presets for the model bench (default ${DEFAULT-VALUE}).")
  List<String> presets;
  @Option(names = "--schedules", paramLabel = "S", split = ",", defaultValue = "complementary-4,random-10",
      description = "Mask schedules for the model bench (default ${DEFAULT-VALUE}).") List<String> schedules;
  @Option(names = "--batches", paramLabel = "N", split = ",", defaultValue = "1,2,4",
      description = "Frames per batch (default ${DEFAULT-VALUE}).")
  List<Integer> batches;
  @Option(names = "--repeats", paramLabel = "N", defaultValue = "10",
      description = "Model bench: timed runs per configuration, after 3 warm-ups (default ${DEFAULT-VALUE}).") int repeats;
  @Option(names = "--map-halvings", paramLabel = "N", defaultValue = "0",
      description = "Model bench: anomaly map at 1/2^N of the input size (default ${DEFAULT-VALUE}, the paper's full size).")
  int mapHalvings;
  @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
      description = "Model bench: auto (GPU if PyTorch sees one), cpu or gpu (default ${DEFAULT-VALUE}).") String device;
  @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32",
      description = "Model bench: fp32 or fp16, what the network computes in (default ${DEFAULT-VALUE}).") String precision;
  @Option(names = "--memory-frames", paramLabel = "N", defaultValue = "0",
      description = "Score this many frames watching RSS (10000 for the long check).")
  long memoryFrames;
  @Option(names = "--streams", paramLabel = "N", defaultValue = "1",
      description = "Concurrent procedures in the pipeline bench (default ${DEFAULT-VALUE}).")
  int streams;
  @Option(names = "--fps", paramLabel = "FPS", defaultValue = "30",
      description = "Pipeline bench: each camera's frame rate (default ${DEFAULT-VALUE}).")
  double fps;
  @Option(names = "--scorers", paramLabel = "N", defaultValue = "1",
      description = "Scorer instances in the pipeline bench (default ${DEFAULT-VALUE}).")
  int scorers;
  @Option(names = "--seconds", paramLabel = "S", defaultValue = "60", description = "Length of each procedure: a lesion every "
      + "6 s (default ${DEFAULT-VALUE}: 10 lesions, enough for a median time to first alert; 120 for a p90).") int seconds;
  @Option(names = "--seed", paramLabel = "N", defaultValue = "13", description = "The generated procedure's seed: its scenes, lesions and "
      + "camera path; with --streams N, stream i plays seed + i (default ${DEFAULT-VALUE}; others give other lesions to "
      + "time the first alert on).") long seed;
  @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "30", description = "Frames sent at the camera's rate before the "
      + "pipeline is measured, so the JIT has compiled the scoring path as in a scorer that has been running "
      + "(default ${DEFAULT-VALUE}; at least 30 frames).") int warmupSeconds;
  @Option(names = "--intra-op-threads", defaultValue = "0", paramLabel = "N", description = "Threads per PyTorch operator "
      + "for `bench pipeline` (default: all cores but one, as `score`); `bench model` and `all` keep the engine's default.")
  int intraOpThreads;
  @Option(names = "--budget-ms", paramLabel = "MS", defaultValue = "100",
      description = "Pipeline bench: the scorer's --budget-ms, frames older than this are skipped (default ${DEFAULT-VALUE}).")
  long budgetMs;
  @Option(names = "--backlog-batch", paramLabel = "N", defaultValue = "" + ScoringTopology.LIVE_BACKLOG_BATCH,
      description = "Frames of a stream's backlog the scorer scores together (default ${DEFAULT-VALUE}, as `score`).") int backlogBatch;
  @Option(names = "--frame-workers", defaultValue = "0", paramLabel = "N", description = "Threads scoring the frames of a "
      + "backlog batch side by side (default: as `score`, cores / threads per operator on a CPU).") int frameWorkers;
  @Option(names = "--alert-rule", defaultValue = "3/5", paramLabel = "K/N", converter = AlertRuleOption.class,
      description = "The pipeline scorer's alert rule, as `score` (default ${DEFAULT-VALUE}).") AlertRule alertRule;
  @Option(names = "--procedure-frames", defaultValue = "filmed", paramLabel = "filmed|rendered", description = "The pipeline's "
      + "generated procedures filmed to H.264 and decoded back, as ingest reads a recording (default), or rendered: the "
      + "generator's pictures as drawn, no codec (for a host without FFmpeg's natives, such as a GPU node).")
  String procedureFrames;
  @Option(names = "--scoring", defaultValue = "model", paramLabel = "model|host-only|simulated:MS+MS", description = "The "
      + "pipeline scorer's work per frame: the model (default); host-only: each frame decoded and prepared as for the model, "
      + "then scored 0 without the network (no alerts), to measure what the pipeline around the model costs; simulated:P+F: "
      + "as host-only, but each pass of n frames waits P + n x F ms, the CPU idle, as a host waits for a GPU.")
  String scoring;
  @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "The pipeline scorer's stream threads, "
      + "sharing the model through the batcher (default: 2, 1 for one procedure).")
  int threads;
  @Option(names = "--batch-wait-ms", defaultValue = "5", paramLabel = "MS", description = "With several stream threads: "
      + "how long the shared model waits for company after a frame, as `score` (default ${DEFAULT-VALUE}).")
  long batchWaitMs;
  @Option(names = "--model", paramLabel = "DIR", description = "Model for the pipeline (default: the bundled demo-micro).") Path model;
  @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Use this Kafka instead of an embedded broker.") String bootstrap;
  @Option(names = "--python", paramLabel = "PATH", defaultValue = "/usr/bin/python3",
      description = "Python with torch for the PyTorch-eager reference (skipped with a message when absent); "
          + "bench/python3-openblas runs Debian's on OpenBLAS instead of the reference BLAS.")
  String python;
  @Option(names = "--out", paramLabel = "FILE.json", description = "Also write the results as JSON here.") Path out;
  @Option(names = "--keep-topics", description = "With --bootstrap: leave the pipeline bench's topics and its scorer's "
      + "state on that cluster, to look at them (bench/ScoreTimeline.java); by default they are removed when it ends.")
  boolean keepTopics;
  @Option(names = "--work-dir", paramLabel = "DIR", description = "Keep the pipeline bench's generated procedure (video and "
      + "ground truth, to replay a missed lesion) and the embedded broker's data here (default: a temporary folder, deleted at the end).")
  Path workDir;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    OptionRange range = OptionRange.of(spec).atLeast("--scorers", scorers, 1).atLeast("--streams", streams, 1)
        .atLeast("--intra-op-threads", intraOpThreads, 0).atLeast("--frame-workers", frameWorkers, 0)
        .atLeast("--threads", threads, 0).atLeast("--batch-wait-ms", batchWaitMs, 0)
        // Each said before a broker starts or a model loads: found later, one was a cryptic error half
        // a minute in ("Index 0 out of bounds" for no repeats), and others ran as if valid (a
        // negative budget, a negative warm-up).
        .atLeast("--repeats", repeats, 1).between("--map-halvings", mapHalvings, 0, 3).atLeast("--memory-frames", memoryFrames, 0)
        .above("--fps", fps, 0).atLeast("--seconds", seconds, 1).atLeast("--warmup-seconds", warmupSeconds, 0)
        .atLeast("--budget-ms", budgetMs, 0).atLeast("--backlog-batch", backlogBatch, 1);
    batches.forEach(b -> range.atLeast("--batches", b, 1));
    if (!List.of("model", "pipeline", "all").contains(what)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "what to bench: model, pipeline or all, not '" + what + "'");
    }
    if (!List.of("filmed", "rendered").contains(procedureFrames)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--procedure-frames must be filmed or rendered, not '"
          + procedureFrames + "'");
    }
    if (keepTopics && bootstrap == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--keep-topics needs --bootstrap: the embedded broker, "
          + "and all it holds, goes when the bench ends");
    }
    PipelineBench.StandIn standIn;
    try {
      standIn = scoring.equals("model") ? null : PipelineBench.StandIn.parse(scoring);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (what.equals("pipeline")) {
      ScoringThreads.request(intraOpThreads);   // measure the scorer as `score` runs it
    }
    PrintWriter outw = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("date", java.time.Instant.now().toString());
    json.put("machine", machine());
    if (!what.equals("pipeline")) {
      DataType precisionType = ModelArtifact.precision(precision);
      ModelBench.Result m = ModelBench.run(presets, schedules, batches, repeats, memoryFrames, mapHalvings, device, precisionType, line -> {
        err.println("bench: " + line);
        err.flush();
      });
      ModelBench.Run first = m.runs().get(0);
      Map<String, Object> model = new LinkedHashMap<>();
      model.put("preset", first.preset());
      model.put("mask_schedule", first.maskSchedule());
      model.put("map_halvings", mapHalvings);
      model.put("precision", ModelArtifact.precisionName(precisionType));
      model.put("ms_per_frame", first.msPerFrame());
      model.put("frames_per_s", first.framesPerS());
      model.put("gflop_per_frame", first.gflopPerFrame());
      model.put("achieved_gflops", first.achievedGflops());
      model.put("matmul_gflops", m.matmulGflops());
      model.put("efficiency", first.achievedGflops() / m.matmulGflops());
      ModelBench.Run highest = highest(m.runs());
      model.put("efficiency_highest", highest.achievedGflops() / m.matmulGflops());
      model.put("efficiency_highest_run", describe(highest));
      model.put("engine", m.engine());
      model.put("device", m.device());
      model.put("threads", m.threads());
      model.put("runs", m.runs());
      if (m.framesForMemory() > 0) {
        model.put("rss_kb_before", m.rssBeforeKb());
        model.put("rss_kb_after", m.rssAfterKb());
        model.put("rss_frames", m.framesForMemory());
      }
      json.put("model", model);
      outw.printf("%-6s %-16s %5s %10s %10s %10s %9s %9s%n", "preset", "schedule", "batch", "ms/frame", "p99 ms", "frames/s",
          "GFLOP/fr", "GFLOP/s");
      for (ModelBench.Run r : m.runs()) {
        outw.printf(Locale.ROOT, "%-6s %-16s %5d %10.1f %10.1f %10.1f %9.2f %9.1f%n", r.preset(), r.maskSchedule(), r.batchFrames(),
            r.msPerFrame(), r.msPerFrameP99(), r.framesPerS(), r.gflopPerFrame(), r.achievedGflops());
      }
      if (MklVendorCheck.current() != null && m.device().startsWith("cpu")) {
        outw.println(MklVendorCheck.summary());   // the ceiling doubles with it on AMD
      }
      outw.println(efficiencyLine(m.runs(), m.matmulGflops(), ModelArtifact.precisionName(precisionType),
          m.engine() + " on " + m.device() + ", " + m.threads() + " threads"));
      JsonNode reference = reference(err, m.device().startsWith("gpu") ? "cuda" : "cpu");
      json.put("reference", reference);
      if (reference.has("matmul_gflops")) {
        referenceBlasNote(reference.get("matmul_gflops").asDouble(), m.matmulGflops()).ifPresent(note -> {
          outw.println(note);
          ((ObjectNode) reference).put("note", note);
        });
      }
      if (reference.has("runs")) {
        for (JsonNode r : reference.get("runs")) {
          m.runs().stream().filter(x -> x.preset().equals(r.get("preset").asText()) && x.maskSchedule().equals(r.get("mask_schedule").asText())
              && x.batchFrames() == r.get("batch_frames").asInt()).findFirst().ifPresent(x ->
              // The reference times the network alone, so it is compared with endowatch's network forward.
              outw.printf(Locale.ROOT, "reference %s %s batch %d: network forward PyTorch eager %.2f ms/frame, endowatch %.2f "
                  + "ms/frame (x%.2f); endowatch with the anomaly map %.2f ms/frame%n", x.preset(), x.maskSchedule(),
                  x.batchFrames(), r.get("ms_per_frame").asDouble(), x.forwardMsPerFrame(),
                  r.get("ms_per_frame").asDouble() / x.forwardMsPerFrame(), x.msPerFrame()));
        }
      }
    }
    if (!what.equals("model")) {
      PipelineBench.Result p;
      try (WorkDir work = WorkDir.of(workDir, "endowatch-bench")) {
        Path m = model != null ? model : DemoCommand.extractModel(work.path().resolve("model"));
        p = PipelineBench.run(new PipelineBench.Settings(bootstrap, m, streams, fps, seconds, warmupSeconds,
            budgetMs, backlogBatch, frameWorkers, scorers, alertRule, seed, procedureFrames.equals("rendered"), standIn, threads, batchWaitMs, keepTopics), work.path(), err);
      }
      Map<String, Object> pipeline = new LinkedHashMap<>();
      pipeline.put("streams", p.streams());
      pipeline.put("fps_per_stream", p.fpsPerStream());
      pipeline.put("scored_fps", p.scoredFps());
      pipeline.put("skipped_fraction", p.skippedFraction());
      pipeline.put("capture_to_score_p50_ms", p.captureToScoreP50Ms());
      pipeline.put("capture_to_score_p99_ms", p.captureToScoreP99Ms());
      pipeline.put("time_to_first_alert_ms", p.timeToFirstAlertMs());
      pipeline.put("time_to_first_alert_p90_ms", p.timeToFirstAlertP90Ms());
      pipeline.put("first_alert_detect_ms", p.firstAlertParts().detectMs());
      pipeline.put("first_alert_rule_ms", p.firstAlertParts().ruleMs());
      pipeline.put("first_alert_decide_ms", p.firstAlertParts().decideMs());
      pipeline.put("first_alert_publish_ms", p.firstAlertParts().publishMs());
      pipeline.put("capture_to_visible_p50_ms", p.visible().captureToVisibleP50Ms());
      pipeline.put("capture_to_visible_p99_ms", p.visible().captureToVisibleP99Ms());
      pipeline.put("time_to_first_alert_visible_ms", p.visible().timeToFirstAlertVisibleMs());
      pipeline.put("intervals", p.intervals());
      pipeline.put("intervals_alerted", p.intervalsAlerted());
      pipeline.put("false_alerts", p.falseAlerts());
      pipeline.put("frames", p.frames());
      pipeline.put("seconds", p.seconds());
      pipeline.put("seed", seed);
      pipeline.put("procedure_frames", procedureFrames);
      pipeline.put("warmup_seconds", warmupSeconds);
      pipeline.put("budget_ms", p.budgetMs());
      pipeline.put("alert_rule", alertRule.raiseK() + "/" + alertRule.windowN());
      pipeline.put("backlog_batch", backlogBatch);
      pipeline.put("mean_backlog_batch", p.meanBacklogBatch());
      pipeline.put("inference_ms_mean", p.inferenceMsMean());
      pipeline.put("intra_op_threads", ScoringThreads.current());
      pipeline.put("frame_workers", p.frameWorkers());
      pipeline.put("device", p.device());
      pipeline.put("scoring", p.standIn() == null ? "model" : p.standIn().describe());
      pipeline.put("stream_threads", p.streamThreads());
      pipeline.put("batch_wait_ms", batchWaitMs);
      pipeline.put("model_passes", p.modelPasses());
      pipeline.put("mean_model_pass_frames", p.meanModelPassFrames());
      pipeline.put("cpu_ms_per_frame", p.cpu().msPerFrame());
      pipeline.put("cpu_cores_busy", p.cpu().coresBusy());
      pipeline.put("model", p.model());
      pipeline.put("mask_schedule", p.maskSchedule());
      pipeline.put("scorer_instances", p.outcomesPerInstance().size());
      pipeline.put("outcomes_per_instance", p.outcomesPerInstance());
      pipeline.put("outcome_records", p.outcomeRecords());
      pipeline.put("lesions", p.lesions().stream().map(l -> {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("stream", l.stream());
        one.put("start_frame", l.start());
        one.put("end_frame", l.end());
        one.put("scored_frames", l.scored());
        one.put("frames_over_threshold", l.overThreshold());
        one.put("max_score", l.maxScore());
        one.put("threshold", l.threshold());
        one.put("alerted", l.alerted());
        one.put("first_alert_ms", l.firstAlertMs());
        return one;
      }).toList());
      json.put("pipeline", pipeline);
      outw.printf(Locale.ROOT, "pipeline: %d stream(s) at %.0f fps: %.1f scored frames/s, %.1f %% skipped (stale > %d ms), "
              + "capture->score p50 %.0f ms, p99 %.0f ms; first alert %.0f ms after lesion onset (median; %d of %d lesions alerted, %d false alerts)%n",
          p.streams(), p.fpsPerStream(), p.scoredFps(), 100 * p.skippedFraction(), p.budgetMs(), p.captureToScoreP50Ms(),
          p.captureToScoreP99Ms(), p.timeToFirstAlertMs(), p.intervalsAlerted(), p.intervals(), p.falseAlerts());
      outw.printf(Locale.ROOT, "  first alert p90 %.0f ms over the %d alerted lesions%n", p.timeToFirstAlertP90Ms(), p.intervalsAlerted());
      // A missed lesion is named with what the scorer made of it, so it can be looked at (replay);
      // scored by a stand-in for the network, every lesion is "missed".
      p.lesions().stream().filter(l -> !l.alerted() && p.standIn() == null).forEach(l -> outw.printf(Locale.ROOT,
          "  missed: %s frames %d-%d (%d frames): %d of %d scored frames over the threshold, highest score %.4f (threshold %.4f)%n",
          l.stream(), l.start(), l.end(), l.end() - l.start() + 1, l.overThreshold(), l.scored(), l.maxScore(), l.threshold()));
      outw.printf(Locale.ROOT, "  first alert, medians: %.0f ms onset -> first frame over the threshold, %.0f ms more until the"
              + " alert rule's frame, %.0f ms to decide that frame, %.0f ms until readable downstream%n",
          p.firstAlertParts().detectMs(), p.firstAlertParts().ruleMs(), p.firstAlertParts().decideMs(),
          p.firstAlertParts().publishMs());
      outw.printf(Locale.ROOT, "  as a console reads them (read committed): capture->readable p50 %.0f ms, p99 %.0f ms; first alert"
              + " readable %.0f ms after lesion onset (median)%n", p.visible().captureToVisibleP50Ms(),
          p.visible().captureToVisibleP99Ms(), p.visible().timeToFirstAlertVisibleMs());
      outw.printf(Locale.ROOT, "  %d outcome records for %d frames; outcomes per scorer instance %s; the scorer's own time %.1f ms per scored frame%n",
          p.outcomeRecords(), p.frames(), p.outcomesPerInstance(), p.inferenceMsMean());
      if (p.streamThreads() > 1) {
        outw.printf(Locale.ROOT, "  %d stream threads sharing the model: %d passes, %.2f frames each on average%n", p.streamThreads(),
            p.modelPasses(), p.meanModelPassFrames());
      }
      outw.printf(Locale.ROOT, "  CPU: %.2f cores busy; per sent frame (ms; the whole process, then by thread): %s%n", p.cpu().coresBusy(),
          p.cpu().msPerFrame().entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
              .collect(java.util.stream.Collectors.joining(", ")));
    }
    if (out != null) {
      JsonSerde.MAPPER.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), undefinedAsNull(json));
      outw.println("wrote " + out);
    }
    outw.flush();
    return 0;
  }

  /** The configuration with the most GFLOP/s: on a GPU the first row (micro, one frame) says nothing of the device. */
  static ModelBench.Run highest(List<ModelBench.Run> runs) {
    return runs.stream().max(Comparator.comparingDouble(ModelBench.Run::achievedGflops)).orElseThrow();
  }

  static String describe(ModelBench.Run r) {
    return r.preset() + " " + r.maskSchedule() + " batch " + r.batchFrames();
  }

  /**
   * {@code value} as a JSON tree with every non-finite number (a time to first alert when no lesion
   * was alerted, a percentile of nothing) written as null, at any depth: Jackson would write them as
   * the strings "NaN" and "Infinity", which a reader's arithmetic then trips on.
   */
  static JsonNode undefinedAsNull(Object value) {
    return nullNonFinite(JsonSerde.MAPPER.valueToTree(value));
  }

  private static JsonNode nullNonFinite(JsonNode node) {
    if (node.isNumber() && !Double.isFinite(node.doubleValue())) {
      return com.fasterxml.jackson.databind.node.NullNode.getInstance();
    }
    if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
      o.properties().forEach(e -> e.setValue(nullNonFinite(e.getValue())));
    } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        a.set(i, nullNonFinite(a.get(i)));
      }
    }
    return node;
  }

  /** The summary: the ceiling, the first configuration's efficiency and, with several, the highest. */
  static String efficiencyLine(List<ModelBench.Run> runs, double matmulGflops, String precision, String where) {
    ModelBench.Run first = runs.get(0);
    ModelBench.Run best = highest(runs);
    String line = String.format(Locale.ROOT, "%s matmul ceiling %.1f GFLOP/s (%s); model efficiency %.1f %% (%s)",
        precision, matmulGflops, where, 100 * first.achievedGflops() / matmulGflops, describe(first));
    return runs.size() == 1 ? line
        : line + String.format(Locale.ROOT, ", highest %.1f %% (%s)", 100 * best.achievedGflops() / matmulGflops, describe(best));
  }

  /**
   * A warning when the reference's own large product runs far below endowatch's: then its torch
   * multiplies on an unoptimised BLAS (Debian's python3-torch with the reference BLAS that Debian
   * selects by default ran at 3.5 GFLOP/s against 96 here) and the ratios compare BLAS builds, not
   * implementations. A quarter is far below any real difference between optimised BLAS builds
   * (OpenBLAS and libtorch's measured within 20 % of each other on dev-2c).
   */
  static Optional<String> referenceBlasNote(double referenceGflops, double ceilingGflops) {
    if (referenceGflops >= ceilingGflops / 4) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "note: the reference's torch multiplies at %.1f GFLOP/s against "
        + "%.1f here, so its BLAS is not an optimised one and the ratios below compare BLAS builds; on Debian run "
        + "--python bench/python3-openblas (apt-get install libopenblas0-openmp)", referenceGflops, ceilingGflops));
  }

  /** The PyTorch-eager reference (bench/memmc_mae_reference.py) on the same machine, or why it was skipped. */
  private JsonNode reference(PrintWriter err, String torchDevice) throws IOException, InterruptedException {
    Path script = Path.of("bench", "memmc_mae_reference.py");
    if (!Files.isRegularFile(script) || !Files.isExecutable(Path.of(python))) {
      return JsonSerde.MAPPER.createObjectNode().put("skipped", "no " + script + " here or no " + python
          + " (run from the project root; Debian: apt-get install python3-torch)");
    }
    err.println("bench: running the PyTorch-eager reference (" + python + " " + script + ")");
    err.flush();
    Process p = new ProcessBuilder(python, script.toString(), "--presets", String.join(",", presets), "--schedules",
        String.join(",", schedules), "--batches", batches.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("1"),
        "--threads", Integer.toString(Runtime.getRuntime().availableProcessors()), "--repeats", Integer.toString(repeats),
        "--device", torchDevice)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0 || stdout.isBlank()) {
      return JsonSerde.MAPPER.createObjectNode().put("skipped", "the reference failed (exit " + p.exitValue() + ")");
    }
    return JsonSerde.MAPPER.readTree(stdout.lines().reduce((a, b) -> b).orElse("{}"));
  }

  private static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("java", System.getProperty("java.version"));
    // Half the matrix rate on AMD CPUs depends on it (MklVendorCheck), so every result says which.
    MklVendorCheck.Status mkl = MklVendorCheck.current();
    m.put("mkl_kernels", mkl == null ? "unknown" : mkl.name().toLowerCase(Locale.ROOT));
    try {
      Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
          .ifPresent(l -> m.put("cpu", l.replaceFirst("model name\\s*:\\s*", "")));
    } catch (IOException ignored) {
      // not Linux
    }
    return m;
  }
}
