package org.endowatch.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A batch of masks, generated on the JVM so that the same seed gives the same masks on every run,
 * thread and engine (the engine's global RNG is never used). Shapes: K masks over L patches, V
 * visible each.
 *
 * @param idsKeep [K, V] indices of the visible patches, in shuffle order
 * @param idsRestore [K, L] position of each patch in the shuffled order (inverse permutation)
 * @param masked [K, L] true where the patch is hidden from the encoder
 */
public record Masks(long[][] idsKeep, long[][] idsRestore, boolean[][] masked) {

  public int count() {
    return idsKeep.length;
  }

  /**
   * MAE's random masking for one sample: argsort of uniform noise, keep the V smallest. Ties in the
   * noise are broken by patch index, so the permutation is a function of the RNG state alone.
   */
  public static Masks random(int count, int patches, int visible, SplittableRandom rng) {
    Integer[][] orders = new Integer[count][];
    for (int k = 0; k < count; k++) {
      double[] noise = new double[patches];
      for (int i = 0; i < patches; i++) {
        noise[i] = rng.nextDouble();
      }
      Integer[] order = new Integer[patches];
      for (int i = 0; i < patches; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> noise[a] != noise[b] ? Double.compare(noise[a], noise[b]) : Integer.compare(a, b));
      orders[k] = order;
    }
    return ofOrders(orders, visible);
  }

  /**
   * K masks whose visible sets partition the patches: pass k sees the patches {@code perm[j]} with
   * {@code j mod K == k}, where {@code perm} is a seeded shuffle (so visible patches are spread over
   * the image, not in stripes). Every patch is hidden in K-1 of the K passes. Each pass shows
   * floor or ceil of L/K patches; the batch needs equal V, so L must be a multiple of K.
   */
  public static Masks complementary(int count, int patches, long seed) {
    if (count < 2 || patches % count != 0) {
      throw new IllegalArgumentException("complementary masks need K >= 2 dividing L=" + patches + ", got K=" + count);
    }
    int[] perm = shuffled(patches, new SplittableRandom(seed));
    int visible = patches / count;
    Integer[][] orders = new Integer[count][];
    for (int k = 0; k < count; k++) {
      Integer[] order = new Integer[patches];
      int v = 0;
      int m = visible;
      for (int j = 0; j < patches; j++) {
        if (j % count == k) {
          order[v++] = perm[j];
        } else {
          order[m++] = perm[j];
        }
      }
      orders[k] = order;
    }
    return ofOrders(orders, visible);
  }

  /**
   * Masks from each pass's order of the L patches: the first {@code visible} are shown (in that
   * order), the rest hidden; idsRestore puts every patch back in place.
   */
  public static Masks ofOrders(Integer[][] orders, int visible) {
    int count = orders.length;
    long[][] keep = new long[count][];
    long[][] restore = new long[count][];
    boolean[][] masked = new boolean[count][];
    for (int k = 0; k < count; k++) {
      fill(k, orders[k], visible, keep, restore, masked);
    }
    return new Masks(keep, restore, masked);
  }

  private static void fill(int k, Integer[] order, int visible, long[][] keep, long[][] restore, boolean[][] masked) {
    int patches = order.length;
    keep[k] = new long[visible];
    restore[k] = new long[patches];
    masked[k] = new boolean[patches];
    Arrays.fill(masked[k], true);
    for (int pos = 0; pos < patches; pos++) {
      restore[k][order[pos]] = pos;
      if (pos < visible) {
        keep[k][pos] = order[pos];
        masked[k][order[pos]] = false;
      }
    }
  }

  /** A Fisher-Yates permutation of 0..n-1 drawn from rng (also the training order of an epoch). */
  public static int[] shuffled(int n, SplittableRandom rng) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** These masks repeated for each of {@code frames} frames: [frames*K, ...], frame-major. */
  public Masks repeat(int frames) {
    int k = count();
    long[][] keep = new long[frames * k][];
    long[][] restore = new long[frames * k][];
    boolean[][] masked = new boolean[frames * k][];
    for (int f = 0; f < frames; f++) {
      for (int i = 0; i < k; i++) {
        keep[f * k + i] = idsKeep[i];
        restore[f * k + i] = idsRestore[i];
        masked[f * k + i] = this.masked[i];
      }
    }
    return new Masks(keep, restore, masked);
  }

  public long[] flatKeep() {
    return flat(idsKeep);
  }

  public long[] flatRestore() {
    return flat(idsRestore);
  }

  /** [K*L] 1 where masked, 0 where visible. */
  public float[] flatMaskWeights() {
    int l = masked[0].length;
    float[] out = new float[masked.length * l];
    for (int k = 0; k < masked.length; k++) {
      for (int i = 0; i < l; i++) {
        out[k * l + i] = masked[k][i] ? 1f : 0f;
      }
    }
    return out;
  }

  private static long[] flat(long[][] a) {
    int w = a[0].length;
    long[] out = new long[a.length * w];
    for (int i = 0; i < a.length; i++) {
      System.arraycopy(a[i], 0, out, i * w, w);
    }
    return out;
  }
}
