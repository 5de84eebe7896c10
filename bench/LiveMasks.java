import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.endowatch.ingest.FramePreparer;
import org.endowatch.ingest.FrameSource;
import org.endowatch.ingest.ProcedureVideo;
import org.endowatch.ingest.Sources;
import org.endowatch.ingest.VirtualCamera;

/**
 * Live frames with lesion masks, for measuring where the heatmap points on what the scorer sees:
 * generated procedures as `bench pipeline` makes them (384 x 256 at 30 fps, a 2 s segment per
 * scene, one lesion in three scenes), written to H.264, decoded and prepared as ingest prepares them
 * (field of view, 256 x 256, JPEG 0.9). Each frame's lesion mask is the virtual camera's for that
 * frame, cropped and resized with the same field of view. The `synth frames` stills have masks too,
 * but no camera, codec or field-of-view crop: the demo model scores them far above its live frames
 * (two thirds of their normal stills over its threshold), so they are not the live domain.
 *
 * <p>Output, the eval layout: OUT/normal (every 10th frame of a lesion-free scene), OUT/anomalous and
 * OUT/masks (every 3rd frame in which the lesion covers at least 1 % of the view), named
 * {@code sSEED-NNNNNN}; frames as the JPEG bytes ingest would send, masks as PNG.
 *
 * <p>Run: {@code java -Dai.djl.offline=true -cp target/endowatch.jar bench/LiveMasks.java OUT SECONDS SEED [SEED...]}
 */
public class LiveMasks {
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: LiveMasks OUT SECONDS SEED [SEED...]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    int seconds = Integer.parseInt(args[1]);
    for (String d : new String[] {"normal", "anomalous", "masks"}) {
      Files.createDirectories(out.resolve(d));
    }
    double fps = 30;
    int segment = (int) Math.round(2 * fps);
    int normal = 0;
    int anomalous = 0;
    for (int a = 2; a < args.length; a++) {
      long seed = Long.parseLong(args[a]);
      int segments = Math.max(2, seconds / 2);
      int lesions = Math.max(1, seconds / 6);
      Path video = Files.createTempFile("livemasks-", ".mp4");
      ProcedureVideo.write(ProcedureVideo.synthetic(segments, lesions, 384, 256, segment, seed), 384, 256, fps, seed, video,
          n -> {});
      VirtualCamera camera = ProcedureVideo.synthetic(segments, lesions, 384, 256, segment, seed);   // the same, for masks
      FramePreparer preparer = new FramePreparer(256, 256, 0.9f);
      java.util.Map<Integer, Boolean> lesionScenes = new java.util.HashMap<>();
      int index = 0;
      try (FrameSource s = Sources.open(video.toString(), Sources.Options.DEFAULT, ms -> {})) {
        FrameSource.Picture p;
        while ((p = s.next()) != null) {
          BufferedImage prepared = preparer.resize(p.image());
          VirtualCamera.Shot shot = camera.frame(index);
          String name = String.format("s%d-%06d", seed, index);
          int scene = index / segment;
          if (shot.lesionFraction() >= 0.01 && index % 3 == 0) {
            Files.write(out.resolve("anomalous/" + name + ".jpg"), preparer.encode(prepared));
            ImageIO.write(crop(shot.mask(), preparer.fieldOfView()), "png", out.resolve("masks/" + name + ".png").toFile());
            anomalous++;
          } else if (shot.mask() == null && index % 10 == 0 && !lesionScenes.computeIfAbsent(scene, k -> lesionScene(camera, k, segment))) {
            Files.write(out.resolve("normal/" + name + ".jpg"), preparer.encode(prepared));
            normal++;
          }
          index++;
        }
      } finally {
        Files.deleteIfExists(video);
        Files.deleteIfExists(Path.of(video + ".truth.json"));
      }
      if (index != camera.frameCount()) {
        throw new IllegalStateException("decoded " + index + " frames of seed " + seed + ", filmed " + camera.frameCount()
            + ": masks would not line up");
      }
      System.out.printf("seed %d: %d frames%n", seed, index);
    }
    System.out.printf("wrote %d normal and %d anomalous frames (+ masks) to %s%n", normal, anomalous, out);
  }

  /** Whether any frame of scene {@code k} shows a lesion (a normal frame must not be one a lesion fades into). */
  static boolean lesionScene(VirtualCamera camera, int k, int segment) {
    for (int i = k * segment; i < (k + 1) * segment; i += 5) {
      if (camera.frame(i).mask() != null) {
        return true;
      }
    }
    return false;
  }

  /** The mask cropped to the field of view ingest found and resized as the frame was (nearest neighbour keeps it binary). */
  static BufferedImage crop(BufferedImage mask, Rectangle view) {
    Rectangle r = view != null ? view : new Rectangle(0, 0, mask.getWidth(), mask.getHeight());
    BufferedImage m = new BufferedImage(256, 256, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = m.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    g.drawImage(mask, 0, 0, 256, 256, r.x, r.y, r.x + r.width, r.y + r.height, null);
    g.dispose();
    return m;
  }
}
