import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.ingest.FramePreparer;
import org.endowatch.ingest.FrameSource;
import org.endowatch.ingest.GroundTruth;
import org.endowatch.ingest.ProcedureVideo;
import org.endowatch.ingest.Sources;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.Masks;
import org.endowatch.model.ModelArtifact;
import org.endowatch.score.AlertRule;
import org.endowatch.score.AnomalyScorer;
import org.endowatch.score.FrameScorer;
import org.endowatch.score.ModelFrameScorer;
import org.endowatch.score.ScoringThreads;

/**
 * What the alert rule trades, behind "The alert rule" in docs/BENCHMARKS.md: generated procedures
 * (the bench's generator, other seeds) are scored frame by frame with every frame scored (the
 * scorer's model and threshold, no Kafka, no time budget), then each k-of-n rule is replayed over
 * the scores with {@link AlertRule} itself: lesions alerted, frames from a lesion's onset to the
 * frame that raises its alert, and false alerts (alerts that start outside every lesion) per hour
 * of video. Scores are cached in OUT/scores-SEED.csv so rules can be compared again without
 * rescoring.
 *
 * <p>Run: {@code java -Dai.djl.offline=true -cp target/endowatch.jar bench/AlertRules.java
 * MODEL_DIR OUT SEED_FROM SEED_TO SECONDS} (each procedure SECONDS long at 30 fps, 2 s segments,
 * one segment in six with a lesion: more normal video for the false alerts than `bench pipeline`'s one in three).
 *
 * <p>With a sixth argument {@code rotating} (a model calibrated for complementary-4) it compares
 * ways of scoring the same frames instead of the rules: every frame under all four complementary
 * masks (the shipped schedule), and one of the four masks per frame in turn, frame t under mask t
 * mod 4 ("rotating": a quarter of the network's work per frame), each patch scoring either the mean
 * of its scores from the last four frames in which it was hidden (on a still scene the same scores
 * as complementary-4 after four frames) or its newest score ({@link Merge}). Every frame is scored
 * under each mask alone once (cached in OUT/passes-SEED.bin) and every series is built from those
 * scores; the model's own threshold and the default rule are applied to each.
 *
 * <p>With {@code position CAL_SCORES_CSV} (an eval scores.csv whose normal rows are the model's
 * calibration images) it compares the model's image score with one that averages each patch's score
 * relative to its grid position's mean and standard deviation on those images (BENCHMARKS, "Where the
 * live heatmap points"), its threshold the order statistic {@code calibrate} would take for 1 % of
 * them; every frame's patch scores are cached in OUT/patches-SEED.bin.
 */
public class AlertRules {
  static final double FPS = 30;
  static final int[][] RULES = {{1, 1}, {2, 2}, {2, 3}, {2, 4}, {3, 3}, {3, 4}, {3, 5}, {4, 6}, {5, 8}};

  record Procedure(long seed, GroundTruth truth, double[] scores) {}

  public static void main(String[] a) throws Exception {
    Path model = Path.of(a[0]);
    Path out = Files.createDirectories(Path.of(a[1]));
    int from = Integer.parseInt(a[2]);
    int to = Integer.parseInt(a[3]);
    int seconds = Integer.parseInt(a[4]);
    ScoringThreads.request(0);   // as `score`: one thread per operator here, frames side by side
    ModelArtifact.Loaded loaded = ModelArtifact.load(model, "cpu");
    if (a.length > 5 && a[5].equals("rotating")) {
      rotating(loaded, out, from, to, seconds);
      return;
    }
    if (a.length > 6 && a[5].equals("position")) {
      position(loaded, out, from, to, seconds, Path.of(a[6]));
      return;
    }
    List<Procedure> procedures = new ArrayList<>();
    double threshold;
    try (ModelFrameScorer scorer = new ModelFrameScorer(loaded, null, ScoringThreads.frameWorkers(0, false, 4))) {
      threshold = scorer.imageThreshold();
      for (long seed = from; seed <= to; seed++) {
        procedures.add(scoreProcedure(scorer, out, seed, seconds));
      }
    }
    report(procedures, threshold, RULES);
  }

