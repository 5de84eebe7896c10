package org.endowatch.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.endowatch.model.Masks;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;
import org.endowatch.score.MsSsim;

/**
 * One optimisation step at a time, as the paper trains: AdamW (weight decay 0.05 on weight
 * matrices, none on biases, norms and other 1-D parameters), learning rate base * batch / 256 with linear warm-up then
 * cosine decay, MSE on masked patches, a fresh random 75 % mask per image per step. Optionally (not
 * the paper) plus {@code ssimWeight} x (1 - SSIM) over the masked pixels of the composite image, so
 * training rewards reconstructing local structure, which the MS-SSIM anomaly map then measures.
 */
public final class MaeTrainer {
  /**
   * @param batch images per step
   * @param baseLr the paper's 1.5e-3, scaled by batch/256
   * @param weightDecay 0.05 in the paper
   * @param warmupSteps linear warm-up length
   * @param totalSteps warm-up plus cosine decay length
   * @param ssimWeight weight of the SSIM term (0: the paper's loss, MSE alone)
   */
  public record Settings(int batch, double baseLr, double weightDecay, int warmupSteps, int totalSteps, double ssimWeight) {
    /** The paper's loss. */
    public Settings(int batch, double baseLr, double weightDecay, int warmupSteps, int totalSteps) {
      this(batch, baseLr, weightDecay, warmupSteps, totalSteps, 0);
    }

    public double peakLr() {
      return baseLr * batch / 256.0;
    }

    /** Learning rate at 0-based step: linear warm-up to the peak, then cosine to zero. */
    public double lrAt(int step) {
      if (step < warmupSteps) {
        return peakLr() * (step + 1) / warmupSteps;
      }
      double progress = Math.min(1.0, (step - warmupSteps) / (double) Math.max(1, totalSteps - warmupSteps));
      return peakLr() * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
  }

  private final MemMcMae network;
  private final MemMcMaeConfig config;
  private final NDManager manager;
  private final ParameterStore store;
  private final Settings settings;
  private final AdamW optimizer;

  public MaeTrainer(MemMcMae network, NDManager manager, Settings settings) {
    this.network = network;
    this.config = network.config();
    this.manager = manager;
    this.store = new ParameterStore(manager, false);
    this.settings = settings;
    this.optimizer = new AdamW(manager);
    for (Pair<String, Parameter> p : network.getParameters()) {
      if (p.getValue().requiresGradient()) {
        p.getValue().getArray().setRequiresGradient(true);
      }
    }
  }

  /** Random masks for one step: one independent 75 % mask per image. */
  public Masks masksFor(int images, SplittableRandom rng) {
    return Masks.random(images, config.patches(), config.visible(), rng);
  }

  /**
   * Forward, backward and one optimiser update.
   *
   * @param pixels [N,C,H,W] row-major, values in [0,1]
   * @return the loss before the update
   */
  public float step(float[] pixels, int n, Masks masks) {
    float loss;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      loss = backward(pixels, n, masks, () -> {});
    }
    // Outside the scope: AdamW creates its moment arrays on the first update, and they must live on.
    float lr = (float) settings.lrAt((int) optimizer.steps());
    optimizer.nextStep();
    for (Pair<String, Parameter> p : network.getParameters()) {
      Parameter param = p.getValue();
      if (!param.requiresGradient()) {
        continue;
      }
      NDArray weight = param.getArray();
      try (NDArray grad = weight.getGradient()) {
        // MAE: no weight decay on biases, norms and 1-D parameters.
        boolean decay = param.getType() == Parameter.Type.WEIGHT && weight.getShape().dimension() > 1;
        optimizer.update(p.getKey(), weight, grad, lr, decay ? (float) settings.weightDecay() : 0f);
      }
    }
    return loss;
  }

  /** Optimisation steps taken so far (restored by {@link #loadOptimizer}). */
  public long steps() {
    return optimizer.steps();
  }

  /** Learning rate the next step will use. */
  public double nextLr() {
    return settings.lrAt((int) optimizer.steps());
  }

  /** Writes the optimiser's moments and step count (for exact resume). */
  public void saveOptimizer(java.io.DataOutputStream out) throws java.io.IOException {
    optimizer.save(out);
  }

  public void loadOptimizer(java.io.DataInputStream in) throws java.io.IOException {
    optimizer.load(in);
  }

  /** The loss of a batch without training (for validation curves). */
  public float loss(float[] pixels, int n, Masks masks) {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDList in = inputs(pixels, n, masks);
      NDArray pred = network.forward(store, new NDList(in.get(0), in.get(1), in.get(2)), false).singletonOrThrow();
      return lossOf(pred, in).getFloat();
    }
  }

  /**
   * Gradients of the loss for one batch, by parameter name, without updating; {@code midStep} runs
   * between forward and backward (the GC regression test forces a collection there).
   */
  public Map<String, float[]> gradients(float[] pixels, int n, Masks masks, Runnable midStep) {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      backward(pixels, n, masks, midStep);
      Map<String, float[]> out = new LinkedHashMap<>();
      for (Pair<String, Parameter> p : network.getParameters()) {
        if (p.getValue().requiresGradient()) {
          out.put(p.getKey(), p.getValue().getArray().getGradient().toFloatArray());
        }
      }
      return out;
    }
  }

  private float backward(float[] pixels, int n, Masks masks, Runnable midStep) {
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      collector.zeroGradients();
      NDList in = inputs(pixels, n, masks);
      NDArray pred = network.forward(store, new NDList(in.get(0), in.get(1), in.get(2)), true).singletonOrThrow();
      NDArray loss = lossOf(pred, in);
      midStep.run();
      collector.backward(loss);
      return loss.getFloat();
    }
  }

  /** The paper's MSE on masked patches, plus the optional SSIM term. */
  NDArray lossOf(NDArray pred, NDList in) {
    NDArray images = in.get(0);
    NDArray weights = in.get(3);
    NDArray mse = network.loss(pred, images, weights);
    if (settings.ssimWeight() == 0) {
      return mse;
    }
    // The composite the scorer compares with the frame: reconstruction where masked, input elsewhere.
    NDArray maskPixels = network.patchesToPixels(weights);                                          // [N,1,H,W]
    NDArray one = manager.create(1f);
    NDArray composite = network.unpatchify(pred).mul(maskPixels).add(images.mul(one.sub(maskPixels)));
    NDArray dissimilarity = one.sub(MsSsim.ssim(composite, images)).mean(new int[] {1}, true);     // [N,1,H,W]
    NDArray ssimTerm = dissimilarity.mul(maskPixels).sum().div(maskPixels.sum());
    return mse.add(ssimTerm.mul(manager.create((float) settings.ssimWeight())));
  }

  /** images [N,C,H,W], idsKeep [N,V], idsRestore [N,L], mask weights [N,L]. */
  private NDList inputs(float[] pixels, int n, Masks masks) {
    int s = config.imageSize();
    NDArray images = manager.create(pixels, new Shape(n, config.channels(), s, s));
    NDArray keep = manager.create(masks.flatKeep(), new Shape(n, config.visible()));
    NDArray restore = manager.create(masks.flatRestore(), new Shape(n, config.patches()));
    NDArray weights = manager.create(masks.flatMaskWeights(), new Shape(n, config.patches()));
    return new NDList(images, keep, restore, weights);
  }
}
