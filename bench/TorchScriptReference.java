import static org.endowatch.score.ModelBench.forwardCopies;
import static org.endowatch.score.ModelBench.median;
import static org.endowatch.score.ModelBench.time;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.endowatch.model.Masks;
import org.endowatch.model.MaskSchedule;
import org.endowatch.model.MemMcMae;
import org.endowatch.model.MemMcMaeConfig;

/**
 * endowatch's network against the PyTorch reference of the same architecture, both on DJL's libtorch
 * 2.7.1 in one JVM: the reference traced to TorchScript by {@code bench/trace_reference.py} (so PyTorch's
 * own module code and graph executor, without Python's per-op overhead), endowatch's {@code MemMcMae}
 * as DJL runs it. Same input shapes, masks and thread count; rounds alternate the two so a drifting VM
 * hits both alike. Network forward only, random weights (speed, not accuracy), from host pixels to
 * host predictions, as {@code bench model}'s "forward" column.
 *
 * <p>Run: {@code java -Dai.djl.offline=true -cp target/endowatch.jar bench/TorchScriptReference.java TS_DIR [rounds]}
 * after {@code python3 bench/trace_reference.py TS_DIR micro 4,16,10,40}.
 */
public final class TorchScriptReference {
  public static void main(String[] args) throws Exception {
    // As `endowatch` itself runs: MKL's vector kernels on AMD (ENDOWATCH_MKL_AMD=stock for the stock path).
    System.err.println(org.endowatch.model.MklVendorCheck.bypassOnAmd(System.getenv()).description());
    Path dir = Path.of(args[0]);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    MemMcMaeConfig c = MemMcMaeConfig.preset("micro");
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      JniUtils.setGradMode(false);
      System.out.printf("operator threads: %d%n", JniUtils.getNumThreads());
      MemMcMae net = new MemMcMae(c);
      net.initialize(manager, DataType.FLOAT32, net.inputShapes(1));
      // Pass 0 warms the JVM's JIT on endowatch's side (the reference runs in native code from its first
      // call; a first try saw endowatch's rounds fall from 51 to 28 ms over the first configuration).
      for (int pass = 0; pass < 2; pass++) {
        for (String[] run : new String[][] {{"complementary-4", "1"}, {"complementary-4", "4"}, {"random-10", "1"},
            {"random-10", "4"}}) {
          MaskSchedule schedule = MaskSchedule.parse(run[0]);
          int frames = Integer.parseInt(run[1]);
          int n = frames * schedule.passes();
          Masks masks = schedule.masks(c).repeat(frames);
          float[] pixels = new float[n * c.channels() * c.imageSize() * c.imageSize()];
          SplittableRandom r = new SplittableRandom(7);
          for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextDouble();
          }
          try (Model ref = Model.newInstance("ref", Device.cpu(), "PyTorch")) {
            ref.load(dir, "ref-micro-n" + n);
            Block refBlock = ref.getBlock();
            double[] ours = new double[rounds];
            double[] theirs = new double[rounds];
            for (int round = 0; round < rounds; round++) {
              ours[round] = median(time(() -> forwardCopies(net, manager, c, masks, pixels, n), 10));
              theirs[round] = median(time(() -> forwardCopies(refBlock, manager, c, masks, pixels, n), 10));
            }
            double o = median(ours) / frames;
            double t = median(theirs) / frames;
            System.out.printf((pass == 0 ? "warm-up: " : "") + "%s batch %d (%d copies): endowatch %.1f ms/frame, reference (TorchScript) %.1f ms/frame, "
                + "reference / endowatch %.2f; rounds endowatch %s, reference %s%n", run[0], frames, n, o, t, t / o,
                Arrays.toString(round1(ours, frames)), Arrays.toString(round1(theirs, frames)));
          }
        }
      }
    }
  }


  static double[] round1(double[] v, int frames) {
    return Arrays.stream(v).map(x -> Math.round(x / frames * 10) / 10.0).toArray();
  }
}