  static void report(List<Procedure> procedures, double threshold, int[][] rules) {
    long frames = procedures.stream().mapToLong(p -> p.scores().length).sum();
    long normalFrames = procedures.stream().mapToLong(p -> p.scores().length - p.truth().anomalousFrames()).sum();
    long normalOver = 0;
    long farOver = 0;   // more than a cross-fade (12 frames) away from every lesion: plain normal tissue
    for (Procedure p : procedures) {
      for (int i = 0; i < p.scores().length; i++) {
        if (!p.truth().anomalous(i) && p.scores()[i] > threshold) {
          normalOver++;
          if (p.truth().overlapping(i - 12, i + 12) == null) {
            farOver++;
          }
        }
      }
    }
    double normalHours = normalFrames / FPS / 3600;
    System.out.printf(Locale.ROOT, "%d procedures, %d frames (%d normal = %.1f min); normal frames over the threshold: %d (%.2f %%), %d of them more than 12 frames from every lesion%n",
        procedures.size(), frames, normalFrames, normalHours * 60, normalOver, 100.0 * normalOver / normalFrames, farOver);
    System.out.println("rule | lesions alerted | frames from onset to the raising frame: min, median, p90, max | false alerts | per hour of normal video");
    for (int[] kn : rules) {
      AlertRule rule = new AlertRule(kn[0], kn[1], AlertRule.DEFAULT.clearM(), AlertRule.DEFAULT.clearFraction());
      int lesions = 0;
      int falseAlerts = 0;
      List<Integer> delays = new ArrayList<>();
      for (Procedure p : procedures) {
        List<AlertEvent> starts = new ArrayList<>();
        AlertRule.State state = AlertRule.State.empty();
        for (int i = 0; i < p.scores().length; i++) {
          AlertRule.Step step = rule.apply(state, "p", i, Math.round(i * 1000 / FPS), p.scores()[i], threshold, null, "v");
          state = step.state();
          step.events().stream().filter(e -> e.type().equals(AlertEvent.START)).forEach(starts::add);
        }
        GroundTruth.AlertMatch match = p.truth().match(starts);   // as `bench pipeline`
        falseAlerts += match.falseAlerts();
        for (GroundTruth.Interval in : p.truth().anomalyIntervals()) {
          lesions++;
          AlertEvent e = match.firstAlert().get(in);
          if (e != null) {
            delays.add((int) (e.endFrame() - in.start()));
          }
        }
      }
      int alerted = delays.size();
      int[] d = delays.stream().mapToInt(Integer::intValue).sorted().toArray();
      System.out.printf(Locale.ROOT, "%d of %d | %d of %d | %s, %s, %s, %s | %d | %.1f%n", kn[0], kn[1], alerted, lesions,
          d.length == 0 ? "-" : Integer.toString(d[0]), q(d, 0.5), q(d, 0.9), d.length == 0 ? "-" : Integer.toString(d[d.length - 1]), falseAlerts, falseAlerts / normalHours);
    }
  }

