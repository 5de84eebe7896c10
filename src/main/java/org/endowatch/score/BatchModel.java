package org.endowatch.score;

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

  String modelVersion();

  double imageThreshold();

  float patchThreshold();
}
