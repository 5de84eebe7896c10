package org.endowatch.ingest;

import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide FFmpeg settings, and where FFmpeg's own log lines go. FFmpeg prints its errors
 * straight to stderr: an input that cannot be opened printed two lines of FFmpeg's (JavaCV tries
 * twice) before ours, where a bad input gets one line. Now an error while a thread opens an input
 * is held for that thread, whose own message says it (FFmpeg's reason, "moov atom not found", is
 * more to the point than JavaCV's "Could not open input"); any other (a damaged picture while
 * decoding) is logged as a warning of the {@code ffmpeg} logger.
 */
final class Ffmpeg {
  private static final Logger LOG = LoggerFactory.getLogger("ffmpeg");
  /** "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x7f8840715d00] moov atom not found": the part that names the C object. */
  private static final Pattern OBJECT = Pattern.compile(" @ 0x[0-9a-f]+\\]");
  private static final Pattern COMPONENT = Pattern.compile("^\\[[^\\]]*\\] ");
  /** While this thread opens an input: FFmpeg's latest error line there. */
  private static final ThreadLocal<String[]> HELD = new ThreadLocal<>();
  // Referenced for the life of the process: FFmpeg keeps only its native address.
  private static final LogCallback TO_LOG = new LogCallback() {
    @Override
    public void call(int level, BytePointer message) {
      String line = OBJECT.matcher(message.getString().strip()).replaceFirst("]");
      String[] held = HELD.get();
      if (held != null) {
        held[0] = COMPONENT.matcher(line).replaceFirst("");
      } else if (!line.isEmpty()) {
        LOG.warn("{}", line);
      }
    }
  };
  private static volatile boolean quiet;

  private Ffmpeg() {}

  /**
   * FFmpeg logs every stream header and encoder remark at INFO; our own messages say what matters,
   * so only FFmpeg's errors are kept, and they go through {@link #TO_LOG}.
   */
  static synchronized void quiet() {
    if (!quiet) {
      avutil.av_log_set_level(avutil.AV_LOG_ERROR);
      avutil.setLogCallback(TO_LOG);
      quiet = true;
    }
  }

  /** FFmpeg's words for one of its error codes; {@code otherwise} for a code it has none for. */
  static String errorText(int code, String otherwise) {
    byte[] text = new byte[256];
    if (avutil.av_strerror(code, text, text.length) < 0) {
      return otherwise;
    }
    int end = 0;
    while (end < text.length && text[end] != 0) {
      end++;
    }
    return new String(text, 0, end, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** From now until {@link #release()}, FFmpeg's errors on this thread are held, not logged. */
  static void hold() {
    HELD.set(new String[1]);
  }

  /** The latest error FFmpeg said on this thread since {@link #hold()} (null if none); stops holding. */
  static String release() {
    String[] held = HELD.get();
    HELD.remove();
    return held == null ? null : held[0];
  }
}
