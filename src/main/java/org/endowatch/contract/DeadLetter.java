package org.endowatch.contract;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A record that could not be processed, kept whole on {@code frames-dlq} so nothing is lost: the
 * original value and headers, why it failed, and where it came from (so it can be found and
 * replayed after a fix).
 *
 * @param reason one line: what was wrong with it
 * @param sourceTopic the topic it was read from
 * @param sourcePartition its partition
 * @param sourceOffset its offset
 * @param failedTimestampMs when it was dead-lettered (epoch ms)
 * @param originalHeaders the original record's headers, in order
 * @param original the original record value (may be empty, never null)
 */
public record DeadLetter(
    String reason,
    String sourceTopic,
    int sourcePartition,
    long sourceOffset,
    long failedTimestampMs,
    List<RawHeader> originalHeaders,
    byte[] original) {

  public DeadLetter {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(sourceTopic, "sourceTopic");
    originalHeaders = List.copyOf(originalHeaders);
    original = original == null ? new byte[0] : original;
  }

  /** A header as bytes, exactly as it was on the original record. */
  public record RawHeader(String key, byte[] value) {
    @Override
    public boolean equals(Object o) {
      return o instanceof RawHeader h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
      return key.hashCode() * 31 + Arrays.hashCode(value);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetter d
        && sourcePartition == d.sourcePartition
        && sourceOffset == d.sourceOffset
        && failedTimestampMs == d.failedTimestampMs
        && reason.equals(d.reason)
        && sourceTopic.equals(d.sourceTopic)
        && originalHeaders.equals(d.originalHeaders)
        && Arrays.equals(original, d.original);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, sourceTopic, sourcePartition, sourceOffset) * 31 + Arrays.hashCode(original);
  }

  /**
   * When the frame it holds was captured, so that it lines up with its procedure's other frames
   * (a console, {@code status}); when its record cannot be read as a frame (its headers are what was
   * wrong), when it was dead-lettered: the scorer's clock, within its budget of the capture.
   */
  public long frameCaptureMs() {
    Frame f = frame();
    return f == null ? failedTimestampMs : f.captureTimestampMs();
  }

  /**
   * The frame it holds, when its record can be read as one (a frame whose image would not decode,
   * say); null when the record itself is what was wrong (its headers), or it came from another topic.
   */
  public Frame frame() {
    if (sourceTopic.startsWith(Topics.FRAMES.name())) {
      try {
        org.apache.kafka.common.header.internals.RecordHeaders headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        originalHeaders.forEach(h -> headers.add(h.key(), h.value()));
        return Topics.FRAMES.valueSerde().deserializer().deserialize(sourceTopic, headers, original);
      } catch (RuntimeException unreadable) {
        // as said: none
      }
    }
    return null;
  }

  /**
   * The frame it holds when that is a frame of {@code procedureId}, so that it can be placed among
   * that procedure's frames; null otherwise (unreadable as a frame, or a frame whose header names
   * another procedure than the record's key, which is itself a reason to reject it).
   */
  public Frame frameOf(String procedureId) {
    Frame f = frame();
    return f != null && f.procedureId().equals(procedureId) ? f : null;
  }

  /**
   * Where it stands among {@code procedureId}'s frames, from one decode of what it holds: when
   * ({@link #frameCaptureMs}) and at which index (that of {@link #frameOf}, -1 when that is null).
   */
  public record Place(long captureMs, long frameIndex) {}

  /** {@link Place} for a reader that wants both, as the console's feed does for every dead letter. */
  public Place placeAmong(String procedureId) {
    Frame f = frame();
    return new Place(f == null ? failedTimestampMs : f.captureTimestampMs(),
        f != null && f.procedureId().equals(procedureId) ? f.frameIndex() : -1);
  }

  @Override
  public String toString() {
    return "DeadLetter[" + sourceTopic + "-" + sourcePartition + "@" + sourceOffset + ": " + reason + "]";
  }
}
