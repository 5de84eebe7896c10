package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.endowatch.model.ModelArtifact;
import org.endowatch.testing.Cli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train -> calibrate -> eval through the real CLI on small generated images. */
class TrainCalibrateEvalTest {
  @TempDir static Path dir;
  static Path normal;
  static Path testNormal;
  static Path anomalous;
  static Path masks;

  @BeforeAll
  static void images() throws Exception {
    normal = Files.createDirectories(dir.resolve("normal"));
    testNormal = Files.createDirectories(dir.resolve("test-normal"));
    anomalous = Files.createDirectories(dir.resolve("anomalous"));
    masks = Files.createDirectories(dir.resolve("masks"));
    Random r = new Random(1);
    for (int i = 0; i < 12; i++) {
      ImageIO.write(tissue(r, false, null), "png", normal.resolve(String.format("n%02d.png", i)).toFile());
    }
    for (int i = 0; i < 3; i++) {
      ImageIO.write(tissue(r, false, null), "png", testNormal.resolve("t" + i + ".png").toFile());
      BufferedImage mask = new BufferedImage(96, 96, BufferedImage.TYPE_INT_RGB);
      ImageIO.write(tissue(r, true, mask), "png", anomalous.resolve("a" + i + ".png").toFile());
      ImageIO.write(mask, "png", masks.resolve("a" + i + ".png").toFile());
    }
    Files.writeString(normal.resolve("zz-corrupt.jpg"), "not a jpeg");
  }

  static BufferedImage tissue(Random r, boolean lesion, BufferedImage mask) {
    BufferedImage img = new BufferedImage(96, 96, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(190 + r.nextInt(20), 90 + r.nextInt(20), 80));
    g.fillRect(0, 0, 96, 96);
    for (int k = 0; k < 12; k++) {
      g.setColor(new Color(150, 50 + r.nextInt(30), 60));
      g.drawLine(r.nextInt(96), r.nextInt(96), r.nextInt(96), r.nextInt(96));
    }
    if (lesion) {
      g.setColor(new Color(240, 230, 200));
      g.fillOval(30, 30, 36, 36);
      Graphics2D m = mask.createGraphics();
      m.setColor(Color.WHITE);
      m.fillOval(30, 30, 36, 36);
      m.dispose();
    }
    g.dispose();
    return img;
  }

