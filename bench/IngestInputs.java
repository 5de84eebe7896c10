import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * The odd inputs of docs/BENCHMARKS.md, "Inputs as recorders write them": what endoscopy recorders
 * and servers produce that a plain mp4 does not show. Writes into DIR:
 * <ul>
 *   <li>joined.ts: two 4 s MPEG-TS segments of 100 pictures at 25 fps joined end to end (the second's
 *       clock starts again), as {@code cat a.ts b.ts} makes;</li>
 *   <li>raw.h264: 100 pictures as a raw H.264 elementary stream (no timestamps);</li>
 *   <li>vfr.mkv: 100 pictures, 50 at 25 fps then 50 at 10 fps (a recorder slowing on a still scene).</li>
 * </ul>
 * Run: {@code java -cp target/endowatch.jar bench/IngestInputs.java DIR}, then e.g.
 * {@code endowatch ingest --source DIR/joined.ts --procedure ID --realtime}.
 */
public class IngestInputs {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createDirectories(Path.of(args[0]));
    Path joined = dir.resolve("joined.ts");
    Files.deleteIfExists(joined);
    for (String segment : new String[] {"a", "b"}) {
      Path part = dir.resolve(segment + ".ts");
      write(part, "mpegts", avcodec.AV_CODEC_ID_MPEG2VIDEO, false);
      Files.write(joined, Files.readAllBytes(part), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      Files.delete(part);
    }
    write(dir.resolve("raw.h264"), "h264", avcodec.AV_CODEC_ID_H264, false);
    write(dir.resolve("vfr.mkv"), "matroska", avcodec.AV_CODEC_ID_MPEG4, true);
  }

  /** 100 plain pictures of 320x240 at 25 fps; with {@code slowing}, the second half 10 fps. */
  private static void write(Path file, String format, int codec, boolean slowing) throws Exception {
    try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), 320, 240)) {
      recorder.setFormat(format);
      recorder.setVideoCodec(codec);
      recorder.setFrameRate(25);
      recorder.setVideoBitrate(2_000_000);
      recorder.start();
      Java2DFrameConverter converter = new Java2DFrameConverter();
      long t = 0;
      for (int i = 0; i < 100; i++) {
        BufferedImage picture = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = picture.createGraphics();
        g.setColor(new Color(200, 80 + i, 60));
        g.fillRect(0, 0, 320, 240);
        g.dispose();
        if (slowing) {
          recorder.setTimestamp(t);
          t += i < 50 ? 40_000 : 100_000;
        }
        recorder.record(converter.convert(picture));
      }
    }
  }
}
