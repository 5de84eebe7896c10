package org.endowatch.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AnnotatedExportTest {
  @Test
  void aRejectedFrameSaysSoInTheStripAndLeavesThePictureAsItWas() {
    BufferedImage img = new BufferedImage(160, 120, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(180, 90, 80));
    g.fillRect(0, 0, 160, 120);
    g.dispose();
    int height = 120 + AnnotatedExport.STRIP;

    BufferedImage unscored = AnnotatedExport.render(img, null, null, null, false, false, 17, 160, height);
    BufferedImage rejected = AnnotatedExport.render(img, null, "frame image is not a decodable JPEG", null, false, false, 17, 160,
        height);

    assertThat(pixels(rejected, 0, 120)).isEqualTo(pixels(unscored, 0, 120)).isEqualTo(pixels(img, 0, 120));
    assertThat(pixels(rejected, 120, height)).as("the strip's text differs").isNotEqualTo(pixels(unscored, 120, height));
    // The reason is longer than "not scored": its text reaches further right in the strip.
    assertThat(rightmostText(rejected)).isGreaterThan(rightmostText(unscored));
  }

  @Test
  void aFrameShowingAnAnnotatedLesionHasACyanBandAtTheStripsFootAndNothingElseChanges() {
    BufferedImage img = new BufferedImage(160, 120, BufferedImage.TYPE_3BYTE_BGR);
    int height = 120 + AnnotatedExport.STRIP;
    org.endowatch.contract.Score s = org.endowatch.contract.Score.scored("p", 9, 0, 30, 0.2, 0.5, "m");

    BufferedImage plain = AnnotatedExport.render(img, s, null, null, false, false, 9, 160, height);
    BufferedImage lesion = AnnotatedExport.render(img, s, null, null, false, true, 9, 160, height);

    int band = height - AnnotatedExport.LESION_BAND;
    assertThat(pixels(lesion, 0, band)).isEqualTo(pixels(plain, 0, band));
    for (int y = band; y < height; y++) {
      for (int x = 0; x < 160; x++) {
        assertThat(lesion.getRGB(x, y) & 0xffffff).as("(%d,%d)", x, y).isEqualTo(AnnotatedExport.LESION.getRGB() & 0xffffff);
        assertThat(plain.getRGB(x, y) & 0xffffff).as("(%d,%d)", x, y).isZero();
      }
    }
  }

  private static byte[] pixels(BufferedImage im, int fromRow, int toRow) {
    BufferedImage copy = new BufferedImage(im.getWidth(), im.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    copy.getGraphics().drawImage(im, 0, 0, null);
    byte[] all = ((DataBufferByte) copy.getRaster().getDataBuffer()).getData();
    return Arrays.copyOfRange(all, fromRow * im.getWidth() * 3, toRow * im.getWidth() * 3);
  }

  private static int rightmostText(BufferedImage im) {
    int right = -1;
    for (int y = 120; y < im.getHeight(); y++) {
      for (int x = 0; x < im.getWidth(); x++) {
        if ((im.getRGB(x, y) & 0xffffff) != 0) {
          right = Math.max(right, x);
        }
      }
    }
    return right;
  }

  /** A re-scoring's export reads its own copies of the frames: made later than the live ones, they outlast them. */
  @Test
  void aTaggedExportReadsTheReScoringsTopicsFramesIncluded() {
    assertThat(AnnotatedExport.Sources.live().tagged("v2").all())
        .containsExactly("frames.v2", "scores.v2", "heatmaps.v2", "alerts.v2", "frames-dlq.v2");
  }
}
