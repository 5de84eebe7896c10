package org.endowatch.model;

/**
 * Fixed 2-D sine-cosine positional embeddings (MAE's {@code get_2d_sincos_pos_embed}, without a
 * class token): half the width encodes the row, half the column, each as sin/cos of the position
 * at D/4 geometric frequencies 1/10000^(i/(D/4)).
 */
final class SinCos {
  private SinCos() {}

  /** [grid*grid, width] row-major table; width must be a multiple of 4. */
  static float[] positions2d(int width, int grid) {
    if (width % 4 != 0) {
      throw new IllegalArgumentException("sin-cos positions need a width divisible by 4, got " + width);
    }
    int quarter = width / 4;
    float[] out = new float[grid * grid * width];
    for (int row = 0; row < grid; row++) {
      for (int col = 0; col < grid; col++) {
        int base = (row * grid + col) * width;
        // MAE's meshgrid puts w first: the first half of the width encodes the column.
        encode(out, base, col, quarter);
        encode(out, base + 2 * quarter, row, quarter);
      }
    }
    return out;
  }

  private static void encode(float[] out, int offset, int position, int quarter) {
    for (int i = 0; i < quarter; i++) {
      double omega = 1.0 / Math.pow(10000.0, i / (double) quarter);
      out[offset + i] = (float) Math.sin(position * omega);
      out[offset + quarter + i] = (float) Math.cos(position * omega);
    }
  }
}
