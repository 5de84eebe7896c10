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
import org.endowatch.model.ModelArtifact;
import org.endowatch.score.AlertRule;
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
    List<Procedure> procedures = new ArrayList<>();
    double threshold;
    try (ModelFrameScorer scorer = new ModelFrameScorer(loaded, null, ScoringThreads.frameWorkers(0, false, 4))) {
      threshold = scorer.imageThreshold();
      for (long seed = from; seed <= to; seed++) {
        procedures.add(scoreProcedure(scorer, out, seed, seconds));
      }
    }
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
    for (int[] kn : RULES) {
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
    Path video = out.resolve("procedure-" + seed + ".mp4");
    Path cache = out.resolve("scores-" + seed + ".csv");
    int segments = Math.max(2, seconds / 2);
    GroundTruth truth = ProcedureVideo.write(ProcedureVideo.synthetic(segments, Math.max(1, seconds / 12), 384, 256,
        (int) Math.round(2 * FPS), seed), 384, 256, FPS, seed, video, n -> {});
    if (Files.exists(cache)) {
      double[] s = Files.readAllLines(cache).stream().mapToDouble(Double::parseDouble).toArray();
      if (s.length == truth.frames()) {
        return new Procedure(seed, truth, s);
      }
    }
    FramePreparer preparer = new FramePreparer(256, 256, 0.9f);
    List<Frame> batch = new ArrayList<>();
    double[] scores = new double[truth.frames()];
    int[] next = {0};
    long t0 = System.nanoTime();
    try (FrameSource s = Sources.open(video.toString(), Sources.Options.DEFAULT, ms -> {})) {
      FrameSource.Picture p;
      int i = 0;
      while ((p = s.next()) != null) {
        batch.add(new Frame("p" + seed, i, i, 256, 256, Frame.JPEG, "bench", preparer.prepare(p.image())));
        i++;
        if (batch.size() == 4) {
          flush(scorer, batch, scores, next);
        }
      }
      flush(scorer, batch, scores, next);
    }
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(cache))) {
      Arrays.stream(scores).forEach(w::println);
    }
    System.err.printf(Locale.ROOT, "seed %d: %d frames scored in %.0f s%n", seed, next[0], (System.nanoTime() - t0) / 1e9);
    return new Procedure(seed, truth, scores);
  }

  static void flush(FrameScorer scorer, List<Frame> batch, double[] scores, int[] next) {
    for (FrameScorer.Outcome o : scorer.scoreAll(batch)) {
      scores[next[0]++] = o.scored().score();
    }
    batch.clear();
  }
}
