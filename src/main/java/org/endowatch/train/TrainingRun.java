package org.endowatch.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.Masks;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;
import org.endowatch.score.Pixels;

/**
 * {@code endowatch train}: epochs over the normal images, a checkpoint after every epoch and when
 * stopped, exact resume. Exactness comes from deriving every random choice from (seed, epoch,
 * batch): the epoch's order, each batch's crops, flips and masks; resuming at (epoch, batch) replays
 * nothing and skips nothing.
 */
public final class TrainingRun {
  /** The folder in MODEL_DIR that holds what --resume continues from. */
  public static final String CHECKPOINT = "checkpoint";

  /** What to train. */
  public record Options(
      List<Path> data, Path out, MemMcMaeConfig config, int epochs, int batch, boolean resume, String device,
      long seed, double baseLr, double weightDecay, int warmupEpochs, double valFraction, String name,
      String command, int keepEvery, double ssimWeight, double cropMinArea, double colourJitter) {}

  /** What happened. */
  public record Result(int epochsDone, long steps, double lastEpochLoss, double imagesPerSecond, Duration time,
      boolean interrupted, int trainImages, int validationImages, List<String> skipped) {}

  private TrainingRun() {}

  public static Result run(Options o, PrintWriter progress, AtomicBoolean stop) {
    MemMcMaeConfig c = o.config();
    NormalImages all = NormalImages.load(o.data(), c.imageSize(), progress::println);
    NormalImages train = all.training(o.valFraction());
    NormalImages val = all.validation(o.valFraction());
    if (train.size() < o.batch()) {
      throw new IllegalArgumentException("only " + train.size() + " training images for batch " + o.batch()
          + "; lower --batch or add data");
    }
    if (all.resizedCount() > 0) {
      progress.println("note: " + all.resizedCount() + " images are not " + c.imageSize() + " px; they are resized");
    }
    int batchesPerEpoch = train.size() / o.batch();
    int totalSteps = batchesPerEpoch * o.epochs();
    MaeTrainer.Settings settings = new MaeTrainer.Settings(o.batch(), o.baseLr(), o.weightDecay(),
        Math.max(1, batchesPerEpoch * o.warmupEpochs()), totalSteps, o.ssimWeight());
    try {
      Files.createDirectories(o.out().resolve(CHECKPOINT));
      Files.write(o.out().resolve("validation-files.txt"),
          val.files().stream().map(p -> p.getFileName().toString()).toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + o.out() + ": " + e.getMessage(), e);
    }

    int startEpoch = 0;
    int startBatch = 0;
    long priorMillis = 0;
    NDManager manager;
    MemMcMae network;
    MaeTrainer trainer;
    Optional<Path> latest = o.resume() ? latestCheckpoint(o.out()) : Optional.empty();
    if (latest.isPresent() || (o.resume() && Checkpoints.flat(o.out()))) {
      // A checkpoint is a model of its own; a run checkpointed by an earlier build kept its parameters in --out.
      ModelArtifact.Loaded loaded = ModelArtifact.load(latest.orElse(o.out()), o.device());
      manager = loaded.manager();
      network = loaded.network();
      trainer = new MaeTrainer(network, manager, settings);
      try {
        Checkpoints.Position at = latest.isPresent() ? Checkpoints.resume(latest.get(), trainer)
            : Checkpoints.resumeFlat(o.out(), trainer);
        if (latest.isPresent() && Checkpoints.mend(o.out(), latest.get())) {
          progress.println("the model in " + o.out() + " was left half written by a run stopped as it wrote it: "
              + "it is its last checkpoint's again");
        }
        startEpoch = at.epoch();
        startBatch = at.batch();
        priorMillis = at.elapsedMs();
      } catch (IOException e) {
        manager.close();
        throw new UncheckedIOException("cannot read checkpoint in " + o.out() + ": " + e.getMessage(), e);
      }
      progress.printf("resuming at epoch %d, batch %d (step %d)%n", startEpoch + 1, startBatch, trainer.steps());
    } else {
      if (o.resume()) {
        progress.println("no checkpoint in " + o.out() + "; starting from scratch");
      }
      manager = NDManager.newBaseManager(ModelArtifact.device(o.device()));
      network = new MemMcMae(c);
      // Initialisation is seeded through the engine's RNG: fix it so a fixed --seed reproduces.
      manager.getEngine().setRandomSeed((int) o.seed());
      network.initialize(manager, DataType.FLOAT32, network.inputShapes(1));
      trainer = new MaeTrainer(network, manager, settings);
    }

    Path logFile = o.out().resolve("training-log.csv");
    long started = System.nanoTime();
    int sideC = c.channels() * c.imageSize() * c.imageSize();
    float[] pixels = new float[o.batch() * sideC];
    double epochLoss = Double.NaN;
    long imagesSeen = 0;
    boolean interrupted = false;
    int epoch = startEpoch;
    int batchIndex = startBatch;
    try {
      if (!Files.exists(logFile)) {
        Files.writeString(logFile, "epoch,step,loss,lr,images_per_s,elapsed_s\n");
      }
      outer:
      for (; epoch < o.epochs(); epoch++) {
        int[] order = Masks.shuffled(train.size(), new SplittableRandom(mix(o.seed(), epoch, -1)));
        double lossSum = 0;
        int lossCount = 0;
        for (; batchIndex < batchesPerEpoch; batchIndex++) {
          if (stop.get()) {
            interrupted = true;
            break outer;
          }
          SplittableRandom rng = new SplittableRandom(mix(o.seed(), epoch, batchIndex));
          for (int i = 0; i < o.batch(); i++) {
            Pixels.toChw(Augment.apply(train.image(order[batchIndex * o.batch() + i]), c.imageSize(), o.cropMinArea(), rng),
                c.channels(), pixels, i * sideC);
            Augment.jitterColour(pixels, i * sideC, c.channels(), c.imageSize() * c.imageSize(), o.colourJitter(), rng);
          }
          float loss = trainer.step(pixels, o.batch(), trainer.masksFor(o.batch(), rng));
          if (!Float.isFinite(loss)) {
            throw new IllegalStateException("loss became " + loss + " at epoch " + (epoch + 1) + ", step "
                + trainer.steps() + "; lower --lr or check the data");
          }
          lossSum += loss;
          lossCount++;
          imagesSeen += o.batch();
          double secs = (System.nanoTime() - started) / 1e9;
          double rate = imagesSeen / Math.max(secs, 1e-9);
          long remainingImages = ((long) (o.epochs() - epoch) * batchesPerEpoch - batchIndex - 1) * o.batch();
          progress.printf(Locale.ROOT, "\repoch %d/%d %s loss %.5f  %.1f img/s  ETA %s   ", epoch + 1, o.epochs(),
              bar((batchIndex + 1) / (double) batchesPerEpoch), lossSum / lossCount, rate,
              clock(Duration.ofSeconds((long) (remainingImages / Math.max(rate, 1e-9)))));
        }
        epochLoss = lossSum / Math.max(1, lossCount);
        double secs = (System.nanoTime() - started) / 1e9;
        Files.writeString(logFile, String.format(Locale.ROOT, "%d,%d,%.6f,%.3e,%.2f,%.1f%n", epoch + 1, trainer.steps(),
            epochLoss, trainer.nextLr(), imagesSeen / Math.max(secs, 1e-9), (priorMillis / 1e3) + secs),
            StandardOpenOption.APPEND);
        batchIndex = 0;
        checkpoint(o, network, trainer, epoch + 1, 0, priorMillis + (System.nanoTime() - started) / 1_000_000,
            train, val, all);
      }
      progress.println();
      if (interrupted) {
        checkpoint(o, network, trainer, epoch, batchIndex, priorMillis + (System.nanoTime() - started) / 1_000_000,
            train, val, all);
        progress.printf("stopped: checkpoint at epoch %d, batch %d in %s; --resume continues%n", epoch + 1, batchIndex, o.out());
      }
      double secs = (System.nanoTime() - started) / 1e9;
      return new Result(epoch, trainer.steps(), epochLoss, imagesSeen / Math.max(secs, 1e-9),
          Duration.ofMillis(priorMillis + (long) (secs * 1000)), interrupted, train.size(), val.size(), all.skipped());
    } catch (IOException e) {
      boolean resumable = latestCheckpoint(o.out()).isPresent();
      throw new UncheckedIOException("cannot write to " + o.out() + ": " + e.getMessage()
          + (resumable ? " (--resume goes on from the last checkpoint written)" : ""), e);
    } finally {
      manager.close();
    }
  }