  static String q(int[] sorted, double q) {
    return sorted.length == 0 ? "-" : Integer.toString(sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)]);
  }

  static Procedure scoreProcedure(ModelFrameScorer scorer, Path out, long seed, int seconds) throws Exception {
    Path cache = out.resolve("scores-" + seed + ".csv");
    GroundTruth truth = video(out, seed, seconds);
    if (Files.exists(cache)) {
      double[] s = Files.readAllLines(cache).stream().mapToDouble(Double::parseDouble).toArray();
      if (s.length == truth.frames()) {
        return new Procedure(seed, truth, s);
      }
    }
    double[] scores = new double[truth.frames()];
    int[] next = {0};
    long t0 = System.nanoTime();
    inBatches(out, seed, batch -> flush(scorer, batch, scores, next));
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(cache))) {
      Arrays.stream(scores).forEach(w::println);
    }
    System.err.printf(Locale.ROOT, "seed %d: %d frames scored in %.0f s%n", seed, next[0], (System.nanoTime() - t0) / 1e9);
    return new Procedure(seed, truth, scores);
  }

  /** The generated procedure of this seed (written once to OUT/procedure-SEED.mp4) and its ground truth. */
  static GroundTruth video(Path out, long seed, int seconds) throws Exception {
    int segments = Math.max(2, seconds / 2);
    return ProcedureVideo.write(ProcedureVideo.synthetic(segments, Math.max(1, seconds / 12), 384, 256,
        (int) Math.round(2 * FPS), seed), 384, 256, FPS, seed, out.resolve("procedure-" + seed + ".mp4"), n -> {});
  }

  /** The procedure's frames as the scorer sees them (ingest's preparation), in batches of 4, in order. */
  static void inBatches(Path out, long seed, java.util.function.Consumer<List<Frame>> each) throws Exception {
    FramePreparer preparer = new FramePreparer(256, 256, 0.9f);
    List<Frame> batch = new ArrayList<>();
    try (FrameSource s = Sources.open(out.resolve("procedure-" + seed + ".mp4").toString(), Sources.Options.DEFAULT, ms -> {})) {
      FrameSource.Picture p;
      int i = 0;
      while ((p = s.next()) != null) {
        batch.add(new Frame("p" + seed, i, i, 256, 256, Frame.JPEG, "bench", preparer.prepare(p.image())));
        i++;
        if (batch.size() == 4) {
          each.accept(batch);
          batch.clear();
        }
      }
      if (!batch.isEmpty()) {
        each.accept(batch);
      }
    }
  }

  /** See the class comment: complementary-4 against its masks rotated from frame to frame. */
  static void rotating(ModelArtifact.Loaded loaded, Path out, int from, int to, int seconds) throws Exception {
    if (!loaded.manifest().maskSchedule().equals("complementary-4")) {
      throw new IllegalArgumentException("rotating needs a model calibrated for complementary-4, not " + loaded.manifest().maskSchedule());
    }
    Masks all = MaskSchedule.parse("complementary-4").masks(loaded.network().config());
    int k = all.count();
    int l = loaded.network().config().patches();
    AnomalyScorer[] pass = new AnomalyScorer[k];
    for (int j = 0; j < k; j++) {
      pass[j] = new AnomalyScorer(loaded.network(), loaded.manager(),
          new Masks(new long[][] {all.idsKeep()[j]}, new long[][] {all.idsRestore()[j]}, new boolean[][] {all.masked()[j]}),
          "mean", loaded.manifest().mapHalvingsOrZero());
    }
    java.util.Map<Merge, List<Procedure>> series = new java.util.EnumMap<>(Merge.class);
    try (ModelFrameScorer scorer = new ModelFrameScorer(loaded, null)) {
      double threshold = scorer.imageThreshold();
      for (long seed = from; seed <= to; seed++) {
        GroundTruth truth = video(out, seed, seconds);
        float[][][] s = passScores(scorer, pass, all, out, seed, truth.frames(), l);   // [frame][pass][patch]; shown patches unused
        for (Merge merge : Merge.values()) {
          double[] scores = new double[s.length];
          for (int t = 0; t < s.length; t++) {
            scores[t] = imageScore(s, t, all, merge);
          }
          series.computeIfAbsent(merge, m -> new ArrayList<>()).add(new Procedure(seed, truth, scores));
        }
      }
      int[][] rule = {{AlertRule.DEFAULT.raiseK(), AlertRule.DEFAULT.windowN()}};
      for (Merge merge : Merge.values()) {
        System.out.println("== " + merge.title);
        report(series.get(merge), threshold, rule);
      }
    }
  }

  /**
   * How a patch's scores become its score at frame t: {@code FRAME} the mean over the passes that hid
   * it in frame t (complementary-4); with one mask per frame (frame u under mask u mod 4),
   * {@code LAST_FOUR} the mean over frames t-3..t that hid it, {@code NEWEST} the newest of them.
   */
  enum Merge {
    FRAME("complementary-4, every frame under all four masks"),
    LAST_FOUR("rotating: frame t under mask t mod 4, each patch the mean of its last four frames' scores"),
    NEWEST("rotating: each patch its newest score only (at most one frame old: a patch is shown in one pass of four)");

    final String title;

    Merge(String title) {
      this.title = title;
    }
  }

  /** The image score at frame t: the mean over patches of each patch's score (the first frames use what they have). */
  static double imageScore(float[][][] s, int t, Masks masks, Merge merge) {
    int k = masks.count();
    int l = s[t][0].length;
    double sum = 0;
    int patches = 0;
    for (int i = 0; i < l; i++) {
      double v = 0;
      int n = 0;
      for (int back = 0; back < k && !(merge == Merge.NEWEST && n > 0); back++) {
        int u = merge == Merge.FRAME ? t : t - back;
        int j = merge == Merge.FRAME ? back : Math.floorMod(u, k);
        if (u >= 0 && masks.masked()[j][i]) {
          v += s[u][j][i];
          n++;
        }
      }
      if (n > 0) {
        sum += v / n;
        patches++;
      }
    }
    return sum / patches;
  }

  /** Every frame's patch scores under each mask alone, cached in OUT/passes-SEED.bin. */
  static float[][][] passScores(ModelFrameScorer scorer, AnomalyScorer[] pass, Masks all, Path out, long seed, int frames, int l) throws Exception {
    Path cache = out.resolve("passes-" + seed + ".bin");
    float[][][] s = new float[frames][pass.length][l];
    List<float[]> rows = Arrays.stream(s).flatMap(Arrays::stream).toList();
    if (readCache(cache, rows)) {
      return s;
    }
    int[] next = {0};
    long t0 = System.nanoTime();
    inBatches(out, seed, batch -> {
      float[][] inputs = batch.stream().map(scorer::input).toArray(float[][]::new);
      float[] pixels = new float[inputs.length * inputs[0].length];
      for (int i = 0; i < inputs.length; i++) {
        System.arraycopy(inputs[i], 0, pixels, i * inputs[0].length, inputs[0].length);
      }
      for (int j = 0; j < pass.length; j++) {
        List<AnomalyScorer.Result> r = pass[j].score(pixels, inputs.length, false);
        for (int i = 0; i < r.size(); i++) {
          System.arraycopy(r.get(i).patchScores(), 0, s[next[0] + i][j], 0, l);   // into the rows the cache writes
        }
      }
      if (next[0] == 0) {   // the passes together must give the scorer's own complementary-4 scores
        List<FrameScorer.Outcome> own = scorer.scoreAll(batch);
        double worst = 0;
        for (int i = 0; i < own.size(); i++) {
          worst = Math.max(worst, Math.abs(own.get(i).scored().score() - imageScore(s, i, all, Merge.FRAME)));
        }
        System.err.printf(Locale.ROOT, "seed %d: complementary-4 from the single passes vs the scorer, first batch: max |difference| %.2e%n",
            seed, worst);
      }
      next[0] += inputs.length;
    });
    writeCache(cache, rows);
    System.err.printf(Locale.ROOT, "seed %d: %d frames scored under each mask in %.0f s%n", seed, next[0], (System.nanoTime() - t0) / 1e9);
    return s;
  }

  /** See the class comment: the model's image score against a per-position one, each with the default rule. */
  static void position(ModelArtifact.Loaded loaded, Path out, int from, int to, int seconds, Path calibrationCsv) throws Exception {
    List<double[]> cal = new ArrayList<>();
    List<String> lines = Files.readAllLines(calibrationCsv);
    for (String line : lines.subList(1, lines.size())) {
      String[] cols = line.split(",");
      if (cols[1].equals("normal")) {
        cal.add(Arrays.stream(cols[3].split(" ")).mapToDouble(Double::parseDouble).toArray());
      }
    }
    int l = cal.get(0).length;
    double[] mean = new double[l];
    double[] std = new double[l];
    for (double[] c : cal) {
      for (int i = 0; i < l; i++) {
        mean[i] += c[i] / cal.size();
      }
    }
    for (double[] c : cal) {
      for (int i = 0; i < l; i++) {
        std[i] += (c[i] - mean[i]) * (c[i] - mean[i]) / cal.size();
      }
    }
    for (int i = 0; i < l; i++) {
      std[i] = Math.sqrt(std[i]);
    }
    java.util.function.ToDoubleFunction<float[]> relative = p -> {
      double sum = 0;
      for (int i = 0; i < p.length; i++) {
        sum += (p[i] - mean[i]) / std[i];
      }
      return sum / p.length;
    };
    double[] calScores = cal.stream().mapToDouble(c -> {
      float[] f = new float[c.length];
      for (int i = 0; i < c.length; i++) {
        f[i] = (float) c[i];
      }
      return relative.applyAsDouble(f);
    }).toArray();
    double relativeThreshold = org.endowatch.train.Metrics.thresholdForFalseAlarmRate(calScores, 0.01);
    List<Procedure> own = new ArrayList<>();
    List<Procedure> rel = new ArrayList<>();
    double threshold;
    try (ModelFrameScorer scorer = new ModelFrameScorer(loaded, null, ScoringThreads.frameWorkers(0, false, 4))) {
      threshold = scorer.imageThreshold();
      for (long seed = from; seed <= to; seed++) {
        GroundTruth truth = video(out, seed, seconds);
        float[][] patches = patchScores(scorer, out, seed, truth.frames(), l);
        double[] a = new double[patches.length];
        double[] b = new double[patches.length];
        for (int t = 0; t < patches.length; t++) {
          double sum = 0;
          for (float v : patches[t]) {
            sum += v;
          }
          a[t] = sum / l;
          b[t] = relative.applyAsDouble(patches[t]);
        }
        own.add(new Procedure(seed, truth, a));
        rel.add(new Procedure(seed, truth, b));
      }
    }
    int[][] rule = {{AlertRule.DEFAULT.raiseK(), AlertRule.DEFAULT.windowN()}};
    System.out.printf(Locale.ROOT, "== the model's image score (mean of patch scores), threshold %.6f%n", threshold);
    report(own, threshold, rule);
    System.out.printf(Locale.ROOT, "== mean of patch scores relative to their positions' calibration mean and spread, threshold %.6f%n",
        relativeThreshold);
    report(rel, relativeThreshold, rule);
  }

  /** Every frame's patch scores (the model's schedule), cached in OUT/patches-SEED.bin. */
  static float[][] patchScores(ModelFrameScorer scorer, Path out, long seed, int frames, int l) throws Exception {
    Path cache = out.resolve("patches-" + seed + ".bin");
    float[][] s = new float[frames][l];
    if (readCache(cache, Arrays.asList(s))) {
      return s;
    }
    int[] next = {0};
    long t0 = System.nanoTime();
    inBatches(out, seed, batch -> {
      for (FrameScorer.Outcome o : scorer.scoreAll(batch)) {
        System.arraycopy(o.scored().patchScores(), 0, s[next[0]++], 0, l);
      }
    });
    writeCache(cache, Arrays.asList(s));
    System.err.printf(Locale.ROOT, "seed %d: %d frames scored in %.0f s%n", seed, next[0], (System.nanoTime() - t0) / 1e9);
    return s;
  }

  /** Fills {@code rows} in order from the cache when it holds exactly that many floats; false otherwise. */
  static boolean readCache(Path cache, List<float[]> rows) throws java.io.IOException {
    long floats = rows.stream().mapToLong(r -> r.length).sum();
    if (!Files.exists(cache) || Files.size(cache) != 4 * floats) {
      return false;
    }
    java.nio.FloatBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(cache)).asFloatBuffer();
    rows.forEach(b::get);
    return true;
  }

  static void writeCache(Path cache, List<float[]> rows) throws java.io.IOException {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * rows.stream().mapToInt(r -> r.length).sum());
    for (float[] r : rows) {
      for (float v : r) {
        b.putFloat(v);
      }
    }
    Files.write(cache, b.array());
  }

  static void flush(FrameScorer scorer, List<Frame> batch, double[] scores, int[] next) {
    for (FrameScorer.Outcome o : scorer.scoreAll(batch)) {
      scores[next[0]++] = o.scored().score();
    }
    batch.clear();
  }
}
