package org.endowatch.ingest;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.FrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * Writes frames to a video file through FFmpeg. The container follows the file's extension
 * (mp4, mkv, avi). H.264 comes from libopenh264: the LGPL FFmpeg build that JavaCV ships has no
 * libx264, and openh264 is what players expect in mp4/mkv; avi gets MPEG-4 part 2.
 */
public final class VideoWriter implements AutoCloseable {
  private final FFmpegFrameRecorder recorder;
  private final Java2DFrameConverter converter = new Java2DFrameConverter();
  private final Path file;
  private final int width;
  private final int height;
  private long written;

  public VideoWriter(Path file, int width, int height, double fps) throws IngestException {
    String format = checkTarget(file);
    if (width % 2 != 0 || height % 2 != 0) {
      throw new IngestException("cannot write video " + file + ": " + width + "x" + height
          + " is not even in both sides, which YUV 4:2:0 needs");
    }
    Ffmpeg.quiet();
    this.file = file;
    this.width = width;
    this.height = height;
    recorder = new FFmpegFrameRecorder(file.toFile(), width, height, 0);
    recorder.setFormat(format);
    recorder.setFrameRate(fps);
    recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
    recorder.setVideoCodec(format.equals("avi") ? avcodec.AV_CODEC_ID_MPEG4 : avcodec.AV_CODEC_ID_H264);
    // About 0.3 bit per pixel: fine texture (vessels, pits) survives, which the detector looks at.
    recorder.setVideoBitrate((int) Math.max(500_000, width * (long) height * fps * 0.3));
    recorder.setGopSize((int) Math.max(1, Math.round(fps)));
    try {
      recorder.start();
    } catch (FrameRecorder.Exception e) {
      throw new IngestException("cannot write video " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The container format for {@code file}, after checking that a video can be written there: said
   * before minutes of work whose result would have nowhere to go (ffmpeg's own words for a missing
   * folder name its internals, not the folder).
   *
   * @throws IngestException with what is wrong and what to do
   */
  public static String checkTarget(Path file) throws IngestException {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    String format = name.endsWith(".mp4") ? "mp4" : name.endsWith(".mkv") ? "matroska" : name.endsWith(".avi") ? "avi" : null;
    if (format == null) {
      throw new IngestException("cannot write video " + file + ": unknown extension, use .mp4, .mkv or .avi");
    }
    Path folder = file.toAbsolutePath().getParent();
    if (Files.isDirectory(file)) {
      throw new IngestException("cannot write video " + file + ": it is a folder; give a file name in it");
    }
    if (folder == null || !Files.isDirectory(folder)) {
      throw new IngestException("cannot write video " + file + ": folder " + folder + " does not exist (create it first)");
    }
    if (!Files.isWritable(folder)) {
      throw new IngestException("cannot write video " + file + ": folder " + folder + " is not writable");
    }
    return format;
  }

  /** Appends one frame; it must have the writer's size. */
  public void write(BufferedImage image) throws IngestException {
    if (image.getWidth() != width || image.getHeight() != height) {
      throw new IllegalArgumentException("frame is " + image.getWidth() + "x" + image.getHeight() + ", video is "
          + width + "x" + height);
    }
    try {
      recorder.record(converter.convert(image));
      written++;
    } catch (FrameRecorder.Exception e) {
      throw new IngestException("cannot write frame " + written + " to " + file + ": " + e.getMessage(), e);
    }
  }

  public long written() {
    return written;
  }

  @Override
  public void close() throws IngestException {
    try {
      recorder.stop();
      recorder.release();
    } catch (FrameRecorder.Exception e) {
      throw new IngestException("cannot finish video " + file + ": " + e.getMessage(), e);
    }
  }
}
