package org.endowatch.testing;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.Map;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;

/** Models for stream tests: untrained but saved and calibrated like real ones. */
public final class TestModels {
  private TestModels() {}

  /** A randomly initialised micro model with thresholds 0.5 (image and patch), version "it-1". */
  public static Path calibratedMicro(Path dir) {
    return calibratedMicro(dir, 0.5);
  }

  /** The same with another image threshold: -1 puts every frame over it (1 - MS-SSIM is >= 0). */
  public static Path calibratedMicro(Path dir, double imageThreshold) {
    MemMcMaeConfig c = MemMcMaeConfig.MICRO;
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(c);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      ModelArtifact.save(dir, net, new ModelManifest(ModelArtifact.FORMAT, "it", "it-1", c, "complementary-4", "mean",
          imageThreshold, 0.5, Map.of(), Map.of(), null, null, null, null, null));
    }
    return dir;
  }
}
