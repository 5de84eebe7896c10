package org.endowatch.score;

import java.awt.image.BufferedImage;
import org.endowatch.contract.Frame;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.ModelArtifact;
import org.endowatch.model.ModelManifest;

/** A loaded, calibrated model behind the {@link FrameScorer} interface: JPEG in, scores out. */
public final class ModelFrameScorer implements FrameScorer, AutoCloseable {
  private final ModelArtifact.Loaded model;
  private final AnomalyScorer scorer;
  private final ModelManifest manifest;

  public ModelFrameScorer(ModelArtifact.Loaded model, String scheduleOverride) {
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
    Outcome[] out = new Outcome[frames.size()];
    java.util.List<float[]> inputs = new java.util.ArrayList<>();
    java.util.List<Integer> at = new java.util.ArrayList<>();
    for (int i = 0; i < out.length; i++) {
      try {
        inputs.add(input(frames.get(i)));
        at.add(i);
      } catch (UnscorableFrameException e) {
        out[i] = new Outcome(null, e.getMessage());
      }
    }
    if (!inputs.isEmpty()) {
      java.util.List<Scored> scored = scoreBatch(inputs.toArray(float[][]::new));
      for (int j = 0; j < scored.size(); j++) {
        Scored s = scored.get(j);
        out[at.get(j)] = s != null ? new Outcome(s, null)
            : new Outcome(null, "model " + modelVersion() + " produced a non-finite score");
      }
    }
    return java.util.List.of(out);
  }

  /** Decodes and checks a frame, returning the model's [C,H,W] input; runs on the caller's thread. */
  public float[] input(Frame frame) {
    BufferedImage img = FrameImages.decode(frame);
    return Pixels.modelInput(img, scorer.config().imageSize(), scorer.config().channels());
  }

  /**
   * Scores several prepared inputs in one batch (all their masked copies in one forward pass); an
   * entry is null where the model produced a non-finite score.
   */
  public java.util.List<Scored> scoreBatch(float[][] inputs) {
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
    model.close();
  }
}
