package org.endowatch.ingest;

import java.awt.image.BufferedImage;
import java.util.function.LongConsumer;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameFilter;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * Video files, network streams and capture devices through FFmpeg. What FFmpeg does not say by
 * itself, this class tells apart:
 * <ul>
 *   <li>a truncated file can end early without any error (an mkv cut off keeps the duration its
 *       header says), so what was decoded is checked at the end against what the container says:
 *       the frame count where it keeps one (an mp4's index), else its duration. Not a count
 *       estimated from the duration: a variable frame rate (recorders that slow down on a still
 *       scene) made a complete mkv of 100 pictures look like 174 and fail as truncated;</li>
 *   <li>a dropped network link makes {@code grab()} return null as if the stream had ended, so a
 *       network source that ends before its known duration (live streams have none) reconnects
 *       with backoff instead of stopping; a file served over the network (HTTP, RTSP on demand:
 *       a source with a duration) opens again at its start, and the pictures sent before the drop
 *       are passed over rather than sent a second time (the pictures in flight at the drop may be
 *       lost or filled in from an earlier one by FFmpeg, as on any cut link);</li>
 *   <li>a raw elementary stream (an {@code .h264} file as some recorders write it) carries no
 *       timestamps: FFmpeg gives every picture the same one, so pictures whose timestamp did not
 *       advance are spaced by the stream's frame rate (FFmpeg's 25 when the stream says none;
 *       {@code --fps} says it).
 *       With one timestamp for all, {@code --realtime} sent the file as fast as it decoded.</li>
 *   <li>an interlaced stream (its field order says so) goes through FFmpeg's yadif, one picture
 *       out for each in, a picture later ({@link Deinterlace}). Every field is deinterlaced: the
 *       pictures reach the filter without FFmpeg's per-picture flag, so yadif's "only those marked
 *       interlaced" would pass them all through.</li>
 * </ul>
 */
final class FfmpegSource implements FrameSource {
  /** How to reach a source: the FFmpeg input, an optional format (v4l2), whether it is a network stream. */
  record Target(String input, String format, boolean network, boolean device, String describe) {}

  private final Target target;
  private final int timeoutMs;
  private final int reconnects;
  private final double untimedFps;
  private final LongConsumer sleeper;
  // A converted image is only valid until the next convert(): next() copies it before returning.
  private final Java2DFrameConverter converter = new Java2DFrameConverter();
  private FFmpegFrameGrabber grabber;
  private long decoded;
  /** The container's own count of video frames (an mp4's index); 0 where it keeps none. */
  private long expectedFrames;
  private long durationMicros;
  /** Where the container says its media starts (MPEG-TS: seldom 0), in FFmpeg's timestamps. */
  private long startMicros;
  /** The latest picture's timestamp so far, in FFmpeg's timestamps (joined segments can step back). */
  private long maxRaw = Long.MIN_VALUE;
  private long offsetMicros;
  private long lastTimestamp;
  /** FFmpeg's timestamp of the picture before, in this opening of the input; MIN_VALUE before the first. */
  private long lastRaw = Long.MIN_VALUE;
  /** A served file reopened after a dropped link: its pictures up to this timestamp were sent; MIN_VALUE: none. */
  private long sentThrough = Long.MIN_VALUE;
  /** Why the pictures are deinterlaced; null: they are not. */
  private final String deinterlaced;
  /** yadif's field order: "tff" (also where the stream says none) or "bff". */
  private final String parity;
  /** yadif, for the pictures' size; null before the first picture of a deinterlaced source. */
  private FFmpegFrameFilter filter;
  /** The timestamps of the pictures in the filter, oldest first: it gives each back one picture later. */
  private final java.util.ArrayDeque<Long> inFilter = new java.util.ArrayDeque<>();
  /** Pictures out of the filter, to return before decoding more (a flush gives out several). */
  private final java.util.ArrayDeque<Picture> ready = new java.util.ArrayDeque<>();

