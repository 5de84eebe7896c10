package org.endowatch.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.Masks;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;

/**
 * Frames in, anomaly scores out: the one place where pixels become tensors and tensors become
 * scores, so stream code never touches an NDArray.
 *
 * <p>Each frame is reconstructed under the K masks of the schedule, all K masked copies (and all
 * frames of a call) in one batch. Per pass, the reconstruction is pasted into the input on the
 * masked patches only (visible patches keep their pixels), and 1 - MS-SSIM against the input gives
 * a per-pixel residual; its mean over each patch is the patch's score in that pass. A patch's score
 * is the mean over the passes in which it was masked (a patch never masked in any pass scores 0).
 * The image score is the mean over patches (the paper) or their max.
 *
 * <p>Not thread-safe per instance only in the sense that calls share the network; concurrent calls
 * are fine (inference does not change parameters) but each call needs its own NDScope, which this
 * class opens.
 */
public final class AnomalyScorer {
  private final MemMcMae network;
  private final NDManager manager;
  private final MemMcMaeConfig config;
  private final Masks masks;
  private final boolean maxPooling;
  private final int mapHalvings;

  /** One frame's result. patchScores is row-major over the patch grid; reconstruction is [C,H,W] or null. */
  public record Result(double imageScore, float[] patchScores, int gridSize, float[] reconstruction) {
    public double maxPatchScore() {
      double m = Double.NEGATIVE_INFINITY;
      for (float v : patchScores) {
        m = Math.max(m, v);
      }
      return m;
    }
  }

  /** The paper's full-resolution anomaly map. */
  public AnomalyScorer(MemMcMae network, NDManager manager, MaskSchedule schedule, String imagePooling) {
    this(network, manager, schedule, imagePooling, 0);
  }

  /**
   * @param imagePooling {@code mean} (the paper) or {@code max}
   * @param mapHalvings MS-SSIM's finest scales left out of the map (see {@link MsSsim#map(NDArray, NDArray, int, int)}):
   *     0 is the paper; 1 starts at half size, about half the map's time
   *     (see {@link org.endowatch.model.ModelManifest#mapHalvings})
   */
  public AnomalyScorer(MemMcMae network, NDManager manager, MaskSchedule schedule, String imagePooling, int mapHalvings) {
    this(network, manager, schedule.masks(network.config()), imagePooling, mapHalvings);
  }

  /**
   * Under any set of masks, for example one pass of a schedule alone (bench/AlertRules.java scores
   * complementary-4's passes one by one to study rotating them from frame to frame).
   */
  public AnomalyScorer(MemMcMae network, NDManager manager, Masks masks, String imagePooling, int mapHalvings) {
    this.network = network;
    this.manager = manager;
    this.config = network.config();
    this.masks = masks;
    if (!imagePooling.equals("mean") && !imagePooling.equals("max")) {
      throw new IllegalArgumentException("image pooling must be mean or max, got '" + imagePooling + "'");
    }
    this.maxPooling = imagePooling.equals("max");
    int most = 0;
    while (config.patchSize() % (2 << most) == 0 && config.imageSize() >> (most + 1) >= MsSsim.WINDOW) {
      most++;
    }
    if (mapHalvings < 0 || mapHalvings > most) {
      // Halving must keep whole patches (patch scores are means over them) and leave an 11 px window.
      throw new IllegalArgumentException("map halvings must be 0.." + most + " for " + config.imageSize() + " px images with "
          + config.patchSize() + " px patches, got " + mapHalvings);
    }
    this.mapHalvings = mapHalvings;
  }

  public MemMcMaeConfig config() {
    return config;
  }

  /**
   * Scores {@code frames} images.
   *
   * @param pixels [F,C,H,W] row-major in [0,1], at the model's size
   * @param withReconstruction also return each frame's reconstruction (masked passes averaged)
   */
  public List<Result> score(float[] pixels, int frames, boolean withReconstruction) {
    int s = config.imageSize();
    int c = config.channels();
    if (pixels.length != frames * c * s * s) {
      throw new IllegalArgumentException("expected " + frames + " x " + c + "x" + s + "x" + s + " pixels, got " + pixels.length);
    }
    // Threads start with autograd on; nothing here needs a graph.
    JniUtils.setGradMode(false);
    int k = masks.count();
    int l = config.patches();
    int g = config.gridSize();
    int p = config.patchSize();
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      Masks batchMasks = masks.repeat(frames);
      int n = frames * k;
      NDArray images = manager.create(pixels, new Shape(frames, c, s, s));
      NDArray copies = images.expandDims(1).broadcast(new Shape(frames, k, c, s, s)).reshape(n, c, s, s); // [F*K,C,H,W]
      NDArray keep = manager.create(batchMasks.flatKeep(), new Shape(n, config.visible()));
      NDArray restore = manager.create(batchMasks.flatRestore(), new Shape(n, l));
      NDArray weights = manager.create(batchMasks.flatMaskWeights(), new Shape(n, l));                  // [F*K,L]
      NDArray pred = network.forward(new ParameterStore(manager, false), new NDList(copies, keep, restore), false)
          .singletonOrThrow();
      NDArray recon = network.unpatchify(pred).clip(0f, 1f);                                          // [F*K,C,H,W]
      NDArray maskPixels = network.patchesToPixels(weights);                                          // [F*K,1,H,W]
      NDArray composite = recon.mul(maskPixels).add(copies.mul(maskPixels.neg().add(manager.create(1f))));
      NDArray residual = manager.create(1f).sub(MsSsim.map(composite, images, k, mapHalvings));        // [F*K,1,H,W]
      NDArray perPass = ai.djl.nn.pooling.Pool.avgPool2d(residual, new Shape(p, p), new Shape(p, p), new Shape(0, 0),
          false, true).reshape(frames, k, l);                                                          // [F,K,L]
      NDArray w = weights.reshape(frames, k, l);
      NDArray patchScores = perPass.mul(w).sum(new int[] {1}).div(w.sum(new int[] {1}).maximum(1f));   // [F,L]
      NDArray imageScores = maxPooling ? patchScores.max(new int[] {1}) : patchScores.mean(new int[] {1}); // [F]
      float[] patchesFlat = patchScores.toFloatArray();
      float[] imageFlat = imageScores.toFloatArray();
      float[] reconFlat = null;
      if (withReconstruction) {
        NDArray wp = maskPixels.reshape(frames, k, 1, s, s);
        reconFlat = recon.reshape(frames, k, c, s, s).mul(wp).sum(new int[] {1})
            .div(wp.sum(new int[] {1}).maximum(1e-6f)).toFloatArray();                                // [F,C,H,W]
      }
      List<Result> out = new ArrayList<>(frames);
      for (int f = 0; f < frames; f++) {
        float[] grid = new float[l];
        System.arraycopy(patchesFlat, f * l, grid, 0, l);
        float[] r = null;
        if (reconFlat != null) {
          r = new float[c * s * s];
          System.arraycopy(reconFlat, f * c * s * s, r, 0, r.length);
        }
        out.add(new Result(imageFlat[f], grid, g, r));
      }
      return out;
    }
  }
}
