package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NormalImagesTest {
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
