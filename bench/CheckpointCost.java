package org.endowatch.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;

/**
 * What a checkpoint costs since each is a synced folder made the checkpoint by one rename, with
 * --out's model linked to it (docs/BENCHMARKS.md, "Training throughput"), against the plain model
 * save a checkpoint was before: five of each, per preset. Package-private access, so compiled beside
 * the jar, not run as a single file: {@code javac -cp target/endowatch.jar -d /tmp/cc
 * bench/CheckpointCost.java && java -Dai.djl.offline=true -cp /tmp/cc:target/endowatch.jar
 * org.endowatch.train.CheckpointCost micro tiny base}.
 */
public class CheckpointCost {
  public static void main(String[] a) throws Exception {
    for (String preset : a) {
      MemMcMaeConfig c = MemMcMaeConfig.preset(preset);
      try (NDManager m = NDManager.newBaseManager()) {
        MemMcMae net = new MemMcMae(c);
        net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
        MaeTrainer t = new MaeTrainer(net, m, new MaeTrainer.Settings(4, 1.5e-3, 0.05, 1, 10));
        ModelManifest man = new ModelManifest(ModelArtifact.FORMAT, "t", "t-1", c, "complementary-4", "mean", null, null,
            Map.of(), Map.of(), null, null, null, null, null);
        Path out = Files.createTempDirectory("ckt");
        Files.createDirectories(out.resolve("checkpoint"));
        double[] nu = new double[5], old = new double[5];
        for (int i = 0; i < 5; i++) {
          long s = System.nanoTime();
          Checkpoints.write(out, net, man, t, new Checkpoints.Position(i + 1, 0, i + 1, 0));
          nu[i] = (System.nanoTime() - s) / 1e6;
          s = System.nanoTime();
          ModelArtifact.save(out.resolve("old"), net, man);
          old[i] = (System.nanoTime() - s) / 1e6;
        }
        long bytes = Files.size(out.resolve("parameters.bin"));
        System.out.printf("%s params %.1f MB: new %s ms; model save alone %s ms%n", preset, bytes / 1e6,
            java.util.Arrays.toString(nu), java.util.Arrays.toString(old));
        try (var files = Files.walk(out)) {
          for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(f);
          }
        }
      }
    }
  }
}
