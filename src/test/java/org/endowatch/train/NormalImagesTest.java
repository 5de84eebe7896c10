package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NormalImagesTest {
  /**
   * Six 32 px PNGs, 3,072 bytes each decoded (3 bytes a pixel): of noise, their files about as large
   * (noise does not compress), else of four flat quarters, whose files are a fraction of that.
   */
  private static Path sixImages(Path dir, boolean noise) throws Exception {
    Random r = new Random(1);
    for (int n = 0; n < 6; n++) {
      BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
      for (int i = 0; i < 32 * 32; i++) {
        int x = i % 32;
        int y = i / 32;
        img.setRGB(x, y, noise ? r.nextInt(1 << 24) : (x < 16 ? 0xC05040 : 0x903020) + (y < 16 ? n * 8 : 0));
      }
      ImageIO.write(img, "png", dir.resolve("i" + n + ".png").toFile());
    }
    return dir;
  }

  @Test
  void imagesPastHalfTheHeapAreKeptAsTheirFilesAndGiveTheSamePixels(@TempDir Path dir) throws Exception {
    List<Path> folders = List.of(sixImages(dir, false));
    List<String> roomy = new ArrayList<>();
    List<String> tight = new ArrayList<>();
    NormalImages decoded = NormalImages.load(folders, 32, roomy::add, Long.MAX_VALUE);
    // Three decoded images fit; the fourth goes past, and every image is then held as its file.
    NormalImages kept = NormalImages.load(folders, 32, tight::add, 3 * 3_072 + 1);

    assertThat(roomy).isEmpty();
    long files = 0;
    for (Path f : decoded.files()) {
      files += java.nio.file.Files.size(f);
    }
    assertThat(files).isLessThan(3 * 3_072);
    assertThat(tight).containsExactly(String.format(java.util.Locale.ROOT, "note: the 6 training images take 0.0 GB decoded, "
        + "more than half of this JVM's heap (0.0 GB): they are kept as their files (%.1f GB) and decoded as each is used, "
        + "which is slower (java -Xmx<size> -jar ..., or JAVA_TOOL_OPTIONS=-Xmx<size> in a container, keeps them decoded)", files / 1e9));
    assertThat(kept.size()).isEqualTo(6);
    for (int i = 0; i < 6; i++) {
      assertThat(kept.image(i).getRGB(0, 0, 32, 32, null, 0, 32)).as("image %d", i)
          .isEqualTo(decoded.image(i).getRGB(0, 0, 32, 32, null, 0, 32));
    }
    assertThat(kept.training(0.5).size() + kept.validation(0.5).size()).isEqualTo(6);
  }

  /** A large set says how far reading it has got (30,000 frames take half a minute or more). */
  @Test
  void readingALargeSetShowsProgress(@TempDir Path dir) throws Exception {
    List<String> said = new ArrayList<>();
    NormalImages.load(List.of(sixImages(dir, false)), 32, said::add, Long.MAX_VALUE, 2);
    List<String> quiet = new ArrayList<>();
    NormalImages.load(List.of(dir), 32, quiet::add, Long.MAX_VALUE, 6);

    assertThat(said).containsExactly("reading images: 2/6", "reading images: 4/6", "reading images: 6/6");
    assertThat(quiet).isEmpty();
  }

  @Test
  void imagesThatDoNotFitEvenAsTheirFilesAreRefusedInOneLine(@TempDir Path dir) throws Exception {
    Path folder = sixImages(dir, true);
    assertThatThrownBy(() -> NormalImages.load(List.of(folder), 32, line -> { }, 2_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the training images take more than 0.0 GB even as their files (1 read so far of [" + folder + "]): "
            + "more than half of this JVM's heap; train on fewer (a larger --every for videos and procedures) or give Java "
            + "more (java -Xmx<size> -jar ..., or JAVA_TOOL_OPTIONS=-Xmx<size> in a container)");
  }

  @Test
  void videoFramesAreHeldOutByBlocksOfConsecutiveFrames() {
    // room_1's first block (frames 0..249) is held out at 0.3, its second (250..499) is not.
    for (int i = 0; i < 250; i++) {
      assertThat(NormalImages.heldOut(frame("room_1", i), 0.3)).as("frame %d", i).isTrue();
      assertThat(NormalImages.heldOut(frame("room_1", 250 + i), 0.3)).as("frame %d", 250 + i).isFalse();
    }
    // Over many blocks the held-out share follows the fraction (consecutive blocks are spread).
    int held = 0;
    for (int block = 0; block < 1000; block++) {
      held += NormalImages.heldOut(frame("proc-7", block * NormalImages.FRAME_BLOCK), 0.3) ? 1 : 0;
    }
    assertThat(held).isEqualTo(HELD_BLOCKS_OF_1000);
  }

  @Test
  void otherImagesAreHeldOutOneByOneByName() {
    // "c.jpg".hashCode() = 92904406 -> 4406 of 10,000: held out at 0.5, kept at 0.3.
    assertThat(NormalImages.heldOut(Path.of("x", "c.jpg"), 0.5)).isTrue();
    assertThat(NormalImages.heldOut(Path.of("x", "c.jpg"), 0.3)).isFalse();
    // Six digits but not .jpg, or not six digits: not a video frame name.
    assertThat(NormalImages.heldOut(Path.of("room_1-000001.png"), 0.3))
        .isEqualTo(("room_1-000001.png".hashCode() & 0x7fffffff) % 10_000 < 3_000);
  }

  private static Path frame(String source, int index) {
    return Path.of("frames", String.format("%s-%06d.jpg", source, index));
  }

  static final int HELD_BLOCKS_OF_1000 = 300;
}
