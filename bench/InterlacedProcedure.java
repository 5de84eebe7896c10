import java.awt.image.BufferedImage;
import java.io.File;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * What an SD processor through a capture card gives, made from a generated procedure filmed at 50
 * pictures a second: each output picture weaves the bottom field of one (its odd lines) with the
 * top field of the next, 1/50 s later, MPEG-2 coded interlaced in MPEG-TS at 25 fps, as such
 * recordings are. The lines are copied here: FFmpeg's tinterlace and interlace filters are GPL and
 * not in JavaCV's FFmpeg. Bottom field first because FFmpeg's MPEG-2 encoder marks the
 * stream so when the pictures it gets carry no field flags (JavaCV's carry none), and the content
 * must match the mark (as a bottom-field-first source, NTSC DV, gives). Beside it, the same procedure progressive at 25 fps (the first
 * picture of each pair, whole), coded the same way, as the reference the detector should see.
 * The generator's camera moves less than a line between fields, too slow to comb: GAP (default 1)
 * takes the top field GAP pictures after the bottom one, a camera moving GAP times as fast.
 * docs/BENCHMARKS.md, "Interlaced sources". Run as a single file against the jar:
 * {@code java -cp target/endowatch.jar bench/InterlacedProcedure.java IN_50FPS.mp4 WOVEN.ts PROGRESSIVE.ts [GAP]}.
 */
public class InterlacedProcedure {
  public static void main(String[] a) throws Exception {
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    try (FFmpegFrameGrabber in = new FFmpegFrameGrabber(a[0])) {
      int gap = a.length > 3 ? Integer.parseInt(a[3]) : 1;
      in.start();
      int w = in.getImageWidth();
      int h = in.getImageHeight();
      Java2DFrameConverter toImage = new Java2DFrameConverter();
      Java2DFrameConverter toFrame = new Java2DFrameConverter();
      try (FFmpegFrameRecorder woven = recorder(a[1], w, h, true);
           FFmpegFrameRecorder progressive = recorder(a[2], w, h, false)) {
        long n = 0;
        long out = 0;
        java.util.ArrayDeque<BufferedImage> recent = new java.util.ArrayDeque<>();
        for (Frame f; (f = in.grabImage()) != null; n++) {
          BufferedImage picture = copy(toImage.convert(f));
          recent.addLast(picture);
          if (recent.size() > gap + 1) {
            recent.removeFirst();
          }
          if (n % 2 == 0) {
            progressive.record(toFrame.convert(picture));
          } else if (n >= gap) {
            BufferedImage earlier = recent.peekFirst();
            // Bottom field (odd lines) from the earlier picture, top field (even lines) from this one.
            BufferedImage weave = copy(picture);
            int[] line = new int[w];
            for (int y = 1; y < h; y += 2) {
              earlier.getRGB(0, y, w, 1, line, 0, w);
              weave.setRGB(0, y, w, 1, line, 0, w);
            }
            woven.record(toFrame.convert(weave));
            out++;
          }
        }
        System.out.printf("%d pictures at %.0f fps in; %d woven (fields %d apart) and %d progressive out at 25 fps, %dx%d%n",
            n, in.getFrameRate(), out, gap, (n + 1) / 2, w, h);
      }
    }
  }

  private static BufferedImage copy(BufferedImage image) {
    BufferedImage c = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    c.getGraphics().drawImage(image, 0, 0, null);
    return c;
  }

  private static FFmpegFrameRecorder recorder(String file, int w, int h, boolean interlaced) throws Exception {
    FFmpegFrameRecorder r = new FFmpegFrameRecorder(new File(file), w, h);
    r.setFormat("mpegts");
    r.setVideoCodec(avcodec.AV_CODEC_ID_MPEG2VIDEO);
    r.setFrameRate(25);
    r.setVideoBitrate(8_000_000);
    if (interlaced) {
      // Interlaced DCT and motion estimation: coded, and marked in the stream, as interlaced.
      r.setVideoOption("flags", "+ildct+ilme");
    }
    r.start();
    return r;
  }
}
