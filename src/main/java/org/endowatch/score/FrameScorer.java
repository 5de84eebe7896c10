package org.endowatch.score;

import java.util.ArrayList;
import java.util.List;
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

  /** One frame's outcome in {@link #scoreAll}: its scores, or the one-line reason it cannot be scored. */
  record Outcome(Scored scored, String unscorable) {}

  /**
   * Scores a stream's backlog together, in order: one outcome per frame; a frame that cannot be
   * scored does not stop the others. Implementations batch where they can (one forward pass for all
   * masked copies of all frames); this default scores one frame at a time.
   */
  default List<Outcome> scoreAll(List<Frame> frames) {
    List<Outcome> out = new ArrayList<>(frames.size());
    for (Frame f : frames) {
      try {
        out.add(new Outcome(score(f), null));
      } catch (UnscorableFrameException e) {
        out.add(new Outcome(null, e.getMessage()));
      }
    }
    return out;
  }

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