  /**
   * @param timeoutMs bound on connecting and on each network read
   * @param reconnects how many times a network source is reopened after a dropped link (backoff 1, 2, 4 ... s)
   * @param untimedFps the rate of pictures without timestamps; 0: the rate the stream states, else FFmpeg's 25
   */
  FfmpegSource(Target target, int timeoutMs, int reconnects, double untimedFps, Deinterlace deinterlace, LongConsumer sleeper)
      throws IngestException {
    this.target = target;
    this.untimedFps = untimedFps;
    this.timeoutMs = timeoutMs;
    this.reconnects = reconnects;
    this.sleeper = sleeper;
    Ffmpeg.quiet();
    open(true);
    if (!grabber.hasVideo()) {
      // Else it played as a source of no pictures: 'ingested ... 0 frames', exit 0, a recording told as ended.
      boolean audio = grabber.hasAudio();
      closeQuietly(grabber);
      throw new IngestException("no video in " + target.describe() + ": it holds " + (audio ? "only sound" : "no picture stream")
          + " (give the procedure's video file, an image folder or a camera)");
    }
    expectedFrames = target.network() || target.device() ? 0 : containerFrameCount(grabber.getFormatContext());
    durationMicros = Math.max(0, grabber.getLengthInTime());
    long start = grabber.getFormatContext().start_time();
    startMicros = start == org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE ? 0 : start;
    int fieldOrder = videoFieldOrder(grabber.getFormatContext());
    boolean saysInterlaced = fieldOrder >= avcodec.AV_FIELD_TT && fieldOrder <= avcodec.AV_FIELD_BT;
    String says = saysInterlaced ? "its stream says interlaced, " + fieldOrderText(fieldOrder) : null;
    deinterlaced = deinterlace == Deinterlace.ON ? "--deinterlace on" + (says != null ? "; " + says : "")
        : deinterlace == Deinterlace.AUTO ? says : null;
    // yadif takes the field order from each picture's flags, which do not reach it: say the stream's.
    parity = fieldOrder == avcodec.AV_FIELD_BB || fieldOrder == avcodec.AV_FIELD_BT ? "bff" : "tff";
  }

  private static String fieldOrderText(int fieldOrder) {
    return fieldOrder == avcodec.AV_FIELD_TT || fieldOrder == avcodec.AV_FIELD_TB ? "top field first" : "bottom field first";
  }

  private static int videoFieldOrder(org.bytedeco.ffmpeg.avformat.AVFormatContext format) {
    for (int i = 0; i < format.nb_streams(); i++) {
      var codecpar = format.streams(i).codecpar();
      if (codecpar.codec_type() == org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO) {
        return codecpar.field_order();
      }
    }
    return avcodec.AV_FIELD_UNKNOWN;
  }

  @Override
  public String deinterlaced() {
    return deinterlaced;
  }

