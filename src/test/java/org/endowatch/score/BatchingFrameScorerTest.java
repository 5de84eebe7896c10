package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.endowatch.contract.Frame;
import org.endowatch.model.ModelArtifact;
import org.endowatch.testing.TestFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchingFrameScorerTest {
  @Test
  void concurrentStreamsShareOneBatchAndEachGetsItsOwnResult(@TempDir Path dir) throws Exception {
    ModelHolderTest.model(dir.resolve("m"), "k-1", 0.5);
    try (ModelFrameScorer model = new ModelFrameScorer(ModelArtifact.load(dir.resolve("m"), "cpu"), null)) {
      List<Frame> frames = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        frames.add(TestFrames.jpeg("room-" + i, i, 0, 48, 48));
      }
      List<Integer> batchSizes = new CopyOnWriteArrayList<>();
      // A long wait makes the grouping deterministic: the batch closes when all four have arrived.
      try (BatchingFrameScorer batcher = new BatchingFrameScorer(() -> model, 4, 30_000, batchSizes::add)) {
        ExecutorService streams = Executors.newFixedThreadPool(4);
        try {
          List<Future<FrameScorer.Scored>> results = new ArrayList<>();
          for (Frame f : frames) {
            results.add(streams.submit(() -> batcher.get().score(f)));
          }
          for (int i = 0; i < 4; i++) {
            FrameScorer.Scored alone = model.score(frames.get(i));
            FrameScorer.Scored batched = results.get(i).get();
            assertThat(batched.score()).isCloseTo(alone.score(), within(1e-5));
            assertThat(batched.patchScores()).containsExactly(alone.patchScores(), within(1e-5f));
          }
        } finally {
          streams.shutdown();
        }
      }
      assertThat(batchSizes).containsExactly(4);
    }
  }

  /**
   * A pass that throws (the device ran out of memory) fails every caller in its batch with that
   * exception, so each stream thread fails and is replaced as alone; the batcher goes on with the next.
   */
  @Test
  void aPassThatThrowsFailsEveryCallerInItsBatchAndTheNextBatchIsScored() throws Exception {
    java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
    IllegalStateException oom = new IllegalStateException("CUDA out of memory");
    BatchModel flaky = TestScorers.batchOf("flaky-1", inputs -> {
      if (passes.getAndIncrement() == 0) {
        throw oom;
      }
      List<FrameScorer.Scored> out = new ArrayList<>();
      for (float[] in : inputs) {
        out.add(new FrameScorer.Scored(in[0] / 10, new float[] {in[0]}, 1));
      }
      return out;
    });
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    ExecutorService streams = Executors.newFixedThreadPool(2);
    try (BatchingFrameScorer batcher = new BatchingFrameScorer(() -> flaky, 2, 30_000, batchSizes::add)) {
      List<Future<FrameScorer.Scored>> first = List.of(streams.submit(() -> batcher.get().score(TestFrames.jpeg("a", 1, 0, 8, 8))),
          streams.submit(() -> batcher.get().score(TestFrames.jpeg("b", 2, 0, 8, 8))));
      for (Future<FrameScorer.Scored> f : first) {
        org.assertj.core.api.Assertions.assertThatThrownBy(f::get).hasCauseReference(oom);
      }
      List<Future<FrameScorer.Scored>> next = List.of(streams.submit(() -> batcher.get().score(TestFrames.jpeg("a", 3, 0, 8, 8))),
          streams.submit(() -> batcher.get().score(TestFrames.jpeg("b", 4, 0, 8, 8))));
      assertThat(List.of(next.get(0).get().score(), next.get(1).get().score())).containsExactly((double) 0.3f, (double) 0.4f);
    } finally {
      streams.shutdown();
    }
    assertThat(batchSizes).containsExactly(2);
  }

  /**
   * An Error in a pass (a native allocation that failed) fails its callers as an exception does, and
   * the next batch is scored: it used to end the worker, and every caller from then on waited for good.
   */
  @Test
  @org.junit.jupiter.api.Timeout(value = 30, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
  void anErrorInAPassFailsItsCallersAndTheNextBatchIsScored() throws Exception {
    java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
    BatchModel flaky = TestScorers.batchOf("flaky-1", inputs -> {
      if (passes.getAndIncrement() == 0) {
        throw new OutOfMemoryError("Direct buffer memory");
      }
      return scores(inputs, 0);
    });
    try (BatchingFrameScorer batcher = new BatchingFrameScorer(() -> flaky, 1, 0, n -> { })) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> batcher.get().score(TestFrames.jpeg("a", 1, 0, 8, 8)))
          .hasRootCauseInstanceOf(OutOfMemoryError.class).hasRootCauseMessage("Direct buffer memory");
      assertThat(batcher.get().score(TestFrames.jpeg("a", 2, 0, 8, 8)).score()).isEqualTo(2.0);
    }
  }

  /**
   * A release switched while a frame waits for its pass (a hot swap): the frame is scored by the
   * model that prepared its input, in a pass of that model's frames, and judged with its version
   * and thresholds; the frames of the model serving since go in a pass of their own.
   */
  @Test
  void framesPreparedBeforeASwapAreScoredAndJudgedByTheModelThatPreparedThem() throws Exception {
    BatchModel old = TestScorers.batchOf("k-1", inputs -> scores(inputs, 0));
    BatchModel next = TestScorers.batchOf("k-2", inputs -> scores(inputs, 100));
    java.util.concurrent.atomic.AtomicReference<BatchModel> serving = new java.util.concurrent.atomic.AtomicReference<>(old);
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    ExecutorService streams = Executors.newFixedThreadPool(2);
    // A long wait: the batch closes once both frames are in it, one of each model.
    try (BatchingFrameScorer batcher = new BatchingFrameScorer(serving::get, 2, 30_000, batchSizes::add)) {
      FrameScorer before = batcher.get();
      serving.set(next);
      FrameScorer after = batcher.get();
      Future<FrameScorer.Scored> a = streams.submit(() -> before.score(TestFrames.jpeg("a", 1, 0, 8, 8)));
      Future<FrameScorer.Scored> b = streams.submit(() -> after.score(TestFrames.jpeg("b", 2, 0, 8, 8)));
      assertThat(List.of(a.get().score(), b.get().score())).containsExactly(1.0, 102.0);
      assertThat(List.of(before.modelVersion(), after.modelVersion())).containsExactly("k-1", "k-2");
    } finally {
      streams.shutdown();
    }
    assertThat(batchSizes).containsExactly(1, 1);
  }

  /** Each input's first value plus {@code offset}: which model scored a frame shows in its score. */
  private static List<FrameScorer.Scored> scores(float[][] inputs, double offset) {
    List<FrameScorer.Scored> out = new ArrayList<>();
    for (float[] in : inputs) {
      out.add(new FrameScorer.Scored(in[0] + offset, new float[] {in[0]}, 1));
    }
    return out;
  }

  @Test
  void anUndecodableFrameFailsOnlyItsCaller(@TempDir Path dir) throws Exception {
    ModelHolderTest.model(dir.resolve("m"), "k-1", 0.5);
    try (ModelFrameScorer model = new ModelFrameScorer(ModelArtifact.load(dir.resolve("m"), "cpu"), null);
         BatchingFrameScorer batcher = new BatchingFrameScorer(() -> model, 2, 0, n -> {})) {
      Frame bad = new Frame("p", 0, 0, 48, 48, Frame.JPEG, "t", new byte[] {9, 9});
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> batcher.get().score(bad))
          .isInstanceOf(FrameScorer.UnscorableFrameException.class)
          .hasMessageStartingWith("undecodable image");
      assertThat(batcher.get().score(TestFrames.jpeg("p", 1, 0, 48, 48)).score()).isFinite();
    }
  }

  @Test
  void aBacklogIsScoredInOneBatchWithTheSameScoresAndAnUndecodableFrameOnlyLosesItself(@TempDir Path dir) throws Exception {
    ModelHolderTest.model(dir.resolve("m"), "k-1", 0.5);
    try (ModelFrameScorer model = new ModelFrameScorer(ModelArtifact.load(dir.resolve("m"), "cpu"), null)) {
      Frame bad = new Frame("p", 1, 0, 48, 48, Frame.JPEG, "t", new byte[] {9, 9});
      List<Frame> backlog = List.of(TestFrames.jpeg("p", 0, 0, 48, 48), bad, TestFrames.jpeg("p", 2, 0, 48, 48));
      List<Integer> batchSizes = new CopyOnWriteArrayList<>();
      List<FrameScorer.Outcome> direct = model.scoreAll(backlog);
      List<FrameScorer.Outcome> viaBatcher;
      try (BatchingFrameScorer batcher = new BatchingFrameScorer(() -> model, 4, 300, batchSizes::add)) {
        viaBatcher = batcher.get().scoreAll(backlog);
      }
      for (List<FrameScorer.Outcome> outcomes : List.of(direct, viaBatcher)) {
        assertThat(outcomes).hasSize(3);
        assertThat(outcomes.get(1).scored()).isNull();
        assertThat(outcomes.get(1).unscorable()).startsWith("undecodable image");
        for (int i : new int[] {0, 2}) {
          FrameScorer.Scored alone = model.score(backlog.get(i));
          assertThat(outcomes.get(i).unscorable()).isNull();
          assertThat(outcomes.get(i).scored().score()).isCloseTo(alone.score(), within(1e-5));
          assertThat(outcomes.get(i).scored().patchScores()).containsExactly(alone.patchScores(), within(1e-5f));
        }
      }
      // The two decodable frames went to the model together.
      assertThat(batchSizes).containsExactly(2);
    }
  }
}
