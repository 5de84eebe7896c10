package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.endowatch.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticColonTest {
  private static int[] pixels(BufferedImage img) {
    return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
  }

  @Test
  void aFrameIsAFunctionOfSeedAndIndex() {
    SyntheticColon a = new SyntheticColon(128, 96, 7);
    SyntheticColon b = new SyntheticColon(128, 96, 7);
    assertThat(pixels(a.frame(3, true).image())).containsExactly(pixels(b.frame(3, true).image()));
    assertThat(pixels(a.frame(3, false).image())).isNotEqualTo(pixels(a.frame(4, false).image()));
    assertThat(pixels(a.frame(3, false).image())).isNotEqualTo(pixels(new SyntheticColon(128, 96, 8).frame(3, false).image()));
  }

  @Test
  void theBorderIsBlackAndTheLesionMaskLiesInsideTheFieldOfView() {
    SyntheticColon.Sample s = new SyntheticColon(128, 128, 1).frame(0, true);
    assertThat(s.image().getRGB(0, 0) & 0xFFFFFF).isZero();
    assertThat(s.image().getRGB(127, 127) & 0xFFFFFF).isZero();
    int lesionPixels = 0;
    for (int y = 0; y < 128; y++) {
      for (int x = 0; x < 128; x++) {
        boolean lesion = (s.mask().getRGB(x, y) & 0xFF) > 127;
        if (lesion) {
          lesionPixels++;
          assertThat(Math.hypot(x + 0.5 - 64, y + 0.5 - 64)).isLessThan(0.56 * 128 + 1);
        }
      }
    }
    assertThat(lesionPixels).isGreaterThan(100);
    assertThat(new SyntheticColon(128, 128, 1).frame(0, false).mask()).isNull();
  }

  @Test
  void synthFramesWritesTheEvalLayout(@TempDir Path dir) throws Exception {
    var r = Cli.run("synth", "frames", "--out", dir.toString(), "--count", "8", "--size", "64", "--seed", "2");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().strip()).isEqualTo("wrote 8 normal and 2 anomalous frames (+ masks) to " + dir);
    try (var n = Files.list(dir.resolve("normal")); var a = Files.list(dir.resolve("anomalous")); var m = Files.list(dir.resolve("masks"))) {
      assertThat(n.count()).isEqualTo(8);
      assertThat(a.map(p -> p.getFileName().toString()).sorted()).containsExactly("a00000.png", "a00001.png");
      assertThat(m.count()).isEqualTo(2);
    }
    assertThat(ImageIO.read(dir.resolve("normal/n00000.png").toFile()).getWidth()).isEqualTo(64);
    // A second run into the same folder would leave frames of both: refused, the first run's untouched.
    var again = Cli.run("synth", "frames", "--out", dir.toString(), "--count", "4", "--size", "64", "--seed", "3");
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err().strip()).isEqualTo("endowatch synth frames: error: " + dir.resolve("normal")
        + " already holds files: name a new --out folder (frames of two runs would mix)");
    try (var n = Files.list(dir.resolve("normal"))) {
      assertThat(n.count()).isEqualTo(8);
    }
  }
}
