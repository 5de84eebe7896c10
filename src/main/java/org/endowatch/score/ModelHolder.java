package org.endowatch.score;

import ai.djl.ndarray.types.DataType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.endowatch.contract.Frame;
import org.endowatch.contract.ModelRelease;
import org.endowatch.model.ModelArtifact;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model the scorer uses now, swappable while it runs. A release is loaded and verified
 * completely (artifact checksum, the release's checksum, calibration, a finite score on a test
 * frame) before it replaces the current model; anything wrong leaves the current model serving.
 * The old model is closed after a grace period, so a frame being scored with it finishes.
 */
public final class ModelHolder implements Supplier<FrameScorer>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelHolder.class);
  static final long GRACE_SECONDS = 30;

  private final AtomicReference<ModelFrameScorer> current;
  private final String device;
  private final String scheduleOverride;
  private final DataType precisionOverride;
  private final Loader loader;
  private final ScheduledExecutorService closer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "model-closer");
    t.setDaemon(true);
    return t;
  });

  /** What happened to an offered release: {@code result} is {@link #SWITCHED}, {@link #REFUSED} or {@link #ALREADY_SERVING}. */
  public record Outcome(String result, String message) {
    public boolean swapped() {
      return SWITCHED.equals(result);
    }
  }

  public static final String SWITCHED = "switched";
  public static final String REFUSED = "refused";
  public static final String ALREADY_SERVING = "already_serving";

  /** Every offer's result, and which version serves (one row: name and version, value 1); null until {@link #meter}. */
  private MeterRegistry meters;
  private MultiGauge serving;

  public ModelHolder(ModelFrameScorer initial, String device, String scheduleOverride) {
    this(initial, device, scheduleOverride, null);
  }

  /** @param precisionOverride what releases compute in; null: each its calibrated precision */
  public ModelHolder(ModelFrameScorer initial, String device, String scheduleOverride, DataType precisionOverride) {
    this(initial, device, scheduleOverride, precisionOverride, ModelArtifact::load);
  }

  ModelHolder(ModelFrameScorer initial, String device, String scheduleOverride, DataType precisionOverride, Loader loader) {
    this.current = new AtomicReference<>(initial);
    this.device = device;
    this.scheduleOverride = scheduleOverride;
    this.precisionOverride = precisionOverride;
    this.loader = loader;
  }

  /** How a release's artifact is read: {@link ModelArtifact#load}, or a test's stand-in that fails as a load can. */
  interface Loader {
    ModelArtifact.Loaded load(Path dir, String device, DataType precisionOverride);
  }

  /**
   * Reports on {@code registry}: {@code endowatch_model_serving{name,version}} (1 for the version
   * this scorer serves now) and {@code endowatch_model_releases_total{result}}, so an operator sees
   * which scorers took a published release and which refused it (a refusal is otherwise only a line
   * in that scorer's log, on whichever node it runs).
   */
  public synchronized ModelHolder meter(MeterRegistry registry) {
    serving = MultiGauge.builder("endowatch.model.serving")
        .description("1 for the model version this scorer serves now").register(registry);
    meters = registry;
    showServing();
    for (String r : List.of(SWITCHED, REFUSED, ALREADY_SERVING)) {
      releases(r);   // present at 0 from the start, so increase() sees the first one
    }
    return this;
  }

  private Counter releases(String result) {
    return Counter.builder("endowatch.model.releases").tag("result", result)
        .description("releases offered on the models topic, by what this scorer did with them").register(meters);
  }

  private void showServing() {
    ModelFrameScorer now = current.get();
    serving.register(List.of(MultiGauge.Row.of(Tags.of("name", now.modelName(), "version", now.modelVersion()), 1)), true);
  }

  private Outcome outcome(String result, String message) {
    if (meters != null) {
      releases(result).increment();
      showServing();
    }
    return new Outcome(result, message);
  }

  /** The name releases must carry to be considered (the serving model's name). */
  public String modelName() {
    return current.get().modelName();
  }

  @Override
  public FrameScorer get() {
    return current.get();
  }

  /** The serving model itself (for the batcher, which needs its batch interface). */
  public ModelFrameScorer current() {
    return current.get();
  }

  /** Loads, verifies and (if all is well) switches to the release. */
  public synchronized Outcome offer(ModelRelease release) {
    ModelFrameScorer now = current.get();
    if (release.version().equals(now.modelVersion())) {
      return outcome(ALREADY_SERVING, "model " + release.version() + " is already serving");
    }
    ModelFrameScorer next;
    try {
      Path dir = Path.of(release.uri().startsWith("file:") ? java.net.URI.create(release.uri()).getPath() : release.uri());
      if (!java.nio.file.Files.isDirectory(dir)) {
        // The usual cause on a cluster: the folder was published as the publishing machine sees it.
        return refuse(release, "its folder " + dir + " is not there on this scorer's machine (a release must name "
            + "a folder every scorer reads, as they see it: shared storage, 'models publish --uri')");
      }
      ModelArtifact.Loaded loaded = loader.load(dir, device, precisionOverride);
      if (!loaded.manifest().parametersSha256().equals(release.sha256())) {
        loaded.close();
        return refuse(release, "its parameters' sha256 " + loaded.manifest().parametersSha256()
            + " differs from the release's " + release.sha256());
      }
      if (!loaded.manifest().version().equals(release.version())) {
        loaded.close();
        return refuse(release, "the artifact at " + dir + " is version " + loaded.manifest().version());
      }
      try {
        next = new ModelFrameScorer(loaded, scheduleOverride, now.frameWorkers());
      } catch (RuntimeException | Error e) {
        loaded.close();
        throw e;
      }
      try {
        // A model that cannot score a plain frame (a diverged training's NaN weights) throws here.
        next.score(probeFrame());
      } catch (RuntimeException | Error e) {
        next.close();
        throw e;
      }
    } catch (RuntimeException e) {
      return refuse(release, e.getMessage());
    } catch (Error e) {
      // Loading a second model beside the serving one is where memory runs out (an OutOfMemoryError
      // from the heap or a native allocation). It refuses that release like any other fault: thrown
      // on, it ended the release watcher's thread, and the scorer silently took no release again.
      return refuse(release, e.getClass().getSimpleName() + " while loading it" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
    }
    ModelFrameScorer old = current.getAndSet(next);
    closer.schedule(old::close, GRACE_SECONDS, TimeUnit.SECONDS);
    LOG.info("switched model {} -> {}", old.modelVersion(), next.modelVersion());
    return outcome(SWITCHED, "switched from " + old.modelVersion() + " to " + next.modelVersion());
  }

  private Outcome refuse(ModelRelease release, String why) {
    String message = "refused model " + release.version() + ": " + why + "; still serving " + current.get().modelVersion();
    LOG.error(message);
    return outcome(REFUSED, message);
  }

  /** A mid-grey 64 x 64 JPEG: enough to prove the network runs and gives a finite score. */
  private static Frame probeFrame() {
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = img.createGraphics();
    g.setColor(new java.awt.Color(128, 128, 128));
    g.fillRect(0, 0, 64, 64);
    g.dispose();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      javax.imageio.ImageIO.write(img, "jpg", out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new Frame("model-probe", 0, 0, 64, 64, Frame.JPEG, "probe", out.toByteArray());
  }

  @Override
  public void close() {
    closer.shutdownNow();
    current.get().close();
  }
}
