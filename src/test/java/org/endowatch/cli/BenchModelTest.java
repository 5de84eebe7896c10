package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.endowatch.contract.JsonSerde;
import org.endowatch.score.ModelBench;
import org.endowatch.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench model} writes the JSON keys issue 8 names, and says where it ran; no timing is asserted. */
class BenchModelTest {
  @Test
  void oneConfigurationWritesTheNamedKeysAndTheDevice(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("bench.json");
    var r = Cli.run("bench", "model", "--preset", "micro", "--schedules", "complementary-4", "--batches", "1", "--repeats", "1",
        "--device", "cpu", "--python", dir.resolve("no-python").toString(), "--out", out.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode model = JsonSerde.MAPPER.readTree(out.toFile()).get("model");
    for (String key : new String[] {"preset", "ms_per_frame", "frames_per_s", "gflop_per_frame", "achieved_gflops", "matmul_gflops",
        "efficiency"}) {
      assertThat(model.has(key)).as(key).isTrue();
    }
    assertThat(model.get("preset").asText()).isEqualTo("micro");
    assertThat(model.get("device").asText()).isEqualTo("cpu()");
    assertThat(model.get("precision").asText()).isEqualTo("fp32");
    assertThat(model.get("runs")).hasSize(1);
    assertThat(model.get("efficiency").asDouble())
        .isEqualTo(model.get("achieved_gflops").asDouble() / model.get("matmul_gflops").asDouble());
    assertThat(model.get("efficiency_highest").asDouble()).isEqualTo(model.get("efficiency").asDouble());
    assertThat(model.get("efficiency_highest_run").asText()).isEqualTo("micro complementary-4 batch 1");
    assertThat(r.err()).contains("fp32 matmul 1024^3 on cpu()");
    assertThat(JsonSerde.MAPPER.readTree(out.toFile()).get("reference").get("skipped").asText()).contains("no-python");
  }

  @Test
  void theSummaryNamesTheFirstConfigurationsEfficiencyAndTheHighest() {
    var micro = new ModelBench.Run("micro", "complementary-4", 1, 14.7, 18.1, 68.1, 7.7, 0.72, 50.0);
    var base = new ModelBench.Run("base", "random-10", 32, 12.5, 12.8, 80.1, 11.9, 303.6, 25_000.0);
    assertThat(BenchCommand.efficiencyLine(List.of(micro, base), 50_000.0, "fp32", "PyTorch 2.11.0 on gpu(0), 16 threads"))
        .isEqualTo("fp32 matmul ceiling 50000.0 GFLOP/s (PyTorch 2.11.0 on gpu(0), 16 threads); model efficiency 0.1 % "
            + "(micro complementary-4 batch 1), highest 50.0 % (base random-10 batch 32)");
    assertThat(BenchCommand.efficiencyLine(List.of(micro), 100.0, "fp16", "x"))
        .isEqualTo("fp16 matmul ceiling 100.0 GFLOP/s (x); model efficiency 50.0 % (micro complementary-4 batch 1)");
  }

  @Test
  void aReferenceOnAnUnoptimisedBlasIsFlaggedAndAnOptimisedOneIsNot() {
    assertThat(BenchCommand.referenceBlasNote(3.5, 96.0)).contains("note: the reference's torch multiplies at 3.5 GFLOP/s "
        + "against 96.0 here, so its BLAS is not an optimised one and the ratios below compare BLAS builds; on Debian run "
        + "--python bench/python3-openblas (apt-get install libopenblas0-openmp)");
    assertThat(BenchCommand.referenceBlasNote(24.0, 96.0)).isEmpty();   // exactly a quarter: not flagged
    assertThat(BenchCommand.referenceBlasNote(23.9, 96.0)).isPresent();
    assertThat(BenchCommand.referenceBlasNote(240.0, 197.0)).isEmpty();
  }

  @Test
  void aGpuThatIsNotThereIsAOneLineError(@TempDir Path dir) {
    var r = Cli.run("bench", "model", "--device", "gpu", "--python", dir.resolve("no-python").toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("endowatch bench: error: --device gpu: PyTorch finds no CUDA device on this machine "
        + "(CPU natives 2.7.1; a GPU node needs CUDA natives: DJL's pytorch-native-cu128 or bench/djl-jni-min on the node's "
        + "PyTorch, see docs/OPERATIONS.md); use --device cpu or auto");
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void aBadPresetScheduleOrBatchIsSaidBeforeAnythingIsMeasured() {
    var preset = Cli.run("bench", "model", "--preset", "micro,nano");
    assertThat(preset.exitCode()).isEqualTo(1);
    assertThat(preset.err().strip()).isEqualTo("endowatch bench: error: unknown preset 'nano' (expected micro, tiny or base)");
    assertThat(preset.out()).isEmpty();   // no ceiling line: the products never ran

    var schedule = Cli.run("bench", "model", "--schedules", "complementary-4,complementary-3");
    assertThat(schedule.exitCode()).isEqualTo(1);
    assertThat(schedule.err().strip()).startsWith("endowatch bench: error: ").contains("complementary-3");
    assertThat(schedule.out()).isEmpty();

    var batch = Cli.run("bench", "model", "--batches", "1,0");
    assertThat(batch.exitCode()).isEqualTo(2);
    assertThat(batch.err().strip()).isEqualTo("endowatch bench: --batches must be >= 1, got 0 (see 'endowatch bench --help')");
    assertThat(batch.out()).isEmpty();
  }

  @Test
  void undefinedNumbersAreWrittenAsNullAtAnyDepth() throws Exception {
    record Lesion(String stream, double firstAlertMs) {}
    java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
    json.put("time_to_first_alert_ms", Double.NaN);
    json.put("p99", Double.POSITIVE_INFINITY);
    json.put("frames", 40);
    json.put("lesions", List.of(new Lesion("bench-0", Double.NaN), new Lesion("bench-1", 164.0)));
    json.put("nested", java.util.Map.of("values", List.of(1.5, Double.NEGATIVE_INFINITY)));

    String written = JsonSerde.MAPPER.writeValueAsString(BenchCommand.undefinedAsNull(json));

    assertThat(written).isEqualTo("{\"time_to_first_alert_ms\":null,\"p99\":null,\"frames\":40,"
        + "\"lesions\":[{\"stream\":\"bench-0\",\"firstAlertMs\":null},{\"stream\":\"bench-1\",\"firstAlertMs\":164.0}],"
        + "\"nested\":{\"values\":[1.5,null]}}");
  }
}
