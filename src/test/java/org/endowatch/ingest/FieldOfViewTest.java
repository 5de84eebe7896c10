package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class FieldOfViewTest {
  @Test
  void findsTheBrightViewAndIgnoresTextInTheBorder() {
    BufferedImage img = new BufferedImage(200, 100, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(180, 90, 80));
    g.fillRect(60, 10, 100, 80);            // the view: x 60..159, y 10..89
    g.setColor(Color.WHITE);
    g.fillRect(5, 5, 30, 8);                // a label in the border
    g.fillRect(5, 80, 40, 8);               // the clock
    g.dispose();

    assertThat(FieldOfView.detect(img)).isEqualTo(new Rectangle(60, 10, 100, 80));
  }

  @Test
  void aDarkPictureHasNoViewYet() {
    BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(20, 10, 10));      // only lumen: below the darkness threshold
    g.fillRect(0, 0, 64, 64);
    g.setColor(Color.WHITE);
    g.fillRect(30, 30, 4, 4);               // one glint is not a view
    g.dispose();

    assertThat(FieldOfView.detect(img)).isNull();
  }

  @Test
  void thePreparerCropsToTheViewFoundOnTheFirstBrightPicture() {
    BufferedImage dark = new BufferedImage(200, 100, BufferedImage.TYPE_3BYTE_BGR);
    BufferedImage lit = new BufferedImage(200, 100, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = lit.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(50, 0, 100, 100);
    g.dispose();
    FramePreparer preparer = new FramePreparer(32, 32, 0.9f);

    preparer.resize(dark);
    assertThat(preparer.fieldOfView()).isNull();
    BufferedImage out = preparer.resize(lit);

    assertThat(preparer.fieldOfView()).isEqualTo(new Rectangle(50, 0, 100, 100));
    assertThat(out.getWidth()).isEqualTo(32);
    assertThat(out.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0xFF0000);   // no black border left
    assertThat(out.getRGB(31, 31) & 0xFFFFFF).isEqualTo(0xFF0000);
  }

  /**
   * Pictures of another size mid-source (the processor switched its output) have their own field of
   * view: the one found before would crop the top-left of the new picture, half of it border.
   */
  @Test
  void aPictureOfAnotherSizeHasItsFieldOfViewFoundAgain() {
    BufferedImage small = new BufferedImage(200, 100, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = small.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(50, 0, 100, 100);
    g.dispose();
    BufferedImage large = new BufferedImage(400, 200, BufferedImage.TYPE_3BYTE_BGR);
    g = large.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(100, 0, 200, 200);
    g.dispose();
    FramePreparer preparer = new FramePreparer(32, 32, 0.9f);

    preparer.resize(small);
    BufferedImage out = preparer.resize(large);

    assertThat(preparer.fieldOfView()).isEqualTo(new Rectangle(100, 0, 200, 200));
    assertThat(out.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0xFF0000);
    assertThat(out.getRGB(31, 31) & 0xFFFFFF).isEqualTo(0xFF0000);
    preparer.resize(small);
    assertThat(preparer.fieldOfView()).isEqualTo(new Rectangle(50, 0, 100, 100));
  }
}
