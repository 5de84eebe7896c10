package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.endowatch.contract.Frame;
import org.endowatch.testing.TestFrames;
import org.junit.jupiter.api.Test;

/** What the scorer refuses to decode, and says why (the dead letter's reason). */
class FrameImagesTest {
  @Test
  void aFrameIsDecodedOnlyAsTheImageItsHeadersDescribe() {
    Frame ok = TestFrames.jpeg("p", 0, 1_000, 64, 48);
    assertThat(FrameImages.decode(ok).getWidth()).isEqualTo(64);

    Frame gif = new Frame("p", 1, 1_000, 64, 48, "image/gif", "test", ok.image());
    assertThatThrownBy(() -> FrameImages.decode(gif)).isInstanceOf(FrameScorer.UnscorableFrameException.class)
        .hasMessage("content type image/gif is not image/jpeg or image/png");
    Frame huge = new Frame("p", 2, 1_000, 64, FrameImages.MAX_SIDE + 1, Frame.JPEG, "test", ok.image());
    assertThatThrownBy(() -> FrameImages.decode(huge)).isInstanceOf(FrameScorer.UnscorableFrameException.class)
        .hasMessage("headers say 64x4097, over the 4096 px limit");
    Frame lying = new Frame("p", 3, 1_000, 48, 64, Frame.JPEG, "test", ok.image());
    assertThatThrownBy(() -> FrameImages.decode(lying)).isInstanceOf(FrameScorer.UnscorableFrameException.class)
        .hasMessage("image is 64x48 but headers say 48x64");
    Frame text = new Frame("p", 4, 1_000, 64, 48, Frame.JPEG, "test", "not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThatThrownBy(() -> FrameImages.decode(text)).isInstanceOf(FrameScorer.UnscorableFrameException.class)
        .hasMessage("undecodable image: not a JPEG/PNG (12 bytes)");
  }
}