  @Test
  void trainCalibrateEvalProduceACompleteReport() throws Exception {
    Path model = dir.resolve("model");
    var train = Cli.run("train", "--data", normal.toString(), "--out", model.toString(), "--preset", "micro",
        "--epochs", "1", "--batch", "4", "--val-fraction", "0.25", "--seed", "3");
    assertThat(train.exitCode()).as(train.err()).isZero();
    // 12 readable images, 25 % held out by file name: 9 train, 3 held out; two full batches
    // of 4 (an epoch leaves its last partial batch out; each epoch shuffles anew).
    assertThat(train.out().lines().toList().get(0)).matches("trained " + java.util.regex.Pattern.quote(model.toString())
        + " in 0m\\d\\ds: 1 epoch \\(2 steps\\), last epoch loss \\d+\\.\\d{5}, \\d+\\.\\d images/s, "
        + "9 train / 3 held-out images, 1 corrupt skipped");
    // The next step names the folder whose held-out share calibrate then uses.
    assertThat(train.out()).contains("next: endowatch calibrate --model " + model + " --normal " + normal + " (");
    assertThat(train.err()).contains("skipping: " + normal.resolve("zz-corrupt.jpg") + " is not a readable image (unknown or corrupt format)");
    assertThat(train.err()).contains("note: 12 images are not 128 px; they are resized");
    String trainedVersion = ModelArtifact.readManifest(model).version();
    assertThat(trainedVersion).matches("model-\\d{8}T\\d{6}");

    var uncalibrated = Cli.run("eval", "--model", model.toString(), "--normal", testNormal.toString(),
        "--anomalous", anomalous.toString(), "--out", dir.resolve("r0").toString());
    assertThat(uncalibrated.exitCode()).isEqualTo(1);
    assertThat(uncalibrated.err()).contains("is not calibrated: run 'endowatch calibrate");

    var calibrate = Cli.run("calibrate", "--model", model.toString(), "--normal", normal.toString());
    assertThat(calibrate.exitCode()).as(calibrate.err()).isZero();
    int held = Files.readAllLines(model.resolve("validation-files.txt")).size();
    assertThat(held).isBetween(1, 11);
    assertThat(calibrate.err()).contains("calibrating on its " + held + " held-out images only (" + (13 - held)
        + " other files were used in training or skipped)");
    // A handful of images: the 1 % threshold is their highest score, and calibrate says so.
    assertThat(calibrate.err()).contains("note: with " + held + " images the threshold is their highest score: so few "
        + "decide it that new normal frames may go over it far more often than 1 %; 900 or more put it on the 10th (more "
        + "procedures, a smaller --every)");
    // Asked for no false alarms, the highest score is the threshold by definition: nothing to note.
    var none = Cli.run("calibrate", "--model", model.toString(), "--normal", normal.toString(), "--false-alarm-rate", "0",
        "--out", dir.resolve("rate-0").toString());
    assertThat(none.exitCode()).as(none.err()).isZero();
    assertThat(none.err()).doesNotContain("note: with");
    assertThat(ModelArtifact.readManifest(model).calibrated()).isTrue();
    // New thresholds are a new version of the trained network (what a running scorer switches to).
    String calibratedVersion = ModelArtifact.readManifest(model).version();
    assertThat(calibratedVersion).matches(trainedVersion + "\\+cal\\d{8}T\\d{6}");
    assertThat(calibrate.out()).contains("; version " + calibratedVersion
        + " (running scorers switch to it after 'endowatch models publish --model " + model + "')");

    // A folder whose every image is corrupt: named, with what was wrong said above it, for eval and calibrate alike.
    Path corrupt = Files.createDirectories(dir.resolve("all-corrupt"));
    Files.writeString(corrupt.resolve("c1.png"), "not a png");
    var noReadable = Cli.run("eval", "--model", model.toString(), "--normal", corrupt.toString(),
        "--anomalous", anomalous.toString(), "--out", dir.resolve("r-corrupt").toString());
    assertThat(noReadable.exitCode()).isEqualTo(1);
    assertThat(noReadable.err()).contains("c1.png is not a readable image");
    assertThat(noReadable.err()).as("no empty progress line").doesNotContain(System.lineSeparator() + System.lineSeparator());
    assertThat(noReadable.err().strip().lines().reduce((x, y) -> y).orElseThrow())
        .isEqualTo("endowatch eval: error: no readable images in " + corrupt + " (1 corrupt, each named above)");
    var calibrateCorrupt = Cli.run("calibrate", "--model", model.toString(), "--normal", corrupt.toString(),
        "--out", dir.resolve("cal-corrupt").toString());
    assertThat(calibrateCorrupt.exitCode()).isEqualTo(1);
    assertThat(calibrateCorrupt.err().strip().lines().reduce((x, y) -> y).orElseThrow())
        .isEqualTo("endowatch calibrate: error: no readable images in " + corrupt + " (1 corrupt, each named above)");

    // A report folder that cannot be made fails before any image is scored, with why.
    Path aFile = Files.writeString(dir.resolve("a-file"), "x");
    var badOut = Cli.run("eval", "--model", model.toString(), "--normal", testNormal.toString(),
        "--anomalous", anomalous.toString(), "--out", aFile.resolve("report").toString());
    assertThat(badOut.exitCode()).isEqualTo(1);
    assertThat(badOut.err()).doesNotContain("images scored");
    assertThat(badOut.err().strip()).isEqualTo("endowatch eval: error: cannot make the report folder " + aFile.resolve("report")
        + ": " + aFile.resolve("report") + ": Not a directory");

    // A java.nio error that names only the path is said in words (/proc takes no new folder, even from root).
    var procOut = Cli.run("calibrate", "--model", model.toString(), "--normal", normal.toString(), "--out", "/proc/endowatch-test");
    assertThat(procOut.exitCode()).isEqualTo(1);
    assertThat(procOut.err().strip()).isEqualTo("endowatch calibrate: error: cannot copy " + model
        + " to /proc/endowatch-test: /proc/endowatch-test (no such file or folder)");

    // Calibrated into a new folder, the model stays as it was, to roll back to.
    var before = ModelArtifact.readManifest(model);
    Path copy = dir.resolve("model-unit-a");
    var intoCopy = Cli.run("calibrate", "--model", model.toString(), "--normal", normal.toString(), "--false-alarm-rate",
        "0.5", "--out", copy.toString());
    assertThat(intoCopy.exitCode()).as(intoCopy.err()).isZero();
    assertThat(ModelArtifact.readManifest(model)).isEqualTo(before);
    var copied = ModelArtifact.readManifest(copy);
    assertThat(copied.version()).startsWith(trainedVersion + "+cal").isNotEqualTo(calibratedVersion);
    assertThat(copied.parametersSha256()).isEqualTo(before.parametersSha256());
    assertThat(Files.readAllLines(copy.resolve("validation-files.txt")))
        .isEqualTo(Files.readAllLines(model.resolve("validation-files.txt")));
    assertThat(intoCopy.out()).contains("calibrated " + copy + " on " + held + " normal images")
        .contains("'endowatch models publish --model " + copy + "'");
    var taken = Cli.run("calibrate", "--model", model.toString(), "--normal", normal.toString(), "--out", copy.toString());
    assertThat(taken.exitCode()).isEqualTo(1);
    assertThat(taken.err().strip()).isEqualTo("endowatch calibrate: error: --out " + copy
        + " already holds files: name a new folder (the copy must not mix with another model)");
    // A calibration that fails leaves no half-made copy (it would be the old model under its old version).
    Path failed = dir.resolve("model-failed");
    var nothing = Cli.run("calibrate", "--model", model.toString(), "--normal", dir.resolve("nowhere").toString(),
        "--out", failed.toString());
    assertThat(nothing.exitCode()).isEqualTo(1);
    assertThat(failed).doesNotExist();

    Path report = dir.resolve("report");
    var eval = Cli.run("eval", "--model", model.toString(), "--normal", testNormal.toString(), "--anomalous",
        anomalous.toString(), "--masks", masks.toString(), "--out", report.toString(), "--device", "cpu");
    assertThat(eval.exitCode()).as(eval.err()).isZero();
    assertThat(eval.err()).doesNotContain("warning: --normal");
    // Normal images it trained on, or whose scores set its thresholds, are no test: said, not refused.
    var onTraining = Cli.run("eval", "--model", model.toString(), "--normal", normal.toString(), "--anomalous",
        anomalous.toString(), "--out", dir.resolve("r-train").toString(), "--device", "cpu");
    assertThat(onTraining.exitCode()).as(onTraining.err()).isZero();
    assertThat(onTraining.err()).contains("warning: --normal " + normal + " is a folder the model trained on: its images "
        + "score lower than unseen ones and flatter the AUC; evaluate on normal images it never saw");
    Path calibratedOnTest = dir.resolve("calibrated-on-test");
    assertThat(Cli.run("calibrate", "--model", model.toString(), "--normal", testNormal.toString(), "--out",
        calibratedOnTest.toString()).exitCode()).isZero();
    var onCalibration = Cli.run("eval", "--model", calibratedOnTest.toString(), "--normal", testNormal.toString(),
        "--anomalous", anomalous.toString(), "--out", dir.resolve("r-cal").toString(), "--device", "cpu");
    assertThat(onCalibration.exitCode()).as(onCalibration.err()).isZero();
    assertThat(onCalibration.err()).contains("warning: --normal " + testNormal + " is the folder the thresholds were "
        + "calibrated on: the false alarms at the threshold are the calibrated rate by construction; evaluate on other "
        + "normal images");
    JsonNode json = ModelArtifact.JSON.readTree(report.resolve("report.json").toFile());
    assertThat(json.get("n_normal").asInt()).isEqualTo(3);
    assertThat(json.get("n_anomalous").asInt()).isEqualTo(3);
    assertThat(json.get("auc").asDouble()).isBetween(0.0, 1.0);
    assertThat(json.get("iou_mean").asDouble()).isBetween(0.0, 1.0);
    assertThat(json.get("iou_std").asDouble()).isEqualTo(0.0); // one group when fewer than 100 images
    // Flagging every pixel scores the lesion's share of the image: the oval's pixels in each mask over 96 x 96.
    double share = 0;
    for (int i = 0; i < 3; i++) {
      BufferedImage m = ImageIO.read(masks.resolve("a" + i + ".png").toFile());
      for (int y = 0; y < 96; y++) {
        for (int x = 0; x < 96; x++) {
          share += (m.getRGB(x, y) & 0xFF) > 127 ? 1.0 / (96 * 96 * 3) : 0;
        }
      }
    }
    assertThat(share).isBetween(0.1, 0.12); // an oval of 36 px in 96 px: pi * 18^2 / 96^2 = 0.110
    assertThat(json.get("iou_flag_all_mean").asDouble()).isCloseTo(share, within(1e-9));
    assertThat(json.get("patch_auc").asDouble()).isBetween(0.0, 1.0);
    assertThat(json.get("patch_auc_within_image_n").asInt()).isEqualTo(3); // every oval covers some patches, not all
    assertThat(json.get("threshold").asDouble()).isEqualTo(ModelArtifact.readManifest(model).imageThreshold());
    assertThat(json.get("ms_per_image").asDouble()).isPositive();
    assertThat(json.get("device").asText()).isEqualTo("cpu()"); // --device cpu, named in the report
    assertThat(json.get("false_alarm_rate_calibrated").asDouble()).isEqualTo(0.01); // calibrate's default
    // The reading closes what eval prints and opens report.md's text, the same lines in both.
    List<String> reading = Evaluation.reading(ModelArtifact.JSON.convertValue(json,
        new com.fasterxml.jackson.core.type.TypeReference<java.util.LinkedHashMap<String, Object>>() {}));
    assertThat(reading.get(0)).startsWith(String.format(java.util.Locale.ROOT, "AUC %.3f", json.get("auc").asDouble()));
    assertThat(eval.out()).contains(String.join(System.lineSeparator(), reading) + System.lineSeparator() + "report: ");
    assertThat(Files.readString(report.resolve("report.md")))
        .contains("## Reading\n\n" + String.join("\n\n", reading) + "\n\n")
        .contains(String.format(java.util.Locale.ROOT, "would score `iou_flag_all_mean` (%.3f here)", share));
    List<String> rows = Files.readAllLines(report.resolve("scores.csv"));
    assertThat(rows).hasSize(1 + 3 + 3);
    assertThat(rows.get(0)).isEqualTo("file,class,image_score,patch_scores");
    assertThat(rows.stream().skip(1).map(r -> r.split(",")[1])).containsExactly("normal", "normal", "normal",
        "anomalous", "anomalous", "anomalous");
    for (String row : rows.subList(1, rows.size())) {
      String[] cols = row.split(",");
      double[] patches = java.util.Arrays.stream(cols[3].split(" ")).mapToDouble(Double::parseDouble).toArray();
      assertThat(patches).hasSize(64); // the micro preset's 8 x 8 patch grid
      // The manifest's pooling is the paper's mean: the image score is the patches' mean.
      assertThat(Double.parseDouble(cols[2])).isCloseTo(java.util.Arrays.stream(patches).average().orElseThrow(),
          org.assertj.core.data.Offset.offset(1e-4));
    }
    assertThat(ImageIO.read(report.resolve("roc.png").toFile()).getWidth()).isEqualTo(420);
    assertThat(ImageIO.read(report.resolve("gallery.png").toFile()).getHeight()).isEqualTo(3 * 160);
    assertThat(json.get("map_halvings").asInt()).isZero();
    assertThat(json.get("precision").asText()).isEqualTo("fp32");

    // Half precision: the same images score within fp16's rounding, the report says so, and the CPU is warned about.
    Path report16 = dir.resolve("report16");
    var eval16 = Cli.run("eval", "--model", model.toString(), "--normal", testNormal.toString(), "--anomalous",
        anomalous.toString(), "--out", report16.toString(), "--device", "cpu", "--precision", "fp16");
    assertThat(eval16.exitCode()).as(eval16.err()).isZero();
    assertThat(eval16.err()).contains("note: --precision fp16 on the CPU runs, but slower than fp32 (no fast float16 kernels here");
    assertThat(ModelArtifact.JSON.readTree(report16.resolve("report.json").toFile()).get("precision").asText()).isEqualTo("fp16");
    List<String> rows16 = Files.readAllLines(report16.resolve("scores.csv"));
    double maxDiff = 0;
    for (int i = 1; i < rows.size(); i++) {
      maxDiff = Math.max(maxDiff, Math.abs(Double.parseDouble(rows.get(i).split(",")[2])
          - Double.parseDouble(rows16.get(i).split(",")[2])));
    }
    assertThat(maxDiff).isGreaterThan(0).isLessThan(0.01);
    var fp8 = Cli.run("eval", "--model", model.toString(), "--normal", testNormal.toString(), "--anomalous",
        anomalous.toString(), "--out", dir.resolve("r8").toString(), "--precision", "fp8");
    assertThat(fp8.exitCode()).isEqualTo(1);
    assertThat(fp8.err().strip()).isEqualTo("endowatch eval: error: --precision must be fp32 or fp16, got 'fp8'");
    assertThat(ModelArtifact.readManifest(model).calibration().get("precision")).isEqualTo("fp32");

    // Calibrating with a half-size anomaly map stores it with the thresholds; eval then uses it.
    var half = Cli.run("calibrate", "--model", model.toString(), "--normal", normal.toString(), "--map-halvings", "1");
    assertThat(half.exitCode()).as(half.err()).isZero();
    assertThat(ModelArtifact.readManifest(model).mapHalvings()).isEqualTo(1);
    assertThat(ModelArtifact.readManifest(model).calibration().get("mapHalvings")).isEqualTo(1);
    assertThat(ModelArtifact.readManifest(model).version()).startsWith(trainedVersion + "+cal").isNotEqualTo(calibratedVersion);
    Path report2 = dir.resolve("report-half");
    var eval2 = Cli.run("eval", "--model", model.toString(), "--normal", testNormal.toString(), "--anomalous",
        anomalous.toString(), "--out", report2.toString());
    assertThat(eval2.exitCode()).as(eval2.err()).isZero();
    assertThat(ModelArtifact.JSON.readTree(report2.resolve("report.json").toFile()).get("map_halvings").asInt()).isEqualTo(1);
    var bad = Cli.run("calibrate", "--model", model.toString(), "--normal", normal.toString(), "--map-halvings", "7");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("--map-halvings must be 0..3, got 7");

    // Calibrating in fp16 stores the precision with the thresholds; eval then scores in it unless told otherwise.
    var cal16 = Cli.run("calibrate", "--model", model.toString(), "--normal", normal.toString(), "--precision", "fp16");
    assertThat(cal16.exitCode()).as(cal16.err()).isZero();
    assertThat(ModelArtifact.readManifest(model).calibration().get("precision")).isEqualTo("fp16");
    assertThat(ModelArtifact.readManifest(model).calibratedPrecision()).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT16);
    Path report3 = dir.resolve("report-fp16-default");
    var eval3 = Cli.run("eval", "--model", model.toString(), "--normal", testNormal.toString(), "--anomalous",
        anomalous.toString(), "--out", report3.toString(), "--device", "cpu");
    assertThat(eval3.exitCode()).as(eval3.err()).isZero();
    assertThat(ModelArtifact.JSON.readTree(report3.resolve("report.json").toFile()).get("precision").asText()).isEqualTo("fp16");
    Path report4 = dir.resolve("report-fp32-asked");
    var eval4 = Cli.run("eval", "--model", model.toString(), "--normal", testNormal.toString(), "--anomalous",
        anomalous.toString(), "--out", report4.toString(), "--device", "cpu", "--precision", "fp32");
    assertThat(eval4.exitCode()).as(eval4.err()).isZero();
    assertThat(ModelArtifact.JSON.readTree(report4.resolve("report.json").toFile()).get("precision").asText()).isEqualTo("fp32");
    assertThat(ModelArtifact.readManifest(model).calibration()).doesNotContainKey("leaveOneProcedureOut");   // stills only

