package org.endowatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.endowatch.model.MemMcMaeConfig;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.MklVendorCheck;
import org.endowatch.train.TrainingRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", description = "Train a MemMC-MAE model on normal images, videos or recorded procedures.")
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, split = ",", paramLabel = "SOURCE",
      description = "Normal data: image folders (jpg/png), video files, or procedures recorded on Kafka as "
          + "kafka:TOPIC?procedure=ID[&from=T][&to=T] (T as in 'replay topic': 90s, 2m, ISO instant). Frames of videos "
          + "and procedures are written to MODEL_DIR/frames (calibrate with --normal MODEL_DIR/frames).")
  List<String> data;

  @Option(names = "--every", paramLabel = "N", defaultValue = "5",
      description = "Videos and recorded procedures: keep every N-th frame (default ${DEFAULT-VALUE}).")
  int every;

  @Mixin KafkaOptions kafka;

  @Option(names = "--out", required = true, paramLabel = "MODEL_DIR", description = "Where the model and checkpoints go.")
  Path out;

  @Option(names = "--preset", paramLabel = "PRESET", defaultValue = "micro",
      description = "micro, tiny or base (default ${DEFAULT-VALUE}).")
  String preset;

  @Option(names = "--set", split = ",", paramLabel = "KEY=VALUE",
      description = "Model overrides: memory=on|off, multiLevel=on|off, unetSkips=on|off, memorySlots=N, channels=1|3, "
          + "patchSize=N, maskRatio=R (hidden share in training; score with complementary-K where K = 1/(1-R)).")
  Map<String, String> overrides = Map.of();

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "50",
      description = "Passes over the training images (default ${DEFAULT-VALUE}).")
  int epochs;
  @Option(names = "--batch", paramLabel = "N", defaultValue = "32",
      description = "Images per optimisation step (default ${DEFAULT-VALUE}).")
  int batch;
  @Option(names = "--lr", paramLabel = "LR", defaultValue = "1.5e-3",
      description = "Base learning rate, scaled by batch/256 (default ${DEFAULT-VALUE}).")
  double lr;
  @Option(names = "--weight-decay", paramLabel = "W", defaultValue = "0.05",
      description = "AdamW weight decay (default ${DEFAULT-VALUE}, the paper's).")
  double weightDecay;
  @Option(names = "--warmup-epochs", paramLabel = "N", defaultValue = "5",
      description = "Epochs of linear learning-rate warm-up before the cosine decay (default ${DEFAULT-VALUE}).") int warmupEpochs;
  @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.1",
      description = "Fraction of images held out of training for calibration (default ${DEFAULT-VALUE}).")
  double valFraction;
  @Option(names = "--resume", description = "Continue from the checkpoint in --out.") boolean resume;
  @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto", description = "auto, cpu or gpu.") String device;
  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Every random choice (initial weights, held-out split, order, "
      + "masks, crops): the same seed and data train the same model (default ${DEFAULT-VALUE}).") long seed;
  @Option(names = "--keep-every", defaultValue = "0", paramLabel = "N",
      description = "Also keep the model after every N-th epoch in MODEL_DIR/epochs/eNNN (each a model to calibrate "
          + "and eval on validation data, to choose the epoch); 0 keeps only the latest (default).")
  int keepEvery;
  @Option(names = "--ssim-loss", defaultValue = "0", paramLabel = "W",
      description = "Add W x (1 - SSIM) over the masked pixels to the paper's MSE (default 0: MSE alone, the paper).")
  double ssimLoss;
  @Option(names = "--crop-area", defaultValue = "0.5", paramLabel = "MIN",
      description = "RandomResizedCrop keeps between MIN and all of each image's area, in (0,1]; 1: flips only "
          + "(default ${DEFAULT-VALUE}; MAE uses 0.2).")
  double cropArea;
  @Option(names = "--colour-jitter", defaultValue = "0", paramLabel = "S",
      description = "Colour jitter: red/blue gain, brightness, contrast and saturation each scaled by a factor in "
          + "[1-S, 1+S], in [0,1) (default 0: none, the paper).")
  double colourJitter;
  @Option(names = "--name", paramLabel = "NAME", description = "Model name (default: the --out folder's name).") String name;

  @Spec CommandSpec spec;
  /** The folders the last {@link #run} trained on: calibrate finds their held-out share again. */
  private List<Path> trainedFolders = List.of();

  /** Trains and returns what happened; SIGINT/SIGTERM checkpoint and stop. */
  public TrainingRun.Result run(java.io.PrintWriter progress) {
    OptionRange.of(spec).atLeast("--epochs", epochs, 1).atLeast("--batch", batch, 1).atLeast("--every", every, 1)
        .above("--lr", lr, 0).from("--val-fraction", valFraction, 0, 1).atLeast("--keep-every", keepEvery, 0)
        .atLeast("--ssim-loss", ssimLoss, 0).over("--crop-area", cropArea, 0, 1).from("--colour-jitter", colourJitter, 0, 1)
        .atLeast("--weight-decay", weightDecay, 0).atLeast("--warmup-epochs", warmupEpochs, 0);
    MemMcMaeConfig config;
    try {
      config = MemMcMaeConfig.preset(preset).with(overrides);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    String modelName = name != null ? name : out.toAbsolutePath().normalize().getFileName().toString();
    List<String> words = new ArrayList<>(List.of("endowatch"));
    words.addAll(spec.commandLine().getParseResult().originalArgs());
    AtomicBoolean stop = new AtomicBoolean();
    java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    // On Ctrl-C / SIGTERM: ask the loop to stop and wait for its checkpoint before the JVM exits.
    Thread hook = new Thread(() -> {
      stop.set(true);
      try {
        finished.await(120, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "train-stop");
    // A model trained there before is kept unless --resume continues it: a fresh run would replace it.
    if (!resume && (Files.exists(out.resolve(ModelArtifact.MANIFEST)) || Files.exists(out.resolve(TrainingRun.CHECKPOINT)))) {
      throw new IllegalArgumentException("--out " + out + " already holds a model: --resume continues its training; to "
          + "train afresh, name a new folder");
    }
    // Frames an earlier run extracted there (other videos or procedures) must not train this model:
    // the folder comes to hold exactly what --data names (a resumed run extracts the same frames
    // again), unless --data names the folder itself (frames extracted before, trained on as images).
    Path frames = out.resolve("frames");
    Path framesAbs = frames.toAbsolutePath().normalize();
    if (data.stream().noneMatch(d -> !d.startsWith("kafka:") && Path.of(d).toAbsolutePath().normalize().equals(framesAbs))) {
      FrameFolders.clear(frames, "earlier training frames");
    }
    TrainingData.Resolved sources = TrainingData.resolveLikeIngest(data, frames, every, kafka::settings,
        progress, "--data");
    sources.lines().forEach(line -> progress.println("train: " + line));
    trainedFolders = sources.folders();
    if (!device.equals("gpu")) {
      MklVendorCheck.noteIfSlow(progress);
    }
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return TrainingRun.run(new TrainingRun.Options(sources.folders(), out, config, epochs, batch, resume, device, seed, lr,
          weightDecay, warmupEpochs, valFraction, modelName, String.join(" ", words), keepEvery, ssimLoss, cropArea, colourJitter), progress,
          stop);
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook already ran: we are stopping because of it
      }
    }
  }

  @Override
  public Integer call() {
    TrainingRun.Result r = run(spec.commandLine().getErr());
    java.io.PrintWriter stdout = spec.commandLine().getOut();
    stdout.printf(Locale.ROOT,
        "%s %s in %s: %d epoch%s (%d steps), last epoch loss %.5f, %.1f images/s, %d train / %d held-out images, "
            + "%d corrupt skipped%n",
        r.interrupted() ? "stopped" : "trained", out, TrainingRun.clock(r.time()), r.epochsDone(),
        r.epochsDone() == 1 ? "" : "s", r.steps(), r.lastEpochLoss(), r.imagesPerSecond(), r.trainImages(),
        r.validationImages(), r.skipped().size());
    if (!r.interrupted()) {
      // Naming the training folder is enough: calibrate keeps only its held-out share (the same split).
      stdout.printf("next: endowatch calibrate --model %s --normal %s (its held-out images set the thresholds; "
          + "calibrate on your own unit's normal frames where they differ from the training data)%n", out,
          trainedFolders.size() == 1 ? trainedFolders.get(0) : "DIR");
    }
    return r.interrupted() ? 130 : 0;
  }
}
