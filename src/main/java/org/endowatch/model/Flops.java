package org.endowatch.model;

/**
 * Parameter and FLOP counts of a configuration, from the architecture alone (so benchmarks can
 * report achieved GFLOP/s without a profiler). One multiply-add counts as 2 FLOPs; only the matrix
 * products are counted (norms, softmax, GELU and adds are a few percent at these widths).
 */
public final class Flops {
  private Flops() {}

  /** Number of trainable parameters; equals the DJL network's count (tested). */
  public static long parameters(MemMcMaeConfig c) {
    long de = c.encoderWidth();
    long dd = c.decoderWidth();
    long r = c.mlpRatio();
    long ppc = c.patchValues();
    long e = c.encoderDepth();
    long encoderLayer = 2 * de + (3 * de * de + 3 * de) + (de * de + de) + 2 * de
        + (r * de * de + r * de) + (r * de * de + de) + (c.memory() ? 2L * c.memorySlots() * de : 0);
    long decoderLayer = 2 * dd + (3 * dd * dd + 3 * dd) + (dd * dd + dd) + 2 * dd + (r * dd * dd + r * dd) + (r * dd * dd + dd);
    if (c.multiLevel()) {
      decoderLayer += 2 * dd + (dd * dd + dd) + (2 * de * dd + 2 * dd) + (dd * dd + dd) + 2 * e * dd + e;
    }
    return (ppc * de + de) + e * encoderLayer + 2 * de + (c.multiLevel() ? 2 * de : 0)
        + (de * dd + dd) + dd + c.decoderDepth() * decoderLayer + 2 * dd + (dd * ppc + ppc);
  }

  /** FLOPs of one forward pass of one masked copy of an image. */
  public static double perPass(MemMcMaeConfig c) {
    double de = c.encoderWidth();
    double dd = c.decoderWidth();
    double r = c.mlpRatio();
    double l = c.patches();
    double v = c.visible();
    double m = c.memory() ? c.memorySlots() : 0;
    double e = c.encoderDepth();
    double macs = v * c.patchValues() * de;                                  // patch embedding (visible only)
    macs += e * (v * de * 3 * de + 2 * v * (v + m) * de + v * de * de + 2 * v * de * r * de);
    macs += v * de * dd;                                                     // encoder -> decoder width
    double decoderLayer = l * dd * 3 * dd + 2 * l * l * dd + l * dd * dd + 2 * l * dd * r * dd;
    if (c.multiLevel()) {
      decoderLayer += l * dd * dd                                            // query
          + e * v * de * 2 * dd                                              // keys, values of every level
          + e * 2 * l * v * dd                                               // attention per level
          + l * dd * dd                                                      // output projection, once (MultiLevelCrossAttention)
          + 2 * e * l * dd;                                                  // gates, and the gated sum of the levels
    }
    macs += c.decoderDepth() * decoderLayer;
    macs += l * dd * c.patchValues();                                        // pixel head
    return 2 * macs;
  }

  /** FLOPs to score one frame under a schedule of {@code passes} masks. */
  public static double perFrame(MemMcMaeConfig c, int passes) {
    return perPass(c) * passes;
  }
}