    // Frames of two procedures: each is judged by the threshold of the other, and the manifest says how it went.
    Path frames = Files.createDirectories(dir.resolve("frames"));
    Random r = new Random(2);
    for (String procedure : new String[] {"pa", "pb"}) {
      for (int i = 0; i < 4; i++) {
        ImageIO.write(tissue(r, false, null), "jpg", frames.resolve(String.format("%s-%06d.jpg", procedure, i)).toFile());
      }
    }
    var byProcedure = Cli.run("calibrate", "--model", model.toString(), "--normal", frames.toString(), "--precision", "fp32");
    assertThat(byProcedure.exitCode()).as(byProcedure.err()).isZero();
    assertThat(byProcedure.err()).contains("procedures: with each of the 2 left out in turn, the others' threshold put ");
    @SuppressWarnings("unchecked")
    Map<String, Object> transfer = (Map<String, Object>) ModelArtifact.readManifest(model).calibration().get("leaveOneProcedureOut");
    assertThat(transfer.get("procedures")).isEqualTo(2);
    assertThat(transfer.get("worst")).isIn("pa", "pb");
    double min = ((Number) transfer.get("overRateMin")).doubleValue();
    double max = ((Number) transfer.get("overRateMax")).doubleValue();
    // Two procedures of four frames each: the median and the rate over all frames are both their mean.
    assertThat(((Number) transfer.get("overRateMedian")).doubleValue()).isEqualTo((min + max) / 2);
    assertThat(((Number) transfer.get("overRateAll")).doubleValue()).isEqualTo((min + max) / 2);
  }

  @Test
  void resumeContinuesExactly() throws Exception {
    Path straight = dir.resolve("straight");
    Path resumed = dir.resolve("resumed");
    String[] common = {"train", "--data", normal.toString(), "--preset", "micro", "--batch", "4", "--seed", "5", "--val-fraction", "0.25"};
    var first = Cli.run(concat(common, "--out", straight.toString(), "--epochs", "2"));
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(Cli.run(concat(common, "--out", resumed.toString(), "--epochs", "1")).exitCode()).isZero();
    var second = Cli.run(concat(common, "--out", resumed.toString(), "--epochs", "2", "--resume", "--keep-every", "1"));
    assertThat(second.exitCode()).isZero();
    assertThat(second.err()).contains("resuming at epoch 2, batch 0");

    assertThat(ModelArtifact.readManifest(resumed).parametersSha256())
        .isEqualTo(ModelArtifact.readManifest(straight).parametersSha256());
    // --keep-every 1 on the resumed run kept epoch 2 (epoch 1 ran before it was asked for) as a model of its own.
    assertThat(resumed.resolve("epochs/e001")).doesNotExist();
    Path kept = resumed.resolve("epochs/e002");
    assertThat(ModelArtifact.readManifest(kept).parametersSha256())
        .isEqualTo(ModelArtifact.readManifest(straight).parametersSha256());
    assertThat(ModelArtifact.readManifest(kept).training().get("epochs")).isEqualTo(2);
    assertThat(Files.readAllLines(kept.resolve("validation-files.txt")))
        .isEqualTo(Files.readAllLines(resumed.resolve("validation-files.txt")));
  }

  /**
   * A run killed, or out of disk, while writing its epoch-2 checkpoint: that one half written, and
   * --out's parameters already replaced but not its manifest (they no longer match its checksum).
   * --resume goes on from the epoch-1 checkpoint to the weights of a run never stopped, and leaves
   * only its own last checkpoint.
   */
  @Test
  void aRunKilledWhileWritingACheckpointResumesFromTheOneBefore() throws Exception {
    Path straight = dir.resolve("torn-straight");
    Path torn = dir.resolve("torn");
    String[] common = twoEpochsAndOne(straight, torn, "6");
    // 9 training images in batches of 4: epoch 1 ends at step 2, epoch 2 at step 4.
    assertThat(checkpoints(torn)).containsExactly("step-000000000002");
    Path half = Files.createDirectories(torn.resolve("checkpoint/step-000000000004.writing"));
    byte[] parameters = Files.readAllBytes(straight.resolve(ModelArtifact.PARAMETERS));
    Files.write(half.resolve(ModelArtifact.PARAMETERS), java.util.Arrays.copyOf(parameters, parameters.length / 2));
    Files.delete(torn.resolve(ModelArtifact.PARAMETERS));   // a hard link to the checkpoint's: not written through
    Files.write(torn.resolve(ModelArtifact.PARAMETERS), parameters);

    var resumed = Cli.run(concat(common, "--out", torn.toString(), "--epochs", "2", "--resume"));

    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains("resuming at epoch 2, batch 0 (step 2)");
    assertThat(ModelArtifact.readManifest(torn).parametersSha256()).isEqualTo(ModelArtifact.readManifest(straight).parametersSha256());
    try (var loaded = ModelArtifact.load(torn, "cpu")) {   // loads: checksum verified
      assertThat(loaded.manifest().training().get("epochs")).isEqualTo(2);
    }
    assertThat(checkpoints(torn)).containsExactly("step-000000000004");

    // Killed again between --out's two files as the run ended: a --resume with nothing left to train mends --out.
    Files.delete(torn.resolve(ModelArtifact.PARAMETERS));
    Files.write(torn.resolve(ModelArtifact.PARAMETERS), java.util.Arrays.copyOf(parameters, parameters.length / 2));
    var again = Cli.run(concat(common, "--out", torn.toString(), "--epochs", "2", "--resume"));
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.err()).contains("the model in " + torn + " was left half written by a run stopped as it wrote it: "
        + "it is its last checkpoint's again");
    try (var mended = ModelArtifact.load(torn, "cpu")) {   // loads: its parameters match the manifest's checksum again
      assertThat(mended.manifest().parametersSha256()).isEqualTo(ModelArtifact.readManifest(straight).parametersSha256());
    }
    // Nothing of --out's is left linked to the checkpoint under another name (a later write there would change both).
    assertThat(temporaries(torn)).isEmpty();

    // A model calibrated since is whole: such a --resume leaves its thresholds alone.
    var calibrate = Cli.run("calibrate", "--model", torn.toString(), "--normal", normal.toString());
    assertThat(calibrate.exitCode()).as(calibrate.err()).isZero();
    Double threshold = ModelArtifact.readManifest(torn).imageThreshold();
    assertThat(threshold).isNotNull();
    var afterCalibrating = Cli.run(concat(common, "--out", torn.toString(), "--epochs", "2", "--resume"));
    assertThat(afterCalibrating.exitCode()).as(afterCalibrating.err()).isZero();
    assertThat(afterCalibrating.err()).doesNotContain("half written");
    assertThat(ModelArtifact.readManifest(torn).imageThreshold()).isEqualTo(threshold);
    assertThat(temporaries(torn)).isEmpty();
    assertThat(ModelArtifact.readManifest(torn.resolve("checkpoint/step-000000000004")).imageThreshold()).isNull();
  }

  /** A run checkpointed by the build before checkpoints had folders (state and optimiser in checkpoint/) resumes exactly. */
  @Test
  void aRunCheckpointedInTheEarlierLayoutResumesExactly() throws Exception {
    Path straight = dir.resolve("flat-straight");
    Path flat = dir.resolve("flat");
    String[] common = twoEpochsAndOne(straight, flat, "7");
    Path step = flat.resolve("checkpoint/step-000000000002");
    Files.move(step.resolve("optimizer.bin"), flat.resolve("checkpoint/optimizer.bin"));
    Files.move(step.resolve("state.json"), flat.resolve("checkpoint/state.json"));
    for (String f : List.of(ModelArtifact.MANIFEST, ModelArtifact.PARAMETERS)) {
      Files.delete(step.resolve(f));
    }
    Files.delete(step);

    var resumed = Cli.run(concat(common, "--out", flat.toString(), "--epochs", "2", "--resume"));

    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains("resuming at epoch 2, batch 0 (step 2)");
    assertThat(ModelArtifact.readManifest(flat).parametersSha256()).isEqualTo(ModelArtifact.readManifest(straight).parametersSha256());
    assertThat(checkpoints(flat)).containsExactly("step-000000000004");
  }

  /** Trains 2 epochs into {@code straight} and 1 of the same into {@code out}; returns the arguments they share. */
  private static String[] twoEpochsAndOne(Path straight, Path out, String seed) {
    String[] common = {"train", "--data", normal.toString(), "--preset", "micro", "--batch", "4", "--seed", seed, "--val-fraction", "0.25"};
    assertThat(Cli.run(concat(common, "--out", straight.toString(), "--epochs", "2")).exitCode()).isZero();
    assertThat(Cli.run(concat(common, "--out", out.toString(), "--epochs", "1")).exitCode()).isZero();
    return common;
  }

  private static List<String> temporaries(Path out) throws java.io.IOException {
    try (var files = Files.list(out)) {
      return files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".tmp")).toList();
    }
  }

  private static List<String> checkpoints(Path out) throws java.io.IOException {
    try (var s = Files.list(out.resolve("checkpoint"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /**
   * Ctrl-C mid-epoch (TrainCommand's hook sets the stop flag): the run checkpoints where it is, and
   * --resume continues from that batch to the same weights as a run never stopped.
   */
  @Test
  void aRunStoppedMidEpochResumesFromThatBatchExactly() throws Exception {
    java.util.function.BiFunction<String, Boolean, TrainingRun.Options> options = (out, resume) -> new TrainingRun.Options(
        List.of(normal), dir.resolve(out), org.endowatch.model.MemMcMaeConfig.preset("micro"), 2, 4, resume, "cpu", 5, 1.5e-3,
        0.05, 5, 0.25, out, "test", 0, 0, 0.5, 0);
    java.io.PrintWriter quiet = new java.io.PrintWriter(java.io.Writer.nullWriter());
    TrainingRun.Result straight = TrainingRun.run(options.apply("mid-straight", false), quiet,
        new java.util.concurrent.atomic.AtomicBoolean());

    // 9 training images in batches of 4: two batches an epoch; stopped once the first has run.
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.io.PrintWriter stopAfterABatch = new java.io.PrintWriter(new java.io.Writer() {
      @Override
      public void write(char[] b, int off, int len) {
        if (new String(b, off, len).contains("\repoch")) {
          stop.set(true);
        }
      }

      @Override
      public void flush() { }

      @Override
      public void close() { }
    });
    TrainingRun.Result stopped = TrainingRun.run(options.apply("mid-stopped", false), stopAfterABatch, stop);
    java.io.StringWriter said = new java.io.StringWriter();
    TrainingRun.Result resumed = TrainingRun.run(options.apply("mid-stopped", true), new java.io.PrintWriter(said, true),
        new java.util.concurrent.atomic.AtomicBoolean());

    assertThat(stopped.interrupted()).isTrue();
    assertThat(stopped.steps()).isEqualTo(1);
    assertThat(said.toString()).contains("resuming at epoch 1, batch 1");
    assertThat(resumed.interrupted()).isFalse();
    assertThat(List.of(straight.steps(), resumed.steps())).containsExactly(4L, 4L);
    assertThat(ModelArtifact.readManifest(dir.resolve("mid-stopped")).parametersSha256())
        .isEqualTo(ModelArtifact.readManifest(dir.resolve("mid-straight")).parametersSha256());
  }

  @Test
  void badInputsAreOneLineErrors() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    var noImages = Cli.run("train", "--data", empty.toString(), "--out", dir.resolve("x").toString());
    assertThat(noImages.exitCode()).isEqualTo(1);
    assertThat(noImages.err().strip()).isEqualTo("endowatch train: error: image folder " + empty + " holds no .jpg/.jpeg/.png/.bmp files");
    // A dataset's top folder for its images folder: the subfolders that hold images are named.
    Path dataset = dir.resolve("dataset");
    for (String sub : List.of("normal", "anomalous", "notes")) {
      Files.createDirectories(dataset.resolve(sub));
    }
    try (var images = Files.list(normal)) {
      Path one = images.filter(f -> f.toString().endsWith(".png")).findFirst().orElseThrow();
      Files.copy(one, dataset.resolve("normal").resolve(one.getFileName()));
      Files.copy(one, dataset.resolve("anomalous").resolve(one.getFileName()));
    }
    Files.writeString(dataset.resolve("notes").resolve("README.txt"), "no images here");
    var top = Cli.run("train", "--data", dataset.toString(), "--out", dir.resolve("x").toString());
    assertThat(top.err().strip()).isEqualTo("endowatch train: error: image folder " + dataset + " holds no "
        + ".jpg/.jpeg/.png/.bmp files (its subfolders anomalous, normal do: give one of them itself)");

    var noManifest = Cli.run("calibrate", "--model", empty.toString(), "--normal", normal.toString());
    assertThat(noManifest.err().strip()).isEqualTo("endowatch calibrate: error: " + empty
        + " has no manifest.json: not a model directory (train one with 'endowatch train')");

    var badPreset = Cli.run("train", "--data", normal.toString(), "--out", dir.resolve("y").toString(), "--preset", "huge");
    assertThat(badPreset.exitCode()).isEqualTo(2);
    assertThat(badPreset.err()).contains("unknown preset 'huge' (expected micro, tiny or base)");

    var badCrop = Cli.run("train", "--data", normal.toString(), "--out", dir.resolve("z").toString(), "--crop-area", "0");
    assertThat(badCrop.exitCode()).isEqualTo(2);
    assertThat(badCrop.err()).contains("--crop-area must be in (0, 1], got 0");
    assertThat(Files.exists(dir.resolve("z"))).isFalse();
  }

  @Test
  void aMissingMaskIsNamed() throws Exception {
    Path fewMasks = Files.createDirectories(dir.resolve("few-masks"));
    Files.copy(masks.resolve("a0.png"), fewMasks.resolve("a0.png"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Evaluation.checkMasks(Images.list(anomalous), fewMasks))
        .hasMessage("no mask for a1.png in " + fewMasks + " (expected a .png/.jpg with the same file stem)");
  }

  @Test
  void aMaskOfAnotherSizeOrUnreadableIsNamedBeforeAnyScoring() throws Exception {
    Path wrong = Files.createDirectories(dir.resolve("wrong-masks"));
    for (int i = 0; i < 3; i++) {
      Files.copy(masks.resolve("a" + i + ".png"), wrong.resolve("a" + i + ".png"));
    }
    ImageIO.write(new BufferedImage(50, 40, BufferedImage.TYPE_BYTE_GRAY), "png", wrong.resolve("a1.png").toFile());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Evaluation.checkMasks(Images.list(anomalous), wrong))
        .hasMessage("mask a1.png is 50x40 but image a1.png is 96x96");
    Files.writeString(wrong.resolve("a1.png"), "not a png");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Evaluation.checkMasks(Images.list(anomalous), wrong))
        .hasMessage("mask " + wrong.resolve("a1.png") + " for a1.png is unreadable");
    assertThat(Images.size(masks.resolve("a0.png"))).containsExactly(96, 96);
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
