package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.DataType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Map;
import java.util.SplittableRandom;
import org.endowatch.model.Masks;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;
import org.junit.jupiter.api.Test;

class MaeTrainerTest {
  static final MemMcMaeConfig SMALL =
      new MemMcMaeConfig("test", 32, 8, 3, 32, 3, 2, 16, 2, 2, 4, 5, 0.75, true, true, true);

  /** Smooth, structured images (gradients and blobs) that a small MAE can learn to fill in. */
  static float[] structured(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] px = new float[n * 3 * 32 * 32];
    for (int i = 0; i < n; i++) {
      double cx = r.nextDouble() * 32;
      double cy = r.nextDouble() * 32;
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 32; y++) {
          for (int x = 0; x < 32; x++) {
            double d = Math.hypot(x - cx, y - cy);
            px[((i * 3 + c) * 32 + y) * 32 + x] = (float) (0.3 + 0.1 * c + 0.4 * Math.exp(-d * d / 60) + 0.005 * y);
          }
        }
      }
    }
    return px;
  }

  @Test
  void learningRateWarmsUpLinearlyThenDecaysByCosine() {
    MaeTrainer.Settings s = new MaeTrainer.Settings(256, 1.5e-3, 0.05, 4, 12);
    assertThat(s.peakLr()).isEqualTo(1.5e-3);
    assertThat(s.lrAt(0)).isCloseTo(1.5e-3 / 4, within(1e-12));
    assertThat(s.lrAt(3)).isCloseTo(1.5e-3, within(1e-12));
    assertThat(s.lrAt(8)).isCloseTo(1.5e-3 * 0.5, within(1e-12)); // halfway through the cosine
    assertThat(s.lrAt(12)).isCloseTo(0, within(1e-12));
    assertThat(new MaeTrainer.Settings(64, 1.5e-3, 0.05, 1, 2).peakLr()).isCloseTo(3.75e-4, within(1e-12));
  }

  @Test
  void aFewStepsLowerTheLoss() {
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(SMALL);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      MaeTrainer trainer = new MaeTrainer(net, m, new MaeTrainer.Settings(8, 0.2, 0.05, 5, 60));
      float[] batch = structured(8, 1);
      SplittableRandom rng = new SplittableRandom(2);
      Masks eval = Masks.random(8, 16, 4, new SplittableRandom(99));
      float before = trainer.loss(batch, 8, eval);
      for (int step = 0; step < 60; step++) {
        trainer.step(structured(8, 100 + step), 8, trainer.masksFor(8, rng));
      }
      float after = trainer.loss(batch, 8, eval);
      assertThat(after).isLessThan(before * 0.5f);
    }
  }

  @Test
  void aGarbageCollectionMidStepDoesNotChangeTheGradients() throws Exception {
    // DJL scalar ops (mul(Number)...) lose their operand when a GC runs between forward and backward;
    // the model and loss avoid them. Same weights, same batch, with and without a forced GC.
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae a = new MemMcMae(SMALL);
      a.initialize(m, DataType.FLOAT32, a.inputShapes(1));
      ByteArrayOutputStream weights = new ByteArrayOutputStream();
      a.saveParameters(new DataOutputStream(weights));
      MemMcMae b = new MemMcMae(SMALL);
      b.initialize(m, DataType.FLOAT32, b.inputShapes(1));
      b.loadParameters(m, new DataInputStream(new ByteArrayInputStream(weights.toByteArray())));

      float[] batch = structured(4, 5);
      Masks masks = Masks.random(4, 16, 4, new SplittableRandom(6));
      MaeTrainer.Settings s = new MaeTrainer.Settings(4, 1.5e-3, 0.05, 1, 10);
      Map<String, float[]> plain = new MaeTrainer(a, m, s).gradients(batch, 4, masks, () -> {});
      Map<String, float[]> withGc = new MaeTrainer(b, m, s).gradients(batch, 4, masks, () -> {
        for (int i = 0; i < 3; i++) {
          System.gc();
          System.runFinalization();
        }
      });

      assertThat(withGc.keySet()).containsExactlyElementsOf(plain.keySet());
      plain.forEach((name, g) -> assertThat(withGc.get(name)).as(name).containsExactly(g));
    }
  }

  @Test
  void aFewStepsOnRealColonoscopyCropsLowerTheLoss() throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of("../shared/data/kvasir-crops/train/normal");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(dir),
        "skipped: real data not present at " + dir.toAbsolutePath() + " (see ../shared/data/README.md)");
    java.util.List<java.nio.file.Path> files = Images.list(dir).subList(0, 16);
    float[] batch = Images.load(files, 32, 3);
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(SMALL);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      MaeTrainer trainer = new MaeTrainer(net, m, new MaeTrainer.Settings(16, 0.1, 0.05, 3, 40));
      Masks eval = Masks.random(16, 16, 4, new SplittableRandom(7));
      float before = trainer.loss(batch, 16, eval);
      SplittableRandom rng = new SplittableRandom(3);
      for (int step = 0; step < 40; step++) {
        trainer.step(batch, 16, trainer.masksFor(16, rng));
      }
      assertThat(trainer.loss(batch, 16, eval)).isLessThan(before * 0.7f);
    }
  }

  @Test
  void trainingStepsLeaveNoArraysBehind() {
    // Native memory must stay flat over a long run: after the first step (which creates the
    // optimiser's moments) the number of arrays the manager holds must not grow.
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(SMALL);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      MaeTrainer trainer = new MaeTrainer(net, m, new MaeTrainer.Settings(4, 1.5e-3, 0.05, 1, 20));
      SplittableRandom rng = new SplittableRandom(1);
      float[] batch = structured(4, 9);
      trainer.step(batch, 4, trainer.masksFor(4, rng));
      int afterFirst = m.getManagedArrays().size();
      for (int i = 0; i < 10; i++) {
        trainer.step(batch, 4, trainer.masksFor(4, rng));
        trainer.loss(batch, 4, trainer.masksFor(4, rng));
      }
      assertThat(m.getManagedArrays().size()).isEqualTo(afterFirst);
    }
  }

  @Test
  void theSsimTermIsZeroForAPerfectReconstructionAndScalesWithItsWeight() {
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(SMALL);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      float[] batch = structured(4, 11);
      Masks masks = Masks.random(4, 16, 4, new SplittableRandom(12));
      MaeTrainer plain = new MaeTrainer(net, m, new MaeTrainer.Settings(4, 1.5e-3, 0.05, 1, 10, 0));
      MaeTrainer once = new MaeTrainer(net, m, new MaeTrainer.Settings(4, 1.5e-3, 0.05, 1, 10, 1));
      MaeTrainer twice = new MaeTrainer(net, m, new MaeTrainer.Settings(4, 1.5e-3, 0.05, 1, 10, 2));

      // A reconstruction equal to the input: MSE 0 and SSIM exactly 1 (the same products on both sides).
      NDArray images = m.create(batch, new Shape(4, 3, 32, 32));
      NDArray weights = m.create(masks.flatMaskWeights(), new Shape(4, 16));
      assertThat(once.lossOf(net.patchify(images), new NDList(images, images, images, weights)).getFloat()).isEqualTo(0f);

      float l0 = plain.loss(batch, 4, masks);
      float l1 = once.loss(batch, 4, masks);
      float l2 = twice.loss(batch, 4, masks);
      assertThat(l1).isGreaterThan(l0);                                // an untrained network's SSIM is below 1
      assertThat((double) l2 - l0).isCloseTo(2.0 * (l1 - l0), within(1e-5));
      once.gradients(batch, 4, masks, () -> {}).forEach((name, g) -> {
        for (float v : g) {
          assertThat(Float.isFinite(v)).as(name).isTrue();
        }
      });
    }
  }
}
