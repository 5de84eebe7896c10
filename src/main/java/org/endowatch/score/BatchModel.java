package org.endowatch.score;

import java.util.ArrayList;
import java.util.List;
import org.endowatch.contract.Frame;

/**
 * What {@link BatchingFrameScorer} shares between stream threads: a model that prepares each frame
 * on the caller's thread and scores many prepared frames in one pass. {@link ModelFrameScorer} is
 * the real one; the pipeline bench also runs a device stand-in through the same batcher.
 */
public interface BatchModel {
  /**
   * Decodes and checks a frame, returning the model's input; runs on the caller's thread.
   *
   * @throws FrameScorer.UnscorableFrameException when the frame cannot be scored
   */
  float[] input(Frame frame);

  /** Scores prepared inputs in one pass; an entry is null where the model produced a non-finite score. */
  List<FrameScorer.Scored> scoreBatch(float[][] inputs);

  /**
   * Scores frames in one pass, in order: one outcome per frame; a frame that cannot be decoded, or
   * whose score is not finite, gets its one-line reason and does not stop the others.
   */
  default List<FrameScorer.Outcome> scoreTogether(List<Frame> frames) {
    FrameScorer.Outcome[] out = new FrameScorer.Outcome[frames.size()];
    List<float[]> inputs = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < out.length; i++) {
      try {
        inputs.add(input(frames.get(i)));
        at.add(i);
      } catch (FrameScorer.UnscorableFrameException e) {
        out[i] = new FrameScorer.Outcome(null, e.getMessage());
      }
    }
    if (!inputs.isEmpty()) {
      List<FrameScorer.Scored> scored = scoreBatch(inputs.toArray(float[][]::new));
      for (int j = 0; j < scored.size(); j++) {
        FrameScorer.Scored s = scored.get(j);
        out[at.get(j)] = s != null ? new FrameScorer.Outcome(s, null)
            : new FrameScorer.Outcome(null, "model " + modelVersion() + " produced a non-finite score");
      }
    }
    return List.of(out);
  }

  String modelVersion();

  double imageThreshold();

  float patchThreshold();
}
