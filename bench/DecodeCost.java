import java.awt.image.BufferedImage;
import java.nio.file.*;
import java.util.*;
import org.endowatch.contract.Frame;
import org.endowatch.ingest.*;
import org.endowatch.score.*;

/**
 * The live scorer's host-side input step per frame (JPEG decode + resize to the model's input, what
 * ModelFrameScorer.input does on the stream thread), on one core: is it what a GPU scorer's frames
 * spend outside the network? (docs/BENCHMARKS.md "On a GPU: the live pipeline").
 * Usage: java -cp target/endowatch.jar bench/DecodeCost.java
 */
public class DecodeCost {
  public static void main(String[] a) throws Exception {
    FramePreparer prep = new FramePreparer(256, 256, 0.9f);
    List<byte[]> jpegs = new ArrayList<>();
    ProcedureVideo.render(ProcedureVideo.synthetic(4, 1, 384, 256, 60, 13), 384, 256, 30, 13, "x", img -> jpegs.add(prep.prepare(img)));
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < jpegs.size(); i++) frames.add(new Frame("p", i, 0, 256, 256, Frame.JPEG, "s", jpegs.get(i)));
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      double sink = 0;
      for (Frame f : frames) {
        BufferedImage img = FrameImages.decode(f);
        float[] in = Pixels.modelInput(img, 128, 3);
        sink += in[0];
      }
      System.out.printf("round %d: %.3f ms per frame (decode + model input), %d frames, %.1f KB mean JPEG%n", round,
          (System.nanoTime() - t0) / 1e6 / frames.size(), frames.size(), jpegs.stream().mapToInt(b -> b.length).average().orElse(0) / 1024);
    }
  }
}
