package org.endowatch.contract;

/**
 * One step in an alert's life on {@code alerts}. An alert starts when enough recent frames score
 * above the threshold, is updated while it lasts (new peak, grown range) and ends when the scores
 * stay low long enough.
 *
 * @param type {@link #START}, {@link #UPDATE} or {@link #END}
 * @param alertId unique per procedure: {@code <procedureId>/<startFrame>}
 * @param procedureId the procedure
 * @param startFrame first frame of the alert
 * @param endFrame last frame seen so far that belongs to the alert
 * @param peakFrame the frame with the highest score
 * @param peakScore that score
 * @param region bounding box of the thresholded heatmap at the peak frame, in frame pixels; null if
 *     no patch was over the patch threshold
 * @param startTimestampMs capture time of the start frame
 * @param eventTimestampMs capture time of the frame that triggered this event
 * @param modelVersion the model whose scores raised it
 */
public record AlertEvent(
    String type,
    String alertId,
    String procedureId,
    long startFrame,
    long endFrame,
    long peakFrame,
    double peakScore,
    Region region,
    long startTimestampMs,
    long eventTimestampMs,
    String modelVersion) {

  public static final String START = "alert-start";
  public static final String UPDATE = "alert-update";
  public static final String END = "alert-end";

  /** An axis-aligned box in frame pixels. */
  public record Region(int x, int y, int width, int height) {}
}
