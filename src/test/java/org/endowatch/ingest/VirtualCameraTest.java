package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtualCameraTest {
  @Test
  void theSameSeedFilmsTheSameProcedure() {
    VirtualCamera a = ProcedureVideo.synthetic(3, 1, 96, 64, 10, 5);
    VirtualCamera b = ProcedureVideo.synthetic(3, 1, 96, 64, 10, 5);

    assertThat(a.frameCount()).isEqualTo(30);
    for (int i : new int[] {0, 9, 17, 29}) {
      assertThat(pixels(a.frame(i).image())).isEqualTo(pixels(b.frame(i).image()));
    }
  }

  @Test
  void theMaskMovesWithTheCameraAndOnlyTheLesionSegmentHasOne() {
    // Still 1 is white with a lesion everywhere; stills 0 and 2 have none.
    VirtualCamera cam = new VirtualCamera(k -> {
      BufferedImage img = solid(200, 200, Color.GRAY);
      return new VirtualCamera.Still(img, k == 1 ? solid(200, 200, Color.WHITE) : null);
    }, 3, 64, 64, 10, 2, 1);

    assertThat(cam.frame(0).mask()).isNull();
    assertThat(cam.frame(7).lesionFraction()).isZero();      // before the cross-fade
    assertThat(cam.frame(8).lesionFraction()).isPositive();  // fading in at weight 1/3 >= 1/4: in view
    // Inside the field of view everything is lesion; outside it the mask is black like the frame.
    double fov = Math.PI * Math.pow(0.56 * 64, 2) - 4 * segmentOutside(0.56 * 64, 32);
    assertThat(cam.frame(12).lesionFraction()).isCloseTo(fov / (64 * 64), org.assertj.core.api.Assertions.within(0.02));
    assertThat(cam.frame(25).mask()).isNull();
  }

  @Test
  void aSyntheticProcedureVideoDecodesToItsFramesAndGroundTruth(@TempDir Path dir) throws Exception {
    Path video = dir.resolve("p.mp4");
    VirtualCamera cam = ProcedureVideo.synthetic(4, 1, 128, 96, 10, 2);

    GroundTruth truth = ProcedureVideo.write(cam, 128, 96, 25, 2, video, n -> {});

    // Lesion in segment 1 + (0.5 * 3 / 1) = 2: frames 20..29, plus the 2 fade frames of segment 1
    // (weights 1/3, 2/3), and to the end of its own fade (it keeps >= 1/4 of the picture).
    assertThat(truth.frames()).isEqualTo(40);
    assertThat(truth.anomalyIntervals()).containsExactly(new GroundTruth.Interval(18, 29));
    assertThat(GroundTruth.read(GroundTruth.pathFor(video))).isEqualTo(truth);
    int decoded = 0;
    try (FrameSource s = Sources.open(video.toString(), Sources.Options.DEFAULT, ms -> {})) {
      while (s.next() != null) {
        decoded++;
      }
    }
    assertThat(decoded).isEqualTo(40);
  }

  @Test
  void aRenderedProcedureIsTheFilmedOneWithoutTheCodec(@TempDir Path dir) throws Exception {
    Path video = dir.resolve("p.mp4");
    GroundTruth filmed = ProcedureVideo.write(ProcedureVideo.synthetic(4, 1, 128, 96, 10, 2), 128, 96, 25, 2, video, n -> {});
    java.util.List<BufferedImage> rendered = new java.util.ArrayList<>();

    GroundTruth truth = ProcedureVideo.render(ProcedureVideo.synthetic(4, 1, 128, 96, 10, 2), 128, 96, 25, 2, "p.mp4",
        rendered::add);

    assertThat(truth).isEqualTo(filmed);
    assertThat(rendered).hasSize(40);
    // Frame by frame what the video decodes to, but for the codec's loss: far closer to its own
    // rendered picture than to the next scene's.
    try (FrameSource s = Sources.open(video.toString(), Sources.Options.DEFAULT, ms -> {})) {
      for (int i = 0; i < 40; i++) {
        BufferedImage decoded = s.next().image();
        double own = meanAbsDiff(decoded, rendered.get(i));
        double other = meanAbsDiff(decoded, rendered.get((i + 10) % 40));
        assertThat(own).as("frame %d", i).isLessThan(3.0);      // measured 1.95-2.37 levels of 255
        assertThat(other).as("frame %d", i).isGreaterThan(10);  // measured 11.3-29.5
      }
    }
  }

  private static double meanAbsDiff(BufferedImage a, BufferedImage b) {
    long sum = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          sum += Math.abs((p >> shift & 0xff) - (q >> shift & 0xff));
        }
      }
    }
    return sum / (3.0 * a.getWidth() * a.getHeight());
  }

  @Test
  void realStillsAlternateWithNormalOnesAndKeepTheirMasks(@TempDir Path dir) throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("polyps"));
    java.nio.file.Files.createDirectories(dir.resolve("masks"));
    java.nio.file.Files.createDirectories(dir.resolve("normal"));
    for (String n : new String[] {"a", "b"}) {
      javax.imageio.ImageIO.write(solid(200, 160, Color.PINK), "png", dir.resolve("polyps/" + n + ".png").toFile());
      javax.imageio.ImageIO.write(solid(200, 160, Color.WHITE), "png", dir.resolve("masks/" + n + ".png").toFile());
    }
    javax.imageio.ImageIO.write(solid(200, 160, Color.RED), "jpg", dir.resolve("normal/n.jpg").toFile());

    VirtualCamera cam = ProcedureVideo.fromImages(dir.resolve("polyps"), dir.resolve("masks"), dir.resolve("normal"), 10,
        64, 48, 10, 1);

    // normal, a, normal, b: lesions in segments 1 and 3 only.
    assertThat(cam.frameCount()).isEqualTo(40);
    assertThat(cam.frame(2).mask()).isNull();
    assertThat(cam.frame(12).lesionFraction()).isPositive();
    assertThat(cam.frame(22).mask()).isNull();
    assertThat(cam.frame(32).lesionFraction()).isPositive();

    // A still without its mask is said before filming, not filmed as one without a lesion.
    java.nio.file.Files.delete(dir.resolve("masks/b.png"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProcedureVideo.fromImages(dir.resolve("polyps"),
        dir.resolve("masks"), dir.resolve("normal"), 10, 64, 48, 10, 1)).isInstanceOf(IngestException.class)
        .hasMessage("no mask for b.png in " + dir.resolve("masks") + " (a file of the same name, .png, .jpg, .jpeg or .bmp): "
            + "give the masks folder of these images, or leave out --masks");
  }

  private static double segmentOutside(double r, double half) {
    // Area of a circle of radius r beyond a chord at distance half from the centre.
    if (r <= half) {
      return 0;
    }
    double theta = 2 * Math.acos(half / r);
    return 0.5 * r * r * (theta - Math.sin(theta));
  }

  private static BufferedImage solid(int w, int h, Color c) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setColor(c);
    g.fillRect(0, 0, w, h);
    g.dispose();
    return img;
  }

  private static int[] pixels(BufferedImage img) {
    return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
  }
}
