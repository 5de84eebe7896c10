package org.endowatch.contract;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One step in an alert's life on {@code alerts}. An alert starts when enough recent frames score
 * above the threshold, is updated while it lasts (new peak, grown range) and ends when the scores
 * stay low long enough, or when the procedure's frames stop reaching the scorer (the video ended or
 * the camera was unplugged during an alert): an alert is never left open for ever.
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
 * @param endReason on {@link #END} only: {@link #SCORES_FELL}, {@link #RECORDING_ENDED} (then
 *     {@code endFrame} is the last frame scored and {@code eventTimestampMs} when ingest said the
 *     recording ended, on its clock as capture times are), or {@link #FRAMES_STOPPED} (then
 *     {@code endFrame} is the last frame scored and {@code eventTimestampMs} the scorer's clock when it
 *     gave up waiting); null on the other types and on ends written before the reason existed
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
    String modelVersion,
    @JsonInclude(JsonInclude.Include.NON_NULL) String endReason) {

  public static final String START = "alert-start";
  public static final String UPDATE = "alert-update";
  public static final String END = "alert-end";
  /** Ended because enough consecutive frames scored under the clear level. */
  public static final String SCORES_FELL = "scores-fell";
  /** Ended because no frame of the procedure reached the scorer for {@link #FRAMES_STOPPED_AFTER_MS}. */
  public static final String FRAMES_STOPPED = "frames-stopped";
  /**
   * Ended because ingest said on {@code procedures} that the recording ended (its source ran out, it
   * was stopped, its frame limit reached) and the recording's last frame had its outcome.
   */
  public static final String RECORDING_ENDED = "recording-ended";
  /**
   * How long an open alert waits for its procedure's next frame before the scorer ends it; also when
   * a console shows a procedure as ended, so the two agree. Long next to a hiccup of the video
   * (a dropped connection that ingest reopens, a scorer's hot swap, a Kafka broker dying: its
   * partitions' frames stop until the controller fences it: 9.8-9.9 s at Kafka's default 9 s session
   * timeout in BrokerClusterIT, where the 10 s this was before left 0.1 s to spare) and short next to
   * a procedure.
   */
  public static final long FRAMES_STOPPED_AFTER_MS = 15_000;

  /** An axis-aligned box in frame pixels. */
  public record Region(int x, int y, int width, int height) {}
}
