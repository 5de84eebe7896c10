import static org.endowatch.score.ModelBench.forwardCopies;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.SplittableRandom;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.Masks;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;

/**
 * Which libtorch operators endowatch's network forward issues, and how long each takes: warms up,
 * times forwards without the profiler and one bare operator call, then records a few under libtorch's own profiler (DJL's
 * {@code JniUtils.startProfile}) into a Chrome-trace JSON that {@code bench/profile_ops.py} sums
 * per operator. Random weights: speed only.
 *
 * <p>Run: {@code java -Dai.djl.offline=true -cp target/endowatch.jar bench/NetworkProfile.java PRESET SCHEDULE FRAMES TRACE.json}
 * then {@code python3 bench/profile_ops.py TRACE.json 20}.
 */
public final class NetworkProfile {
  static final int PROFILED = 20;

  public static void main(String[] args) {
    // As `endowatch` itself runs: MKL's vector kernels on AMD (ENDOWATCH_MKL_AMD=stock for the stock path).
    System.err.println(org.endowatch.model.MklVendorCheck.bypassOnAmd(System.getenv()).description());
    MemMcMaeConfig c = MemMcMaeConfig.preset(args[0]);
    MaskSchedule schedule = MaskSchedule.parse(args[1]);
    int frames = Integer.parseInt(args[2]);
    int n = frames * schedule.passes();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      JniUtils.setGradMode(false);
      MemMcMae net = new MemMcMae(c);
      net.initialize(manager, DataType.FLOAT32, net.inputShapes(1));
      Masks masks = schedule.masks(c).repeat(frames);
      float[] pixels = new float[n * c.channels() * c.imageSize() * c.imageSize()];
      SplittableRandom r = new SplittableRandom(7);
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) r.nextDouble();
      }
      for (int i = 0; i < 200; i++) {   // the JVM's JIT first: the early forwards run twice as long
        forwardCopies(net, manager, c, masks, pixels, n);
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < 100; i++) {
        forwardCopies(net, manager, c, masks, pixels, n);
      }
      System.out.printf("%s %s, %d frame(s): %.2f ms per forward without the profiler (mean of 100, %d operator threads)%n",
          args[0], schedule, frames, (System.nanoTime() - t0) / 100e6, JniUtils.getNumThreads());
      // What one operator call costs on its own: a reshape is a view (no arithmetic), so this is DJL's
      // Java side, JNI and libtorch's dispatcher.
      NDArray small = manager.ones(new Shape(4, 4));
      t0 = System.nanoTime();
      for (int i = 0; i < 2000; i++) {
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          NDArray x = small;
          for (int j = 0; j < 100; j++) {
            x = x.reshape(16).reshape(4, 4);
          }
        }
      }
      System.out.printf("one operator call (a reshape, inside an NDScope): %.2f us%n", (System.nanoTime() - t0) / 1e3 / 400_000);
      JniUtils.startProfile(false, true, false); // record shapes: profile_ops.py rates each product
      for (int i = 0; i < PROFILED; i++) {
        forwardCopies(net, manager, c, masks, pixels, n);
      }
      JniUtils.stopProfile(args[3]);
      System.out.printf("%d profiled forwards in %s%n", PROFILED, args[3]);
    }
  }

}
