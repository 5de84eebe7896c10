package org.endowatch.ingest;

import org.bytedeco.ffmpeg.global.avutil;

/** Process-wide FFmpeg settings. */
final class Ffmpeg {
  private static volatile boolean quiet;

  private Ffmpeg() {}

  /**
   * FFmpeg logs every stream header and encoder remark to stderr at INFO; our own messages say
   * what matters, so only FFmpeg's errors are kept.
   */
  static void quiet() {
    if (!quiet) {
      avutil.av_log_set_level(avutil.AV_LOG_ERROR);
      quiet = true;
    }
  }
}