  private void open(boolean first) throws IngestException {
    IngestException last = null;
    int attempts = target.network() ? reconnects + 1 : 1;
    for (int attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        sleeper.accept(Math.min(30_000L, 1000L << (attempt - 1)));
      }
      FFmpegFrameGrabber g = new FFmpegFrameGrabber(target.input());
      if (target.format() != null) {
        g.setFormat(target.format());
      }
      if (target.network()) {
        // No universal option: RTSP and UDP read "timeout", other protocols "rw_timeout"; both in microseconds.
        String micros = Long.toString(timeoutMs * 1000L);
        g.setOption("timeout", micros);
        g.setOption("rw_timeout", micros);
      }
      Ffmpeg.hold();
      try {
        g.start();
        grabber = g;
        lastRaw = Long.MIN_VALUE;
        return;
      } catch (FrameGrabber.Exception | RuntimeException e) {
        String said = Ffmpeg.release();
        closeQuietly(g);
        String message = (first ? "could not open input " : "lost connection to ") + target.describe()
            + (attempts > 1 ? " after " + (attempt + 1) + " attempts" : "") + ": " + (said != null ? said : reason(e)) + hint();
        // FFmpeg's own words are the reason: JavaCV's exception for the same failure, as a cause, would be
        // said after them. Anything else keeps its cause (and its stack, for --verbose).
        last = e instanceof FrameGrabber.Exception ? new IngestException(message) : new IngestException(message, e);
      } finally {
        Ffmpeg.release();
      }
    }
    throw last;
  }

  private String hint() {
    if (target.network()) {
      return " (check the address, that the stream is running and reachable; timeout " + timeoutMs + " ms)";
    }
    if (target.device()) {
      return " (check the device exists and is not used by another program)";
    }
    return " (is it a complete video file? a truncated mp4 has no index to open)";
  }

  private static String reason(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    // JavaCV says e.g. "avformat_open_input() error -1094995529: Could not open input \"x\". (Has setFormat() been
    // called?) (For more details, make sure FFmpegLogCallback.set() has been called.)": hints for its programmers.
    m = m.replaceAll("\\s*\\(Has setFormat\\(\\) been called\\?\\)", "")
        .replaceAll("\\s*\\(For more details, make sure FFmpegLogCallback\\.set\\(\\) has been called\\.\\)", "").trim();
    // Its number is FFmpeg's error code, which FFmpeg can say in words ("Server returned 404 Not Found").
    java.util.regex.Matcher code = JAVACV_ERROR.matcher(m);
    return code.matches() ? Ffmpeg.errorText(Integer.parseInt(code.group(1)), code.group(2)) : m;
  }

  /** "avformat_open_input() error -875574520: Could not open input ...". */
  private static final java.util.regex.Pattern JAVACV_ERROR = java.util.regex.Pattern.compile("\\w+\\(\\) error (-\\d+): (.*)");

  @Override
  public Picture next() throws IngestException {
    while (true) {
      if (!ready.isEmpty()) {
        return ready.poll();
      }
      Frame frame;
      try {
        frame = grabber.grabImage();
      } catch (FrameGrabber.Exception e) {
        if (!target.network()) {
          throw new IngestException("cannot decode frame " + decoded + " of " + target.describe() + ": " + reason(e));
        }
        frame = null;
      }
      if (frame != null && frame.image != null) {
        long raw = grabber.getTimestamp();
        if (raw <= sentThrough) {
          continue;
        }
        sentThrough = Long.MIN_VALUE;
        decoded++;
        lastTimestamp = raw == lastRaw ? lastTimestamp + frameIntervalMicros() : offsetMicros + raw;
        lastRaw = raw;
        maxRaw = Math.max(maxRaw, raw);
        if (deinterlaced == null) {
          return picture(frame, lastTimestamp);
        }
        deinterlace(frame, lastTimestamp);
        continue;
      }
      if (filter != null) {
        // The decoder has nothing more for now (an end, or a link to reopen): the filter's last
        // picture comes out when it is told there is no next one.
        flushFilter();
        if (!ready.isEmpty()) {
          continue;
        }
      }
      if (target.network() && (durationMicros == 0 || grabber.getTimestamp() < durationMicros - 1_000_000)) {
        // null before the known end (or on a live stream, which has none) is a dropped link, not the end.
        if (durationMicros == 0) {
          offsetMicros = lastTimestamp;   // a live stream's clock starts again with the new link
        } else if (lastRaw != Long.MIN_VALUE) {
          // A served file starts again from its beginning: its own timestamps say what was sent, at
          // the cost of decoding its start again. Not a seek: FFmpeg's landed past the time asked for
          // (an MPEG-TS file: 0.12 to 0.24 s past, a seek to 0 included), losing the pictures between.
          sentThrough = lastRaw;
        }
        closeQuietly(grabber);
        open(false);
        continue;
      }
      if (target.device()) {
        // A camera does not end: null is a device that went away (a capture card unplugged), which
        // ended the recording as if complete (exit 0, told as ended, not failed).
        throw new IngestException("camera " + target.describe() + " stopped giving pictures after " + decoded
            + " (unplugged, or its driver reset? check it, then start ingest again with --resume)");
      }
      checkComplete();
      return null;
    }
  }

  /** A copy of the decoded (or filtered) picture: the converter's image is reused by the next convert. */
  private Picture picture(Frame frame, long timestampMicros) {
    BufferedImage converted = converter.convert(frame);
    BufferedImage copy = new BufferedImage(converted.getWidth(), converted.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    copy.getGraphics().drawImage(converted, 0, 0, null);
    return new Picture(copy, timestampMicros);
  }

  /** Into yadif; what comes out (the picture before, from the second on) goes to {@link #ready}. */
  private void deinterlace(Frame frame, long timestampMicros) throws IngestException {
    try {
      if (filter != null && (filter.getImageWidth() != frame.imageWidth || filter.getImageHeight() != frame.imageHeight)) {
        flushFilter();   // a new picture size (a camera renegotiated): a filter for it
      }
      if (filter == null) {
        double fps = grabber.getFrameRate();
        filter = new FFmpegFrameFilter("yadif=mode=send_frame:parity=" + parity + ":deint=all,format=bgr24",
            frame.imageWidth, frame.imageHeight);
        filter.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24);
        filter.setFrameRate(fps > 0 && Double.isFinite(fps) ? fps : 25);
        filter.start();
      }
      inFilter.add(timestampMicros);
      filter.push(frame);
      pullFiltered();
    } catch (FFmpegFrameFilter.Exception e) {
      throw new IngestException("cannot deinterlace frame " + decoded + " of " + target.describe() + ": " + e.getMessage()
          + " (--deinterlace off takes the pictures as decoded)");
    }
  }

  private void pullFiltered() throws FFmpegFrameFilter.Exception {
    Frame out;
    while ((out = filter.pull()) != null && out.image != null && !inFilter.isEmpty()) {
      ready.add(picture(out, inFilter.poll()));
    }
  }

  /** Tells the filter no picture follows, takes what it still holds, and lets it go. */
  private void flushFilter() throws IngestException {
    try {
      filter.push(null);
      pullFiltered();
    } catch (FFmpegFrameFilter.Exception e) {
      throw new IngestException("cannot deinterlace the last frames of " + target.describe() + ": " + e.getMessage()
          + " (--deinterlace off takes the pictures as decoded)");
    } finally {
      closeQuietly(filter);
      filter = null;
      inFilter.clear();
    }
  }

  private static void closeQuietly(FFmpegFrameFilter f) {
    try {
      f.stop();
      f.release();
    } catch (FFmpegFrameFilter.Exception | RuntimeException ignored) {
      // nothing left to release
    }
  }

  private long frameIntervalMicros() {
    double fps = untimedFps > 0 ? untimedFps : grabber.getFrameRate();
    return fps > 0 && Double.isFinite(fps) ? Math.round(1e6 / fps) : 40_000;
  }

  private static long containerFrameCount(org.bytedeco.ffmpeg.avformat.AVFormatContext format) {
    for (int i = 0; i < format.nb_streams(); i++) {
      var stream = format.streams(i);
      if (stream.codecpar().codec_type() == org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO) {
        return Math.max(0, stream.nb_frames());
      }
    }
    return 0;
  }

  private void checkComplete() throws IngestException {
    String damaged = " (the file is damaged or was cut off; re-export or re-copy it)";
    if (expectedFrames > 0) {
      long tolerance = Math.max(2, expectedFrames / 100);   // a frame the decoder cannot finish, at the very end
      if (decoded < expectedFrames - tolerance) {
        throw new IngestException("truncated input: " + target.describe() + " says it has " + expectedFrames
            + " frames but FFmpeg decoded only " + decoded + damaged);
      }
    } else if (!target.network() && !target.device() && durationMicros > 0) {
      // The last picture shows until the end: with a variable frame rate that can be a second or two.
      long tolerance = Math.max(2_000_000, durationMicros / 50);
      long end = maxRaw == Long.MIN_VALUE ? startMicros : maxRaw;
      if (end < startMicros + durationMicros - tolerance) {
        throw new IngestException(String.format(java.util.Locale.ROOT, "truncated input: %s says it lasts %.1f s but its "
            + "pictures end at %.1f s%s", target.describe(), durationMicros / 1e6, (end - startMicros) / 1e6, damaged));
      }
    }
  }

  @Override
  public boolean live() {
    // A network stream with a duration is a file served over the network, not a camera.
    return target.device() || (target.network() && durationMicros == 0);
  }

  @Override
  public String describe() {
    return target.describe();
  }

  @Override
  public void close() {
    if (filter != null) {
      closeQuietly(filter);
      filter = null;
    }
    closeQuietly(grabber);
  }

  private static void closeQuietly(FFmpegFrameGrabber g) {
    if (g == null) {
      return;
    }
    try {
      g.stop();
      g.release();
    } catch (FrameGrabber.Exception | RuntimeException ignored) {
      // Closing a grabber that failed to open can fail again; there is nothing left to release.
    }
  }
}
