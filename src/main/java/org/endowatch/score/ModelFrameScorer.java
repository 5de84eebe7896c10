package org.endowatch.score;

import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.endowatch.contract.Frame;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;

/** A loaded, calibrated model behind the {@link FrameScorer} interface: JPEG in, scores out. */
public final class ModelFrameScorer implements FrameScorer, BatchModel, AutoCloseable {
  private final ModelArtifact.Loaded model;
  private final AnomalyScorer scorer;
  private final ModelManifest manifest;
  private final int frameWorkers;
  /** Scores the other parts of a split batch; null with one frame worker. */
  private final ExecutorService workers;

  /** Scores every batch in one forward pass on the caller's thread. */
  public ModelFrameScorer(ModelArtifact.Loaded model, String scheduleOverride) {
    this(model, scheduleOverride, 1);
  }

  /**
   * @param frameWorkers threads that score the frames of one batch side by side: a batch of several
   *     frames (a stream's backlog) is split into up to this many parts, one forward pass each. On a
   *     CPU with one thread per operator ({@link ScoringThreads}) one pass keeps one core busy, and
   *     small operators gain little from more threads: on 2 cores two frames scored side by side
   *     took 43 ms for both against 30 for one alone (docs/BENCHMARKS.md, "A backlog's frames side
   *     by side"). 1 keeps every batch in one pass (right for a GPU, which runs one pass at a time).
   */
  public ModelFrameScorer(ModelArtifact.Loaded model, String scheduleOverride, int frameWorkers) {
    if (frameWorkers < 1) {
      throw new IllegalArgumentException("frame workers must be >= 1, got " + frameWorkers);
    }
    this.frameWorkers = frameWorkers;
    this.model = model;
    this.manifest = model.manifest();
    if (!manifest.calibrated()) {
      throw new ModelArtifact.ModelException("model " + manifest.version()
          + " is not calibrated: run 'endowatch calibrate' before scoring (the threshold is part of the model)");
    }
    if (scheduleOverride != null && !scheduleOverride.equals(manifest.maskSchedule())) {
      // Scores of different schedules have different distributions: a threshold calibrated for
      // one would raise false alarms or miss lesions with the other (seen: no alert at all).
      throw new ModelArtifact.ModelException("model " + manifest.version() + " is calibrated for mask schedule "
          + manifest.maskSchedule() + ", not " + scheduleOverride + ": run 'endowatch calibrate --mask-schedule "
          + scheduleOverride + "' on a copy of the model first");
    }
    String schedule = manifest.maskSchedule();
    this.scorer = new AnomalyScorer(model.network(), model.manager(), MaskSchedule.parse(schedule), manifest.imagePooling(),
        manifest.mapHalvingsOrZero());
    this.workers = frameWorkers == 1 ? null : Executors.newFixedThreadPool(frameWorkers - 1, r -> {
      Thread t = new Thread(r, "frame-worker-" + manifest.version());
      t.setDaemon(true);
      return t;
    });
  }

  /** Threads that score the frames of one batch side by side (see the constructor). */
  public int frameWorkers() {
    return frameWorkers;
  }

  @Override
  public Scored score(Frame frame) {
    Scored s = scoreBatch(new float[][] {input(frame)}).get(0);
    if (s == null) {
      throw new UnscorableFrameException("model " + modelVersion() + " produced a non-finite score");
    }
    return s;
  }

  @Override
  public java.util.List<Outcome> scoreAll(java.util.List<Frame> frames) {
    return scoreTogether(frames);
  }

  /** Patches per side of the frame's patch scores. */
  public int gridSize() {
    return scorer.config().gridSize();
  }

  /** Decodes and checks a frame, returning the model's [C,H,W] input; runs on the caller's thread. */
  @Override
  public float[] input(Frame frame) {
    BufferedImage img = FrameImages.decode(frame);
    return Pixels.modelInput(img, scorer.config().imageSize(), scorer.config().channels());
  }

  /**
   * Scores several prepared inputs in one batch (all their masked copies in one forward pass); an
   * entry is null where the model produced a non-finite score.
   */
  @Override
  public java.util.List<Scored> scoreBatch(float[][] inputs) {
    int parts = Math.min(frameWorkers, inputs.length);
    if (parts == 1) {
      return scorePart(inputs);
    }
    // The caller scores the first part itself and waits for the workers' parts, in order.
    int per = (inputs.length + parts - 1) / parts;
    java.util.List<Future<java.util.List<Scored>>> others = new java.util.ArrayList<>();
    for (int start = per; start < inputs.length; start += per) {
      float[][] part = Arrays.copyOfRange(inputs, start, Math.min(inputs.length, start + per));
      others.add(workers.submit(() -> scorePart(part)));
    }
    java.util.List<Scored> out = new java.util.ArrayList<>(scorePart(Arrays.copyOfRange(inputs, 0, per)));
    for (Future<java.util.List<Scored>> f : others) {
      out.addAll(await(f, "a frame worker scored part of a batch"));
    }
    return out;
  }

  /** The future's value; its failure rethrown as it was (unchecked), an interrupt kept and reported. */
  static <T> T await(Future<T> f, String what) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + what, e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  private java.util.List<Scored> scorePart(float[][] inputs) {
    int chw = inputs[0].length;
    float[] pixels = new float[inputs.length * chw];
    for (int i = 0; i < inputs.length; i++) {
      System.arraycopy(inputs[i], 0, pixels, i * chw, chw);
    }
    java.util.List<Scored> out = new java.util.ArrayList<>(inputs.length);
    for (AnomalyScorer.Result r : scorer.score(pixels, inputs.length, false)) {
      // A NaN from a broken model must not become an alert decision.
      out.add(Double.isFinite(r.imageScore()) ? new Scored(r.imageScore(), r.patchScores(), r.gridSize()) : null);
    }
    return out;
  }

  /** What the serving network computes in (fp32, or fp16 with `score --precision fp16`). */
  public DataType inferenceType() {
    return model.network().inferenceType();
  }

  public String modelName() {
    return manifest.name();
  }

  @Override
  public String modelVersion() {
    return manifest.version();
  }

  @Override
  public double imageThreshold() {
    return manifest.imageThreshold();
  }

  @Override
  public float patchThreshold() {
    return manifest.patchThreshold().floatValue();
  }

  @Override
  public void close() {
    if (workers != null) {
      workers.shutdownNow();
    }
    model.close();
  }
}
