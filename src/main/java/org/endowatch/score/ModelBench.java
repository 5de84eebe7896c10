package org.endowatch.score;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.endowatch.model.Flops;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.Masks;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;

/**
 * How fast the model scores frames on this machine, next to the machine's own ceiling measured in
 * the same run: a large fp32 matrix product on the same engine. Weights are random (speed does not
 * depend on them). Each configuration is warmed up, then timed repeatedly; medians and p99.
 */
public final class ModelBench {
  /** One configuration's numbers. {@code forward*} is the network alone; {@code ms_per_frame} adds the anomaly map. */
  public record Run(String preset, String maskSchedule, int batchFrames, double msPerFrame, double msPerFrameP99,
      double framesPerS, double forwardMsPerFrame, double gflopPerFrame, double achievedGflops) {}

  /** The whole result: runs plus the ceiling and memory. */
  public record Result(double matmulGflops, int threads, String engine, String device, List<Run> runs, long rssBeforeKb,
      long rssAfterKb, long framesForMemory) {}

  private ModelBench() {}

  /**
   * @param repeats timed repetitions per configuration (after 3 warm-ups)
   * @param memoryFrames frames scored to see whether native memory grows (0 = skip)
   * @param mapHalvings the anomaly map's resolution (0 = full, the paper; see AnomalyScorer)
   * @param device auto, cpu or gpu, as {@link ModelArtifact#device}
   * @param precision what the networks compute in ({@link MemMcMae#inferIn}), and the ceiling's product
   */
  public static Result run(List<String> presets, List<String> schedules, List<Integer> batches, int repeats,
      long memoryFrames, int mapHalvings, String device, DataType precision, Consumer<String> progress) {
    // A misspelt preset or schedule fails now, not after the ceiling's seconds of products.
    for (String preset : presets) {
      MemMcMaeConfig config = MemMcMaeConfig.preset(preset);
      schedules.forEach(s -> MaskSchedule.parse(s).masks(config));
    }
    List<Run> runs = new ArrayList<>();
    long rssBefore = 0;
    long rssAfter = 0;
    Device on = ModelArtifact.device(device);
    try (NDManager manager = NDManager.newBaseManager(on)) {
      // After the manager: that loads the natives JniUtils calls into.
      JniUtils.setGradMode(false);
      // A GPU finishes a 1024^3 product in well under a millisecond, so launch and copy-back time would
      // dominate: the ceiling there is measured on 8192^3 (about 1 TFLOP per product).
      int n = on.isGpu() ? 8192 : 1024;
      double matmul = matmulGflops(manager, n, repeats, precision);
      progress.accept(String.format(java.util.Locale.ROOT, "%s matmul %d^3 on %s: %.1f GFLOP/s",
          ModelArtifact.precisionName(precision), n, on, matmul));
      for (String preset : presets) {
        MemMcMaeConfig config = MemMcMaeConfig.preset(preset);
        MemMcMae net = new MemMcMae(config);
        net.initialize(manager, DataType.FLOAT32, net.inputShapes(1));
        net.inferIn(precision);
        for (String s : schedules) {
          MaskSchedule schedule = MaskSchedule.parse(s);
          AnomalyScorer scorer = new AnomalyScorer(net, manager, schedule, "mean", mapHalvings);
          for (int frames : batches) {
            float[] pixels = pixels(config, frames);
            double[] full = time(() -> scorer.score(pixels, frames, false), repeats);
            double[] forward = time(() -> forward(net, manager, config, schedule, pixels, frames), repeats);
            double ms = median(full) / frames;
            double fwd = median(forward) / frames;
            double gflop = Flops.perFrame(config, schedule.passes()) / 1e9;
            Run r = new Run(preset, s, frames, ms, percentile(full, 0.99) / frames, 1000 / ms, fwd, gflop, gflop / (fwd / 1000));
            runs.add(r);
            progress.accept(String.format(java.util.Locale.ROOT, "%s %s batch %d: %.1f ms/frame (%.1f frames/s), forward %.1f ms, %.1f GFLOP/s",
                preset, s, frames, ms, r.framesPerS(), fwd, r.achievedGflops()));
          }
          if (memoryFrames > 0 && preset.equals(presets.get(0)) && s.equals(schedules.get(0))) {
            float[] one = pixels(config, 1);
            for (int i = 0; i < 50; i++) {
              scorer.score(one, 1, false);
            }
            rssBefore = rssKb();
            for (long i = 0; i < memoryFrames; i++) {
              scorer.score(one, 1, false);
            }
            rssAfter = rssKb();
            progress.accept("RSS after " + memoryFrames + " more frames: " + rssBefore + " -> " + rssAfter + " kB");
          }
        }
      }
      return new Result(matmul, threads(), engineName(), on.toString(), runs,
          rssBefore, rssAfter, memoryFrames);
    }
  }

