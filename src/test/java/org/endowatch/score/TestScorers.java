package org.endowatch.score;

import java.util.List;
import java.util.function.Function;
import org.endowatch.contract.Frame;

/** Stand-in models for topology tests: the test says what a frame scores; thresholds 0.5. */
final class TestScorers {
  private TestScorers() {}

  static FrameScorer of(String version, Function<Frame, FrameScorer.Scored> score) {
    return new FrameScorer() {
      @Override
      public Scored score(Frame f) {
        return score.apply(f);
      }

      @Override
      public String modelVersion() {
        return version;
      }

      @Override
      public double imageThreshold() {
        return 0.5;
      }

      @Override
      public float patchThreshold() {
        return 0.5f;
      }
    };
  }

  /** A stand-in for the batcher: a frame's input is its index alone; the test says what a pass of inputs scores. */
  static BatchModel batchOf(String version, Function<float[][], List<FrameScorer.Scored>> pass) {
    return new BatchModel() {
      @Override
      public float[] input(Frame frame) {
        return new float[] {frame.frameIndex()};
      }

      @Override
      public List<FrameScorer.Scored> scoreBatch(float[][] inputs) {
        return pass.apply(inputs);
      }

      @Override
      public String modelVersion() {
        return version;
      }

      @Override
      public double imageThreshold() {
        return 0.5;
      }

      @Override
      public float patchThreshold() {
        return 0.5f;
      }
    };
  }
}
