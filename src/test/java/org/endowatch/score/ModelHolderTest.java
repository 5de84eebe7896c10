package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.endowatch.contract.ModelRelease;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelHolderTest {
  static final MemMcMaeConfig SMALL =
      new MemMcMaeConfig("test", 32, 8, 3, 32, 3, 2, 16, 2, 2, 4, 5, 0.75, true, true, true);

  static ModelManifest model(Path dir, String version, Double threshold) {
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(SMALL);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      return ModelArtifact.save(dir, net, new ModelManifest(ModelArtifact.FORMAT, "k", version, SMALL,
          "complementary-4", "mean", threshold, threshold, Map.of(), Map.of(), null, null, null, null, null));
    }
  }

  @Test
  void aVerifiedReleaseIsSwappedInAndBadOnesKeepTheOldModel(@TempDir Path dir) throws Exception {
    model(dir.resolve("v1"), "k-1", 0.5);
    ModelManifest v2 = model(dir.resolve("v2"), "k-2", 0.6);
    ModelManifest v3 = model(dir.resolve("v3"), "k-3", 0.7);
    ModelManifest uncalibrated = model(dir.resolve("v4"), "k-4", null);
    byte[] p = Files.readAllBytes(dir.resolve("v3/parameters.bin"));
    p[p.length - 1] ^= 1;
    Files.write(dir.resolve("v3/parameters.bin"), p);

    var registry = new SimpleMeterRegistry();
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null)
        .meter(registry)) {
      assertThat(serving(registry)).containsExactly("k/k-1=1.0");
      ModelHolder.Outcome wrongSha = holder.offer(new ModelRelease("k", "k-2", dir.resolve("v2").toString(), "0".repeat(64), 1));
      ModelHolder.Outcome corrupt = holder.offer(new ModelRelease("k", "k-3", dir.resolve("v3").toString(), v3.parametersSha256(), 2));
      ModelHolder.Outcome notCalibrated = holder.offer(new ModelRelease("k", "k-4", dir.resolve("v4").toUri().toString(),
          uncalibrated.parametersSha256(), 3));
      assertThat(holder.get().modelVersion()).isEqualTo("k-1");

      ModelHolder.Outcome good = holder.offer(new ModelRelease("k", "k-2", dir.resolve("v2").toUri().toString(), v2.parametersSha256(), 4));
      ModelHolder.Outcome again = holder.offer(new ModelRelease("k", "k-2", dir.resolve("v2").toString(), v2.parametersSha256(), 5));

      assertThat(wrongSha.swapped()).isFalse();
      assertThat(wrongSha.message()).contains("differs from the release's 0000").endsWith("still serving k-1");
      assertThat(corrupt.message()).contains("(file damaged or replaced); refusing to load").endsWith("still serving k-1");
      assertThat(notCalibrated.message()).contains("is not calibrated").endsWith("still serving k-1");
      assertThat(good.swapped()).isTrue();
      assertThat(good.message()).isEqualTo("switched from k-1 to k-2");
      assertThat(holder.get().modelVersion()).isEqualTo("k-2");
      assertThat(holder.get().imageThreshold()).isEqualTo(0.6);
      assertThat(again.swapped()).isFalse();
      assertThat(again.message()).isEqualTo("model k-2 is already serving");

      // What an operator's Prometheus sees of the same offers.
      assertThat(serving(registry)).containsExactly("k/k-2=1.0");
      assertThat(registry.get("endowatch.model.releases").tag("result", "refused").counter().count()).isEqualTo(3.0);
      assertThat(registry.get("endowatch.model.releases").tag("result", "switched").counter().count()).isEqualTo(1.0);
      assertThat(registry.get("endowatch.model.releases").tag("result", "already_serving").counter().count()).isEqualTo(1.0);
    }
  }

  /**
   * A release naming another version than its artifact's, a model that scores NaN, and a folder this
   * scorer's machine does not have (published as the publishing machine sees it) are refused too.
   */
  @Test
  void aReleaseOfAnotherVersionAndAModelThatScoresNanAreRefused(@TempDir Path dir) throws Exception {
    model(dir.resolve("v1"), "k-1", 0.5);
    ModelManifest v2 = model(dir.resolve("v2"), "k-2", 0.6);
    ModelManifest broken;
    try (NDManager m = NDManager.newBaseManager()) {
      MemMcMae net = new MemMcMae(SMALL);
      net.initialize(m, DataType.FLOAT32, net.inputShapes(1));
      // What a training run that diverged leaves: every weight of the first parameter NaN.
      net.getParameters().valueAt(0).getArray().muli(Float.NaN);
      broken = ModelArtifact.save(dir.resolve("v3"), net, new ModelManifest(ModelArtifact.FORMAT, "k", "k-3", SMALL,
          "complementary-4", "mean", 0.5, 0.5, Map.of(), Map.of(), null, null, null, null, null));
    }
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null)) {
      ModelHolder.Outcome renamed = holder.offer(new ModelRelease("k", "k-9", dir.resolve("v2").toString(), v2.parametersSha256(), 1));
      ModelHolder.Outcome nan = holder.offer(new ModelRelease("k", "k-3", dir.resolve("v3").toString(), broken.parametersSha256(), 2));
      ModelHolder.Outcome elsewhere = holder.offer(new ModelRelease("k", "k-2", dir.resolve("on-the-laptop").toUri().toString(),
          v2.parametersSha256(), 3));

      assertThat(renamed.swapped()).isFalse();
      assertThat(renamed.message()).isEqualTo("refused model k-9: the artifact at " + dir.resolve("v2") + " is version k-2; "
          + "still serving k-1");
      assertThat(nan.swapped()).isFalse();
      assertThat(nan.message()).isEqualTo("refused model k-3: model k-3 produced a non-finite score; still serving k-1");
      assertThat(elsewhere.message()).isEqualTo("refused model k-2: its folder " + dir.resolve("on-the-laptop") + " is not there "
          + "on this scorer's machine (a release must name a folder every scorer reads, as they see it: shared storage, "
          + "'models publish --uri'); still serving k-1");
      assertThat(holder.get().modelVersion()).isEqualTo("k-1");
    }
  }

  /**
   * A load that runs out of memory (a second model beside the serving one is where that happens)
   * refuses that release, counted and said as any refusal, and the next release is still taken.
   */
  @Test
  void aReleaseWhoseLoadRunsOutOfMemoryIsRefusedAndTheNextIsTaken(@TempDir Path dir) throws Exception {
    model(dir.resolve("v1"), "k-1", 0.5);
    ModelManifest v2 = model(dir.resolve("v2"), "k-2", 0.6);
    ModelManifest v3 = model(dir.resolve("v3"), "k-3", 0.7);
    java.util.concurrent.atomic.AtomicInteger loads = new java.util.concurrent.atomic.AtomicInteger();
    ModelHolder.Loader firstRunsOut = (d, device, precision) -> {
      if (loads.getAndIncrement() == 0) {
        throw new OutOfMemoryError("Java heap space");
      }
      return ModelArtifact.load(d, device, precision);
    };
    var registry = new SimpleMeterRegistry();
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu"), null), "cpu", null,
        null, firstRunsOut).meter(registry)) {
      ModelHolder.Outcome outOfMemory = holder.offer(new ModelRelease("k", "k-2", dir.resolve("v2").toString(), v2.parametersSha256(), 1));
      ModelHolder.Outcome next = holder.offer(new ModelRelease("k", "k-3", dir.resolve("v3").toString(), v3.parametersSha256(), 2));

      assertThat(outOfMemory.message()).isEqualTo("refused model k-2: OutOfMemoryError while loading it (Java heap space); "
          + "still serving k-1");
      assertThat(next.message()).isEqualTo("switched from k-1 to k-3");
      assertThat(holder.get().modelVersion()).isEqualTo("k-3");
      assertThat(registry.get("endowatch.model.releases").tag("result", "refused").counter().count()).isEqualTo(1.0);
    }
  }

  /** Every row of the serving gauge as name/version=value. */
  private static List<String> serving(MeterRegistry registry) {
    return registry.find("endowatch.model.serving").gauges().stream()
        .map(g -> g.getId().getTag("name") + "/" + g.getId().getTag("version") + "=" + g.value()).toList();
  }

  @Test
  void aPrecisionOverrideAppliesToReleasesAndWithoutOneEachRunsInItsCalibratedPrecision(@TempDir Path dir) throws Exception {
    model(dir.resolve("v1"), "k-1", 0.5);
    ModelManifest v2 = model(dir.resolve("v2"), "k-2", 0.6);
    ModelManifest v3 = model(dir.resolve("v3"), "k-3", 0.7);
    ModelArtifact.Loaded half = ModelArtifact.load(dir.resolve("v1"), "cpu", DataType.FLOAT16);
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(half, null), "cpu", null, DataType.FLOAT16)) {
      assertThat(holder.current().inferenceType()).isEqualTo(DataType.FLOAT16);
      assertThat(holder.offer(new ModelRelease("k", "k-2", dir.resolve("v2").toString(), v2.parametersSha256(), 1)).swapped())
          .isTrue();
      assertThat(holder.current().modelVersion()).isEqualTo("k-2");
      assertThat(holder.current().inferenceType()).isEqualTo(DataType.FLOAT16);
    }
    // no override: v3 was calibrated in fp32 (no precision recorded), so it is served in fp32
    try (ModelHolder holder = new ModelHolder(new ModelFrameScorer(ModelArtifact.load(dir.resolve("v1"), "cpu", DataType.FLOAT16),
        null), "cpu", null)) {
      assertThat(holder.offer(new ModelRelease("k", "k-3", dir.resolve("v3").toString(), v3.parametersSha256(), 2)).swapped())
          .isTrue();
      assertThat(holder.current().inferenceType()).isEqualTo(DataType.FLOAT32);
    }
  }
}
