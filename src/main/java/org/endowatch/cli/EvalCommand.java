package org.endowatch.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.endowatch.model.ModelArtifact;
import org.endowatch.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval",
    description = "Evaluate a calibrated model on held-out normal and anomalous images: AUC, IoU, report.")
public final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "A calibrated model folder.") Path model;
  @Option(names = "--normal", required = true, paramLabel = "DIR",
      description = "Held-out normal images (jpg/png), none the model was trained or calibrated on.") Path normal;
  @Option(names = "--anomalous", required = true, paramLabel = "DIR", description = "Images with a lesion (jpg/png).")
  Path anomalous;
  @Option(names = "--masks", paramLabel = "DIR", description = "Binary lesion masks, same file stem as the anomalous images.")
  Path masks;
  @Option(names = "--out", required = true, paramLabel = "REPORT_DIR",
      description = "Where report.json, report.md, scores.csv and the PNGs go (made if missing).") Path out;
  @Option(names = {"--mask-schedule", "--masks-schedule"}, paramLabel = "S",
      description = "random-10, complementary-4, ... (default: the manifest's).")
  String maskSchedule;
  @Option(names = "--pooling", paramLabel = "mean|max", description = "mean or max (default: the manifest's).") String pooling;
  @Option(names = "--map-halvings", paramLabel = "N",
      description = "Anomaly map at 1/2^N of the input size (default: the manifest's; thresholds hold only for the calibrated value).")
  Integer mapHalvings;
  @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
      description = "auto (GPU if PyTorch sees one), cpu or gpu.") String device;
  @Option(names = "--precision", paramLabel = "P",
      description = "fp32 or fp16: what the network computes in (default: the one it was calibrated in; fp16 for GPUs).")
  String precision;
  @Spec CommandSpec spec;

  public Map<String, Object> run() {
    if (mapHalvings != null) {
      OptionRange.of(spec).between("--map-halvings", mapHalvings, 0, 3);
    }
    return Evaluation.run(model, normal, anomalous, masks, out, maskSchedule, pooling, mapHalvings, device,
        ModelArtifact.precision(precision), spec.commandLine().getErr());
  }

  @Override
  public Integer call() {
    Map<String, Object> report = run();
    report.forEach((k, v) -> spec.commandLine().getOut().println(k + ": " + v));
    spec.commandLine().getOut().println();
    Evaluation.reading(report).forEach(spec.commandLine().getOut()::println);
    spec.commandLine().getOut().println("report: " + out.resolve("report.md"));
    return 0;
  }
}