  private static void checkpoint(Options o, MemMcMae network, MaeTrainer trainer, int epoch, int batch, long elapsedMs,
      NormalImages train, NormalImages val, NormalImages all) throws IOException {
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("data", o.data().stream().map(Path::toString).toList());
    training.put("trainImages", train.size());
    training.put("validationImages", val.size());
    training.put("validationFraction", o.valFraction());
    training.put("skippedCorrupt", all.skipped().size());
    training.put("epochs", epoch);
    training.put("epochsPlanned", o.epochs());
    training.put("steps", trainer.steps());
    training.put("batch", o.batch());
    training.put("baseLr", o.baseLr());
    training.put("weightDecay", o.weightDecay());
    training.put("warmupEpochs", o.warmupEpochs());
    training.put("seed", o.seed());
    training.put("trainingSeconds", elapsedMs / 1000.0);
    training.put("command", o.command());
    String version = o.name() + "-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
    ModelManifest m = new ModelManifest(ModelArtifact.FORMAT, o.name(), version, o.config(),
        MaskSchedule.PAPER.toString(), "mean", null, null, null, training, null, null, null, null, null);
    Checkpoints.write(o.out(), network, m, trainer, new Checkpoints.Position(epoch, batch, trainer.steps(), elapsedMs));
    if (o.keepEvery() > 0 && batch == 0 && epoch % o.keepEvery() == 0) {
      keep(o.out(), epoch);
    }
  }

  private static Optional<Path> latestCheckpoint(Path out) {
    try {
      return Checkpoints.latest(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint in " + out + ": " + e.getMessage(), e);
    }
  }

  static final String EPOCHS = "epochs";

  /**
   * Copies the artifact as it stands after {@code epoch} into {@code epochs/eNNN/}, a model of its
   * own: the last epoch is not always the best detector (on kvasir-crops the validation AUC peaked
   * at a quarter of the run while the loss kept falling), and choosing an epoch needs every
   * candidate on disk to calibrate and evaluate on validation data.
   */
  static void keep(Path out, int epoch) throws IOException {
    Path dir = out.resolve(EPOCHS).resolve(String.format(Locale.ROOT, "e%03d", epoch));
    Files.createDirectories(dir);
    for (String f : List.of(ModelArtifact.MANIFEST, ModelArtifact.PARAMETERS, "validation-files.txt")) {
      Files.copy(out.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static long mix(long seed, int epoch, int batch) {
    long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + batch * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    return z ^ (z >>> 31);
  }

  private static String bar(double fraction) {
    int filled = (int) Math.round(fraction * 20);
    return "[" + "#".repeat(filled) + ".".repeat(20 - filled) + "]";
  }

  /** A duration as a progress line says it: {@code 4m05s}, or {@code 1h02m} from an hour on. */
  public static String clock(Duration d) {
    return d.toHours() > 0 ? String.format("%dh%02dm", d.toHours(), d.toMinutesPart())
        : String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart());
  }
}
