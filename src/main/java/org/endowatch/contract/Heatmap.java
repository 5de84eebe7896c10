package org.endowatch.contract;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-patch anomaly scores of one frame, row-major over a {@code gridHeight x gridWidth} grid of
 * patches covering the model's input; consoles upsample it onto the frame for overlays.
 *
 * @param procedureId the procedure
 * @param frameIndex index of the frame within the procedure
 * @param captureTimestampMs when the frame was captured (epoch ms)
 * @param modelVersion the model that produced it
 * @param frameWidth width of the frame it overlays, in pixels
 * @param frameHeight height of the frame it overlays, in pixels
 * @param patchThreshold the model's calibrated per-patch threshold (for localisation)
 * @param gridWidth patches per row
 * @param gridHeight patch rows
 * @param values {@code gridHeight * gridWidth} patch scores, row-major
 */
public record Heatmap(
    String procedureId,
    long frameIndex,
    long captureTimestampMs,
    String modelVersion,
    int frameWidth,
    int frameHeight,
    float patchThreshold,
    int gridWidth,
    int gridHeight,
    float[] values) {

  public Heatmap {
    Objects.requireNonNull(procedureId, "procedureId");
    Objects.requireNonNull(modelVersion, "modelVersion");
    Objects.requireNonNull(values, "values");
    if (gridWidth <= 0 || gridHeight <= 0 || gridWidth > 4096 || gridHeight > 4096) {
      throw new IllegalArgumentException("heatmap grid must be 1..4096 per side, got " + gridWidth + "x" + gridHeight);
    }
    if (values.length != gridWidth * gridHeight) {
      throw new IllegalArgumentException(
          "heatmap has " + values.length + " values for a " + gridWidth + "x" + gridHeight + " grid");
    }
  }

  /** The score of the patch in row {@code row}, column {@code col}. */
  public float at(int row, int col) {
    return values[row * gridWidth + col];
  }

  /** This grid bilinearly upsampled to {@code width x height} pixels (row-major), for overlays. */
  public float[] upsample(int width, int height) {
    return upsample(values, gridWidth, gridHeight, width, height);
  }

  /**
   * Bilinear upsampling of a row-major {@code gw x gh} grid to {@code width x height}, sampling each
   * pixel centre; edges clamp to the outermost patches.
   */
  public static float[] upsample(float[] grid, int gw, int gh, int width, int height) {
    float[] out = new float[width * height];
    for (int y = 0; y < height; y++) {
      double gy = Math.min(Math.max((y + 0.5) * gh / height - 0.5, 0), gh - 1);
      int y0 = (int) Math.floor(gy);
      int y1 = Math.min(y0 + 1, gh - 1);
      double fy = gy - y0;
      for (int x = 0; x < width; x++) {
        double gx = Math.min(Math.max((x + 0.5) * gw / width - 0.5, 0), gw - 1);
        int x0 = (int) Math.floor(gx);
        int x1 = Math.min(x0 + 1, gw - 1);
        double fx = gx - x0;
        double top = grid[y0 * gw + x0] * (1 - fx) + grid[y0 * gw + x1] * fx;
        double bottom = grid[y1 * gw + x0] * (1 - fx) + grid[y1 * gw + x1] * fx;
        out[y * width + x] = (float) (top * (1 - fy) + bottom * fy);
      }
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Heatmap h
        && frameIndex == h.frameIndex
        && captureTimestampMs == h.captureTimestampMs
        && frameWidth == h.frameWidth
        && frameHeight == h.frameHeight
        && Float.compare(patchThreshold, h.patchThreshold) == 0
        && gridWidth == h.gridWidth
        && gridHeight == h.gridHeight
        && procedureId.equals(h.procedureId)
        && modelVersion.equals(h.modelVersion)
        && Arrays.equals(values, h.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(procedureId, frameIndex, modelVersion) * 31 + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "Heatmap[" + procedureId + "#" + frameIndex + " " + gridWidth + "x" + gridHeight + " " + modelVersion + "]";
  }
}
