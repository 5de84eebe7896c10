package org.endowatch.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The one outcome of one frame on {@code scores}: either {@code scored} with a score, or {@code
 * skipped} with the reason (for example {@code stale} when the frame was older than the real-time
 * budget when the scorer reached it).
 *
 * @param procedureId the procedure
 * @param frameIndex index of the frame within the procedure
 * @param captureTimestampMs when the frame was captured (epoch ms)
 * @param scoredTimestampMs when the outcome was decided (epoch ms)
 * @param outcome {@link #SCORED} or {@link #SKIPPED}
 * @param score image anomaly score (higher = more anomalous); null when skipped
 * @param threshold the model's calibrated image threshold
 * @param anomalous score above threshold; false when skipped
 * @param modelVersion the model that produced the outcome
 * @param latencyMs capture to outcome, in ms
 * @param skipReason why the frame was not scored; null when scored
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Score(
    String procedureId,
    long frameIndex,
    long captureTimestampMs,
    long scoredTimestampMs,
    String outcome,
    Double score,
    double threshold,
    boolean anomalous,
    String modelVersion,
    long latencyMs,
    String skipReason) {

  public static final String SCORED = "scored";
  public static final String SKIPPED = "skipped";

  public static Score scored(
      String procedureId, long frameIndex, long captureTs, long scoredTs, double score,
      double threshold, String modelVersion) {
    return new Score(procedureId, frameIndex, captureTs, scoredTs, SCORED, score, threshold,
        score > threshold, modelVersion, scoredTs - captureTs, null);
  }

  public static Score skipped(
      String procedureId, long frameIndex, long captureTs, long decidedTs, double threshold,
      String modelVersion, String reason) {
    return new Score(procedureId, frameIndex, captureTs, decidedTs, SKIPPED, null, threshold, false,
        modelVersion, decidedTs - captureTs, reason);
  }

  @JsonIgnore
  public boolean isScored() {
    return SCORED.equals(outcome);
  }
}
