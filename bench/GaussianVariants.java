import ai.djl.ndarray.*;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.lang.reflect.Method;
/**
 * Microbenchmark behind the "Cheaper Gaussian windows" table of docs/BENCHMARKS.md: the banded
 * matrix products MsSsim uses against a block-banded version and a separable convolution, checked
 * for equal output first. Reads MsSsim's private filter by reflection (a measurement, not a user).
 *
 * <p>Run: {@code java -Dai.djl.offline=true -cp target/endowatch.jar bench/GaussianVariants.java 4x9x128 16x9x128 4x9x64 1x6x128}
 * (each argument N x planes x side).
 */
public class GaussianVariants {
  static final int B = Integer.getInteger("blk", 16), R = 5, WIN = 11;
  static float[] g = new float[WIN];
  static { double s = 0; for (int i = 0; i < WIN; i++) { double d = i - 5; g[i] = (float) Math.exp(-d*d/(2*1.5*1.5)); s += g[i]; } for (int i = 0; i < WIN; i++) g[i] /= (float) s; }
  /** [B+2R, B] matrix: out[j] = sum_i in[j+i] g[i]. */
  static float[] blockMatrix() { float[] m = new float[(B + 2*R) * B]; for (int j = 0; j < B; j++) for (int i = 0; i < WIN; i++) m[(j + i) * B + j] = g[i]; return m; }
  static NDArray gaussBlock(NDArray in) {
    NDManager m = in.getManager(); Shape s = in.getShape(); long nk = s.get(0) * s.get(1); int h = (int) s.get(2), w = (int) s.get(3);
    int nb = w / B;
    NDArray gm = m.create(blockMatrix(), new Shape(B + 2*R, B));
    // along W
    NDArray x = in.reshape(nk * h, w);
    NDArray z = m.zeros(new Shape(nk * h, R));
    NDArray padded = NDArrays.concat(new NDList(z, x, z), 1);                          // [nkh, w+2R]
    NDList blocks = new NDList();
    for (int b = 0; b < nb; b++) blocks.add(padded.get(new NDIndex(":, {}:{}", b * B, b * B + B + 2*R)));
    NDArray alongW = NDArrays.stack(blocks, 1).matMul(gm).reshape(nk, h, w);            // [nkh, nb, B] -> [nk,h,w]
    // along H
    NDArray zh = m.zeros(new Shape(nk, R, w));
    NDArray ph = NDArrays.concat(new NDList(zh, alongW, zh), 1);                       // [nk, h+2R, w]
    NDList hb = new NDList();
    for (int b = 0; b < h / B; b++) hb.add(ph.get(new NDIndex(":, {}:{}, :", b * B, b * B + B + 2*R)));
    NDArray alongH = gm.transpose().matMul(NDArrays.stack(hb, 1));                    // [B,B+2R] @ [nk,nb,B+2R,w] -> [nk,nb,B,w]
    return alongH.reshape(s);
  }
  static NDArray gaussConv(NDArray in) {
    NDManager m = in.getManager(); Shape s = in.getShape(); long nk = s.get(0) * s.get(1); int h = (int) s.get(2), w = (int) s.get(3);
    NDArray x = in.reshape(nk, 1, h, w);
    NDArray kw = m.create(g, new Shape(1, 1, 1, WIN)); NDArray kh = m.create(g, new Shape(1, 1, WIN, 1));
    x = ai.djl.nn.convolutional.Conv2d.conv2d(x, kw, null, new Shape(1, 1), new Shape(0, R), new Shape(1, 1), 1).singletonOrThrow();
    x = ai.djl.nn.convolutional.Conv2d.conv2d(x, kh, null, new Shape(1, 1), new Shape(R, 0), new Shape(1, 1), 1).singletonOrThrow();
    return x.reshape(s);
  }
  interface Body { void run(NDManager m); }
  static double time(NDManager base, Body b, int reps) {
    double[] t = new double[reps];
    for (int i = 0; i < reps + 3; i++) try (NDManager m = base.newSubManager()) { long st = System.nanoTime(); b.run(m); double ms = (System.nanoTime() - st) / 1e6; if (i >= 3) t[i - 3] = ms; }
    java.util.Arrays.sort(t); return t[reps / 2];
  }
  public static void main(String[] a) throws Exception {
    NDManager base = NDManager.newBaseManager(); JniUtils.setGradMode(false);
    Method gauss = org.endowatch.score.MsSsim.class.getDeclaredMethod("gaussian", NDArray.class); gauss.setAccessible(true);
    java.util.Random r = new java.util.Random(1);
    for (String spec : a) {
      String[] p = spec.split("x"); int n = Integer.parseInt(p[0]), c = Integer.parseInt(p[1]), sd = Integer.parseInt(p[2]);
      float[] v = new float[n * c * sd * sd]; for (int i = 0; i < v.length; i++) v[i] = r.nextFloat();
      try (NDManager m = base.newSubManager()) {
        NDArray x = m.create(v, new Shape(n, c, sd, sd));
        NDArray ref = (NDArray) gauss.invoke(null, x); NDArray blk = gaussBlock(x);
        System.out.printf("%s block vs band: max difference %.2e%n", spec, ref.sub(blk).abs().max().getFloat());
      }
      double tb = time(base, m -> { try { ((NDArray) gauss.invoke(null, m.create(v, new Shape(n, c, sd, sd)))).toFloatArray(); } catch (Exception e) { throw new RuntimeException(e); } }, 15);
      double tk = time(base, m -> gaussBlock(m.create(v, new Shape(n, c, sd, sd))).toFloatArray(), 15);
      double tc = time(base, m -> gaussConv(m.create(v, new Shape(n, c, sd, sd))).toFloatArray(), 15);
      try (NDManager m = base.newSubManager()) { NDArray x = m.create(v, new Shape(n, c, sd, sd)); System.out.printf("%s conv vs band: max difference %.2e%n", spec, ((NDArray) gauss.invoke(null, x)).sub(gaussConv(x)).abs().max().getFloat()); }
      System.out.printf("%s band %.2f ms, block %.2f ms, conv %.2f ms%n", spec, tb, tk, tc);
    }
  }
}