  private static void forward(MemMcMae net, NDManager manager, MemMcMaeConfig c, MaskSchedule schedule, float[] pixels,
      int frames) {
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      scope.suppressNotUsedWarning();
      Masks masks = schedule.masks(c).repeat(frames);
      int n = frames * schedule.passes();
      int s = c.imageSize();
      NDArray images = manager.create(pixels, new Shape(frames, c.channels(), s, s));
      NDArray copies = images.expandDims(1).broadcast(new Shape(frames, schedule.passes(), c.channels(), s, s))
          .reshape(n, c.channels(), s, s);
      NDArray keep = manager.create(masks.flatKeep(), new Shape(n, c.visible()));
      NDArray restore = manager.create(masks.flatRestore(), new Shape(n, c.patches()));
      NDArray pred = net.forward(new ParameterStore(manager, false), new NDList(copies, keep, restore), false,
          new PairList<>()).singletonOrThrow();
      awaitResult(pred);
    }
  }

  /**
   * One forward of n masked copies given as host pixels [n,C,H,W], waited for, in its own
   * scope: what the bench scripts under bench/ time and profile, for endowatch's network or any
   * block with the same inputs (the TorchScript reference).
   */
  public static void forwardCopies(Block block, NDManager manager, MemMcMaeConfig c, Masks masks, float[] pixels, int n) {
    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
      scope.suppressNotUsedWarning();
      int s = c.imageSize();
      NDArray images = manager.create(pixels, new Shape(n, c.channels(), s, s));
      NDArray keep = manager.create(masks.flatKeep(), new Shape(n, c.visible()));
      NDArray restore = manager.create(masks.flatRestore(), new Shape(n, c.patches()));
      awaitResult(block.forward(new ParameterStore(manager, false), new NDList(images, keep, restore), false,
          new PairList<>()).singletonOrThrow());
    }
  }

  /**
   * Waits for a prediction without copying it: one element to the host ends the device's queue.
   * Copying all predictions (193 MB for the base network at 32 x 10 copies) timed the host copy, not
   * the network, on a GPU; scoring never copies them.
   */
  private static void awaitResult(NDArray pred) {
    pred.get(0, 0, 0).toType(DataType.FLOAT32, false).getFloat();
  }

  /** GFLOP/s of an n x n x n matrix product in {@code type} on this engine: the machine's practical ceiling. */
  static double matmulGflops(NDManager manager, int n, int repeats, DataType type) {
    try (NDManager m = manager.newSubManager()) {
      // In the precision the networks run in: a half-precision network measured against the fp32
      // ceiling read over 100 % on an H100 (its fp16 matrix units are several times faster).
      NDArray a = m.randomUniform(0, 1, new Shape(n, n)).toType(type, false);
      NDArray b = m.randomUniform(0, 1, new Shape(n, n)).toType(type, false);
      double[] t = time(() -> {
        try (NDArray c = a.matMul(b); NDArray corner = c.get(0, 0).toType(DataType.FLOAT32, false)) {
          corner.getFloat();
        }
      }, Math.max(5, repeats));
      return 2.0 * n * n * n / (median(t) / 1000) / 1e9;
    }
  }

  private static float[] pixels(MemMcMaeConfig c, int frames) {
    SplittableRandom r = new SplittableRandom(7);
    float[] p = new float[frames * c.channels() * c.imageSize() * c.imageSize()];
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) r.nextDouble();
    }
    return p;
  }

  /** Milliseconds of each of {@code repeats} runs, after 3 untimed warm-ups. */
  public static double[] time(Runnable work, int repeats) {
    for (int i = 0; i < 3; i++) {
      work.run();
    }
    double[] ms = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      work.run();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    return ms;
  }

  public static double median(double[] v) {
    return percentile(v, 0.5);
  }

  static double percentile(double[] v, double q) {
    double[] s = v.clone();
    Arrays.sort(s);
    // Nearest rank: the smallest value with at least q of the values at or below it.
    return s[Math.max(0, (int) Math.ceil(q * s.length) - 1)];
  }

  static long rssKb() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (java.io.IOException | NumberFormatException ignored) {
      // not Linux: no RSS figure
    }
    return 0;
  }

  private static int threads() {
    return ai.djl.pytorch.jni.JniUtils.getNumThreads();
  }

  private static String engineName() {
    Engine e = Engine.getInstance();
    return e.getEngineName() + " " + e.getVersion();
  }
}
