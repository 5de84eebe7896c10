package org.endowatch.contract;

import java.util.Arrays;
import java.util.Objects;

/**
 * One video frame as it travels on {@code frames}: the encoded image plus the metadata every later
 * stage needs. The image stays encoded (JPEG) on the wire; only the scorer decodes it.
 *
 * @param procedureId the procedure (also the record key, so one procedure stays on one partition)
 * @param frameIndex 0-based index of the frame within the procedure, strictly increasing
 * @param captureTimestampMs wall-clock time the frame was captured (epoch ms)
 * @param width image width in pixels
 * @param height image height in pixels
 * @param contentType MIME type of {@code image}, normally {@code image/jpeg}
 * @param source where it came from (a URI without credentials)
 * @param image the encoded image bytes
 */
public record Frame(
    String procedureId,
    long frameIndex,
    long captureTimestampMs,
    int width,
    int height,
    String contentType,
    String source,
    byte[] image) {

  public static final String JPEG = "image/jpeg";

  public Frame {
    Objects.requireNonNull(procedureId, "procedureId");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(image, "image");
    if (procedureId.isBlank()) {
      throw new IllegalArgumentException("frame has a blank procedure id");
    }
    if (frameIndex < 0) {
      throw new IllegalArgumentException("frame index must be >= 0, got " + frameIndex);
    }
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("frame size must be positive, got " + width + "x" + height);
    }
  }

  // Records compare arrays by identity; frames are compared by content in tests and dedup.
  @Override
  public boolean equals(Object o) {
    return o instanceof Frame f
        && frameIndex == f.frameIndex
        && captureTimestampMs == f.captureTimestampMs
        && width == f.width
        && height == f.height
        && procedureId.equals(f.procedureId)
        && contentType.equals(f.contentType)
        && source.equals(f.source)
        && Arrays.equals(image, f.image);
  }

  @Override
  public int hashCode() {
    return Objects.hash(procedureId, frameIndex, captureTimestampMs, width, height, contentType, source)
        * 31
        + Arrays.hashCode(image);
  }

  @Override
  public String toString() {
    // Never the pixels: frames are patient data and toString ends up in logs.
    return "Frame[" + procedureId + "#" + frameIndex + " " + width + "x" + height + " " + image.length + " B]";
  }
}
