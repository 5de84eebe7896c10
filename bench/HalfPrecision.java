import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;

/**
 * Would half precision speed the network up on this CPU? Matrix products of the sizes the micro
 * network multiplies (tokens x width x width), and a large one, in float32 and a half type, through
 * DJL's PyTorch engine as the network runs them (one operator thread with
 * {@code -Dai.djl.pytorch.num_threads=1}, as the live scorer). The CPU here has avx512_bf16, so
 * bfloat16 would be the candidate; DJL 0.36's JNI maps no bfloat16 (its dtype switch ends in a bare
 * {@code throw;}), so {@code bf16} aborts the JVM ("terminate called without an active exception"):
 * the argument is there to show that, not to measure.
 *
 * <p>Run: {@code java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -cp target/endowatch.jar
 * bench/HalfPrecision.java [fp16|bf16]}
 */
public final class HalfPrecision {
  public static void main(String[] args) {
    // As `endowatch` itself runs: MKL's vector kernels on AMD (ENDOWATCH_MKL_AMD=stock for the stock path).
    System.err.println(org.endowatch.model.MklVendorCheck.bypassOnAmd(System.getenv()).description());
    DataType half = args.length > 0 && args[0].equals("bf16") ? DataType.BFLOAT16 : DataType.FLOAT16;
    int[][] shapes = {{1024, 1024, 1024}, {256, 128, 512}, {256, 512, 128}, {64, 128, 384}, {1024, 128, 128}};
    try (NDManager m = NDManager.newBaseManager()) {
      for (DataType type : new DataType[] {DataType.FLOAT32, half}) {
        for (int[] s : shapes) {
          NDArray a = m.randomNormal(new Shape(s[0], s[1])).toType(type, false);
          NDArray b = m.randomNormal(new Shape(s[1], s[2])).toType(type, false);
          int repeats = s[0] * s[1] * (long) s[2] > 100_000_000L ? 5 : 100;
          for (int i = 0; i < 3; i++) {
            a.matMul(b).close();
          }
          long t0 = System.nanoTime();
          for (int i = 0; i < repeats; i++) {
            a.matMul(b).close();
          }
          double seconds = (System.nanoTime() - t0) / 1e9 / repeats;
          System.out.printf(Locale.ROOT, "%-8s %4d x %4d x %4d  %8.1f us  %6.1f GFLOP/s%n", type, s[0], s[1], s[2],
              seconds * 1e6, 2.0 * s[0] * s[1] * s[2] / seconds / 1e9);
        }
      }
    }
  }
}
