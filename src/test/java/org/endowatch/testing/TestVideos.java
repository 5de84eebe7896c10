package org.endowatch.testing;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

/** Video files made for tests, with what a test needs in them. */
public final class TestVideos {
  private TestVideos() {}

  /**
   * Ten pictures woven from two fields 8 px of motion apart (a white block on black; its odd lines
   * where it had moved to), as MPEG-2 in MPEG-TS, coded and marked interlaced or not: the comb an
   * interlaced camera gives on a moving scope.
   */
  public static Path woven(Path file, boolean interlaced, int width, int height) throws Exception {
    try (var recorder = new org.bytedeco.javacv.FFmpegFrameRecorder(file.toFile(), width, height)) {
      recorder.setFormat("mpegts");
      recorder.setVideoCodec(org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MPEG2VIDEO);
      recorder.setFrameRate(25);
      recorder.setVideoQuality(2);
      if (interlaced) {
        recorder.setVideoOption("flags", "+ildct+ilme");
      }
      recorder.start();
      var converter = new org.bytedeco.javacv.Java2DFrameConverter();
      for (int i = 0; i < 10; i++) {
        BufferedImage picture = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = height / 4; y < height * 3 / 4; y++) {
          int from = width / 6 + 4 * i + (y % 2 == 1 ? 8 : 0);
          for (int x = from; x < from + width / 3; x++) {
            picture.setRGB(x, y, 0xffffff);
          }
        }
        recorder.record(converter.convert(picture));
      }
    }
    return file;
  }

}
