import java.nio.file.*;
import java.util.*;
import java.awt.image.BufferedImage;
import javax.imageio.ImageIO;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.training.ParameterStore;
import ai.djl.pytorch.jni.JniUtils;
import org.endowatch.model.*;
import org.endowatch.score.*;

/**
 * Experiment behind the "which residual" row of docs/BENCHMARKS.md ("Choosing without the test
 * split"): for one model, the validation AUC of image scores built from other residuals than the
 * paper's 1 - MS-SSIM (squared and absolute error, single-scale SSIM) and from other mask counts at
 * scoring time. It repeats AnomalyScorer's masked passes and patch pooling so that only the residual
 * changes; it is a measurement, not a scorer.
 *
 * <p>Run: {@code java -Dai.djl.offline=true -cp target/endowatch.jar bench/ResidualVariants.java MODEL_DIR
 * HELD_OUT_NORMALS VAL_DIR/anomalous 4,2,8,b2,b4} (the last argument: complementary pass counts, 4 the model's
 * own complementary-4 masks; bS four complementary passes over S x S blocks of patches).
 */
public class ResidualVariants {
  static final String[] NAMES = {"msssim", "msssim-h1", "mse", "l1", "ssim11"};
  public static void main(String[] a) throws Exception {
    ModelArtifact.Loaded m = ModelArtifact.load(Path.of(a[0]), "auto");
    MemMcMae net = m.network();
    MemMcMaeConfig c = net.config();
    NDManager mg = m.manager();
    JniUtils.setGradMode(false);
    List<float[]> normal = load(Path.of(a[1]), c), anomalous = load(Path.of(a[2]), c);
    for (String ks : a[3].split(",")) {
      // "bS": four complementary passes over S x S blocks of patches (each pass shows a quarter of the blocks).
      int k = ks.startsWith("b") ? 4 : Integer.parseInt(ks);
      Masks masks = ks.startsWith("b") ? blocks(c.gridSize(), Integer.parseInt(ks.substring(1)), k)
          : k == 4 ? MaskSchedule.parse("complementary-4").masks(c) : Masks.complementary(k, c.patches(), 0);
      double[][] sn = scores(net, mg, c, masks, normal), sa = scores(net, mg, c, masks, anomalous);
      StringBuilder sb = new StringBuilder(ks + ": K=" + k + " (visible " + masks.idsKeep()[0].length + "):");
      for (int v = 0; v < NAMES.length; v++) sb.append(String.format(" %s %.4f", NAMES[v], auc(sn[v], sa[v])));
      System.out.println(sb);
    }
    System.exit(0);
  }
  /** K passes whose visible sets partition the grid's side x side blocks of patches (seeded shuffle of the blocks). */
  static Masks blocks(int grid, int side, int k) {
    int per = grid / side, nBlocks = per * per;
    int[] perm = Masks.shuffled(nBlocks, new SplittableRandom(0));
    Integer[][] orders = new Integer[k][];
    for (int pass = 0; pass < k; pass++) {
      List<Integer> shown = new ArrayList<>(), hidden = new ArrayList<>();
      for (int j = 0; j < nBlocks; j++) {
        int br = perm[j] / per, bc = perm[j] % per;
        for (int r = 0; r < side; r++) for (int col = 0; col < side; col++) {
          (j % k == pass ? shown : hidden).add((br * side + r) * grid + bc * side + col);
        }
      }
      shown.addAll(hidden);
      orders[pass] = shown.toArray(new Integer[0]);
    }
    return Masks.ofOrders(orders, grid * grid / k);
  }

  static List<float[]> load(Path dir, MemMcMaeConfig c) throws Exception {
    List<float[]> out = new ArrayList<>();
    try (var s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        BufferedImage img = ImageIO.read(p.toFile());
        out.add(Pixels.modelInput(img, c.imageSize(), c.channels()));
      }
    }
    return out;
  }
  static double[][] scores(MemMcMae net, NDManager mg, MemMcMaeConfig c, Masks masks, List<float[]> imgs) {
    int s = c.imageSize(), ch = c.channels(), k = masks.count(), l = c.patches(), p = c.patchSize();
    double[][] out = new double[NAMES.length][imgs.size()];
    int bs = 8;
    for (int start = 0; start < imgs.size(); start += bs) {
      int f = Math.min(bs, imgs.size() - start);
      float[] px = new float[f * ch * s * s];
      for (int i = 0; i < f; i++) System.arraycopy(imgs.get(start + i), 0, px, i * ch * s * s, ch * s * s);
      try (NDScope scope = new NDScope()) {
        Masks bm = masks.repeat(f);
        int n = f * k;
        NDArray images = mg.create(px, new Shape(f, ch, s, s));
        NDArray copies = images.expandDims(1).broadcast(new Shape(f, k, ch, s, s)).reshape(n, ch, s, s);
        NDArray keep = mg.create(bm.flatKeep(), new Shape(n, bm.idsKeep()[0].length));
        NDArray restore = mg.create(bm.flatRestore(), new Shape(n, l));
        NDArray weights = mg.create(bm.flatMaskWeights(), new Shape(n, l));
        NDArray pred = net.forward(new ParameterStore(mg, false), new NDList(copies, keep, restore), false).singletonOrThrow();
        NDArray recon = net.unpatchify(pred).clip(0f, 1f);
        NDArray mp = net.patchesToPixels(weights);
        NDArray comp = recon.mul(mp).add(copies.mul(mp.neg().add(mg.create(1f))));
        NDArray one = mg.create(1f);
        NDArray[] res = {
          one.sub(MsSsim.map(comp, images, k, 0)),
          one.sub(MsSsim.map(comp, images, k, 1)),
          comp.sub(copies).square().mean(new int[] {1}, true),
          comp.sub(copies).abs().mean(new int[] {1}, true),
          one.sub(MsSsim.ssim(comp, copies).mean(new int[] {1}, true)),
        };
        NDArray w = weights.reshape(f, k, l);
        for (int v = 0; v < res.length; v++) {
          NDArray perPass = ai.djl.nn.pooling.Pool.avgPool2d(res[v], new Shape(p, p), new Shape(p, p), new Shape(0, 0), false, true).reshape(f, k, l);
          NDArray patch = perPass.mul(w).sum(new int[] {1}).div(w.sum(new int[] {1}).maximum(1f));
          float[] img = patch.mean(new int[] {1}).toFloatArray();
          for (int i = 0; i < f; i++) out[v][start + i] = img[i];
        }
      }
    }
    return out;
  }
  static double auc(double[] neg, double[] pos) {
    double sum = 0;
    for (double x : pos) for (double y : neg) sum += x > y ? 1 : x == y ? 0.5 : 0;
    return sum / pos.length / neg.length;
  }
}
