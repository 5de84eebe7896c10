package org.endowatch.score;

import org.endowatch.contract.Frame;

/**
 * What the streaming topology needs from a model, in plain Java: stream code never touches an
 * NDArray. Implementations must be safe to call from several stream threads at once.
 */
public interface FrameScorer {
  /** A frame's image score and per-patch scores (row-major, gridSize x gridSize). */
  record Scored(double score, float[] patchScores, int gridSize) {}

  /**
   * Scores one frame.
   *
   * @throws UnscorableFrameException when the frame cannot be scored (undecodable image, wrong
   *     content type); the message becomes the dead-letter reason
   */
  Scored score(Frame frame);

  String modelVersion();

  double imageThreshold();

  float patchThreshold();

  /** Thrown for frames that can never be scored; the message is the one-line reason. */
  final class UnscorableFrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnscorableFrameException(String message) {
      super(message);
    }
  }
}
