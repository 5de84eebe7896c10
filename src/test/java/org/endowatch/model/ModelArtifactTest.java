package org.endowatch.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.SplittableRandom;
import org.endowatch.model.ModelArtifact.ModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelArtifactTest {
  static final MemMcMaeConfig SMALL = MemMcMaeTest.SMALL;

  static ModelManifest manifest(MemMcMaeConfig c) {
    return new ModelManifest(ModelArtifact.FORMAT, "test", "test-1", c, "random-10", "mean", null, null, null,
        Map.of("images", 0), null, null, null, null, null);
  }

  private static float[] predict(MemMcMae net, NDManager m, float[] px) {
    Masks masks = Masks.random(1, 16, 4, new SplittableRandom(1));
    return net.forward(new ParameterStore(m, false), new NDList(m.create(px, new Shape(1, 3, 32, 32)),
        m.create(masks.flatKeep(), new Shape(1, 4)), m.create(masks.flatRestore(), new Shape(1, 16))), false)
        .singletonOrThrow().toFloatArray();
  }

  @Test
  void saveThenLoadGivesBitwiseIdenticalOutputs(@TempDir Path dir) {
    float[] px = MemMcMaeTest.randomImages(1, SMALL, 3);
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(SMALL);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      float[] before = predict(net, m, px);
      ModelManifest written = ModelArtifact.save(dir, net, manifest(SMALL));

      try (ModelArtifact.Loaded loaded = ModelArtifact.load(dir, "cpu")) {
        assertThat(predict(loaded.network(), loaded.manager(), px)).containsExactly(before);
        assertThat(loaded.manifest()).isEqualTo(written);
      }
      assertThat(written.parametersSha256()).hasSize(64).isEqualTo(ModelArtifact.sha256(dir.resolve("parameters.bin")));
      assertThat(written.djlVersion()).isEqualTo("0.36.0");
      assertThat(written.engineVersion()).isEqualTo("2.7.1");
    }
  }

  @Test
  void aCorruptedParameterFileIsRefused(@TempDir Path dir) throws Exception {
    save(dir, SMALL);
    byte[] bytes = Files.readAllBytes(dir.resolve("parameters.bin"));
    bytes[bytes.length / 2] ^= 1;
    Files.write(dir.resolve("parameters.bin"), bytes);

    assertThatThrownBy(() -> ModelArtifact.load(dir, "cpu"))
        .isInstanceOf(ModelException.class)
        .hasMessageContaining("parameters.bin has sha256 ")
        .hasMessageContaining("(file damaged or replaced); refusing to load");
  }

  @Test
  void missingManifestOrParametersAreClearErrors(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> ModelArtifact.load(dir.resolve("nope"), "cpu"))
        .hasMessage("model directory " + dir.resolve("nope") + " does not exist");
    assertThatThrownBy(() -> ModelArtifact.load(dir, "cpu"))
        .hasMessage(dir + " has no manifest.json: not a model directory (train one with 'endowatch train')");
    save(dir, SMALL);
    Files.delete(dir.resolve("parameters.bin"));
    assertThatThrownBy(() -> ModelArtifact.load(dir, "cpu"))
        .hasMessage("model " + dir + " is missing its parameters file parameters.bin");
  }

  @Test
  void aManifestOfAnotherPresetIsRefused(@TempDir Path dir) {
    ModelManifest m = save(dir, SMALL);
    ModelArtifact.writeManifest(dir, new ModelManifest(m.format(), m.name(), m.version(), SMALL.withMemory(false),
        m.maskSchedule(), m.imagePooling(), null, null, null, null, m.djlVersion(), m.engineVersion(), m.createdAt(),
        m.parametersFile(), m.parametersSha256()));

    assertThatThrownBy(() -> ModelArtifact.load(dir, "cpu"))
        .isInstanceOf(ModelException.class)
        .hasMessageStartingWith("model " + dir + ": parameters do not match the manifest's test network");
  }

  @Test
  void gpuWithoutCudaIsAClearError() {
    assertThatThrownBy(() -> ModelArtifact.device("gpu"))
        .hasMessageStartingWith("--device gpu: PyTorch finds no CUDA device on this machine");
    assertThat(ModelArtifact.device("auto").isGpu()).isFalse();
    assertThatThrownBy(() -> ModelArtifact.device("tpu")).hasMessage("--device must be auto, cpu or gpu, got 'tpu'");
  }

  @Test
  void savingTwiceOverwritesInsteadOfNumberingFiles(@TempDir Path dir) throws Exception {
    save(dir, SMALL);
    save(dir, SMALL);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("manifest.json", "parameters.bin");
    }
    Files.writeString(dir.resolve("manifest.json"), "{\"format\": 99}", StandardOpenOption.TRUNCATE_EXISTING);
    assertThatThrownBy(() -> ModelArtifact.readManifest(dir)).hasMessageContaining("has format 99; this build reads format 1");
  }

  private static ModelManifest save(Path dir, MemMcMaeConfig c) {
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(c);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      return ModelArtifact.save(dir, net, manifest(c));
    }
  }
}
