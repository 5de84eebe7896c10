package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.endowatch.testing.TestVideos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesTest {
  @Test
  void tellsSchemesFromPaths() {
    assertThat(Sources.scheme("rtsp://cam/1")).isEqualTo("rtsp");
    assertThat(Sources.scheme("V4L2:/dev/video0")).isEqualTo("v4l2");
    assertThat(Sources.scheme("/data/procedure.mp4")).isNull();
    assertThat(Sources.scheme("C:\\videos\\a.mp4")).isNull();
    assertThat(Sources.scheme("relative/dir")).isNull();
  }

  @Test
  void credentialsNeverLeaveTheSource() {
    assertThat(Sources.withoutCredentials("rtsp://admin:secret@10.0.0.5:554/stream1?x=1"))
        .isEqualTo("rtsp://10.0.0.5:554/stream1?x=1");
    assertThat(Sources.withoutCredentials("http://cam/live")).isEqualTo("http://cam/live");
  }

  @Test
  void refusesUnknownSchemesAndMissingFilesWithOneLine(@TempDir Path dir) {
    assertThatThrownBy(() -> Sources.open("gopher://user:pw@host/x", Sources.Options.DEFAULT, ms -> {}))
        .isInstanceOf(IngestException.class)
        .hasMessageStartingWith("unknown source scheme 'gopher' in gopher://host/x: use a file path")
        .hasMessageNotContaining("pw");
    assertThatThrownBy(() -> Sources.open(dir.resolve("missing.mp4").toString(), Sources.Options.DEFAULT, ms -> {}))
        .hasMessageStartingWith("no such file: " + dir.resolve("missing.mp4"));
  }

  /**
   * A raw H.264 stream has no timestamps (FFmpeg says 0 for every picture): its pictures are spaced
   * by its frame rate, 25 fps here, or by the one given, as an mp4 of the same pictures is by its own
   * timestamps.
   */
  @Test
  void aRawH264StreamWithoutTimestampsIsSpacedByItsFrameRate(@TempDir Path dir) throws Exception {
    Ffmpeg.quiet();
    for (String format : new String[] {"h264", "mp4"}) {
      Path file = video(dir.resolve("pictures." + format), format, org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264,
          0, 40_000, 80_000, 120_000);
      try (FrameSource s = Sources.open(file.toString(), Sources.Options.DEFAULT, ms -> {})) {
        long[] times = times(s, 4);
        assertThat(s.next()).isNull();
        assertThat(times).as(format).containsExactly(0, 40_000, 80_000, 120_000);
      }
      // --fps says the rate of pictures without timestamps; it does not touch those that have them.
      try (FrameSource s = Sources.open(file.toString(), new Sources.Options(25, 5000, 0, 30), ms -> {})) {
        assertThat(times(s, 4)).as(format).containsExactly(format.equals("h264")
            ? new long[] {0, 33_333, 66_666, 99_999} : new long[] {0, 40_000, 80_000, 120_000});
      }
    }
  }

  /**
   * A complete mkv with a variable frame rate (25 fps, then 10 as a recorder slows on a still scene)
   * plays to its end: the mkv keeps no frame count, and one estimated from its duration at the first
   * rate (357 here) made it fail as truncated. The same file cut off is still said to be truncated.
   */
  @Test
  void aVariableFrameRateMkvIsCompleteAndTheSameFileCutOffIsNot(@TempDir Path dir) throws Exception {
    Ffmpeg.quiet();
    long[] slowing = new long[100];
    for (int i = 1; i < 100; i++) {
      slowing[i] = slowing[i - 1] + (i <= 50 ? 40_000 : 250_000);
    }
    Path mkv = video(dir.resolve("vfr.mkv"), "matroska", org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MPEG4, slowing);
    try (FrameSource s = Sources.open(mkv.toString(), Sources.Options.DEFAULT, ms -> {})) {
      int pictures = 0;
      long last = 0;
      for (FrameSource.Picture p = s.next(); p != null; p = s.next()) {
        pictures++;
        last = p.timestampMicros();
      }
      assertThat(pictures).isEqualTo(100);
      // 2.00 s + 49 x 0.25 s, in the recorder's 1/25 s ticks
      assertThat(last).isEqualTo(14_240_000);
    }
    byte[] bytes = Files.readAllBytes(mkv);
    Path cut = Files.write(dir.resolve("cut.mkv"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    try (FrameSource s = Sources.open(cut.toString(), Sources.Options.DEFAULT, ms -> {})) {
      assertThatThrownBy(() -> {
        while (s.next() != null) {
          // read to the end
        }
      }).isInstanceOf(IngestException.class).hasMessage("truncated input: " + cut.toUri() + " says it lasts 14.3 s "
          + "but its pictures end at 1.7 s (the file is damaged or was cut off; re-export or re-copy it)");
    }
  }

  /**
   * An input FFmpeg cannot open is said in one line with FFmpeg's reason (which FFmpeg itself used to
   * print to stderr, twice, before ours), not JavaCV's "Could not open input" and its hints.
   */
  @Test
  void anInputFfmpegCannotOpenIsSaidWithFfmpegsReason(@TempDir Path dir) throws Exception {
    Path empty = Files.createFile(dir.resolve("procedure.mp4"));
    assertThatThrownBy(() -> Sources.open(empty.toString(), Sources.Options.DEFAULT, ms -> {}))
        .isInstanceOf(IngestException.class).hasMessage("could not open input " + empty.toUri() + ": moov atom not found "
            + "(is it a complete video file? a truncated mp4 has no index to open)").hasNoCause();
    assertThatThrownBy(() -> Sources.open("rtsp://127.0.0.1:1/scope", new Sources.Options(25, 2000, 0), ms -> {}))
        .isInstanceOf(IngestException.class).hasMessage("could not open input rtsp://127.0.0.1:1/scope: Connection to "
            + "tcp://127.0.0.1:1?timeout=2000000 failed: Connection refused (check the address, that the stream is running "
            + "and reachable; timeout 2000 ms)");
    // FFmpeg says nothing at its error level here: its error code is said in its words, not as JavaCV's number.
    com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/procedure.ts";
      assertThatThrownBy(() -> Sources.open(url, new Sources.Options(25, 2000, 0), ms -> {}))
          .isInstanceOf(IngestException.class).hasMessage("could not open input " + url + ": Server returned 404 Not Found "
              + "(check the address, that the stream is running and reachable; timeout 2000 ms)").hasNoCause();
    } finally {
      server.stop(0);
    }
  }

  /**
   * A camera does not end: a capture device whose pictures stop (unplugged) is a failure, said as
   * one, not the end of the recording. A short file read as a device stands in for it here.
   */
  @Test
  void aCameraWhosePicturesStopHasFailedNotEnded(@TempDir Path dir) throws Exception {
    Ffmpeg.quiet();
    Path file = video(dir.resolve("camera.mp4"), "mp4", org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MPEG4, 0, 40_000, 80_000);
    try (FrameSource camera = new FfmpegSource(new FfmpegSource.Target(file.toString(), null, false, true, "v4l2:/dev/video7"),
        2000, 0, 0, Deinterlace.AUTO, ms -> {})) {
      for (int i = 0; i < 3; i++) {
        assertThat(camera.next()).isNotNull();
      }
      assertThatThrownBy(camera::next).isInstanceOf(IngestException.class).hasMessage("camera v4l2:/dev/video7 stopped giving "
          + "pictures after 3 (unplugged, or its driver reset? check it, then start ingest again with --resume)");
    }
  }

  /** A file with sound and no pictures (a recording's audio track, exported by mistake) is refused at once. */
  @Test
  void aFileWithoutVideoIsRefusedWithOneLine(@TempDir Path dir) throws Exception {
    Ffmpeg.quiet();
    Path wav = dir.resolve("procedure.wav");
    try (var recorder = new org.bytedeco.javacv.FFmpegFrameRecorder(wav.toFile(), 1)) {
      recorder.setFormat("wav");
      recorder.setSampleRate(8000);
      recorder.start();
      recorder.recordSamples(8000, 1, java.nio.ShortBuffer.wrap(new short[800]));
    }
    assertThatThrownBy(() -> Sources.open(wav.toString(), Sources.Options.DEFAULT, ms -> {}))
        .isInstanceOf(IngestException.class).hasMessage("no video in " + wav.toUri() + ": it holds only sound "
            + "(give the procedure's video file, an image folder or a camera)");
  }

  @Test
  void anImageFolderPlaysInNameOrderAtTheGivenRate(@TempDir Path dir) throws Exception {
    for (String name : new String[] {"b.png", "a.png", "c.jpg", "notes.txt"}) {
      BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
      img.setRGB(0, 0, name.charAt(0));
      if (!name.endsWith(".txt")) {
        ImageIO.write(img, name.endsWith(".png") ? "png" : "jpg", dir.resolve(name).toFile());
      }
    }
    try (FrameSource s = Sources.open(dir.toString(), new Sources.Options(10, 1000, 0), ms -> {})) {
      FrameSource.Picture a = s.next();
      FrameSource.Picture b = s.next();
      FrameSource.Picture c = s.next();

      assertThat(s.live()).isFalse();
      assertThat(a.image().getRGB(0, 0) & 0xFF).isEqualTo('a');
      assertThat(b.image().getRGB(0, 0) & 0xFF).isEqualTo('b');
      assertThat(new long[] {a.timestampMicros(), b.timestampMicros(), c.timestampMicros()}).containsExactly(0, 100_000, 200_000);
      assertThat(s.next()).isNull();
    }
  }

  @Test
  void anUnreadableImageInAFolderIsSkippedAndTheOthersKeepTheirTiming(@TempDir Path dir) throws Exception {
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
    ImageIO.write(img, "png", dir.resolve("a.png").toFile());
    java.nio.file.Files.writeString(dir.resolve("b.png"), "not a png");
    ImageIO.write(img, "png", dir.resolve("c.png").toFile());
    try (FrameSource s = Sources.open(dir.toString(), new Sources.Options(10, 1000, 0), ms -> {})) {
      assertThat(s.next().timestampMicros()).isZero();
      assertThat(s.next().timestampMicros()).as("c keeps its slot after the skipped b").isEqualTo(200_000);
      assertThat(s.next()).isNull();
      assertThat(s.next()).isNull();
    }
  }

  @Test
  void aFolderWhoseImagesAllFailToDecodeIsOneClearError(@TempDir Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("a.png"), "not a png");
    java.nio.file.Files.writeString(dir.resolve("b.jpg"), "nor a jpeg");
    try (FrameSource s = Sources.open(dir.toString(), new Sources.Options(10, 1000, 0), ms -> {})) {
      org.assertj.core.api.Assertions.assertThatThrownBy(s::next).isInstanceOf(IngestException.class)
          .hasMessage("no readable image in folder " + dir + " (2 file(s) named like images, none decodes)");
    }
  }

  /**
   * Pictures woven from two fields 8 px of motion apart (a white block; its odd lines where it had
   * moved to): the comb an interlaced camera gives on a moving scope. In a stream that says it is
   * interlaced, they are deinterlaced by default, with every picture and its time kept; in one that
   * says it is progressive, only when asked. Then the same after a change of picture size
   * mid-stream (two MPEG-TS recordings joined, as a capture renegotiating its mode gives).
   */
  @Test
  void anInterlacedStreamIsDeinterlacedAndAProgressiveOneOnlyWhenAsked(@TempDir Path dir) throws Exception {
    Ffmpeg.quiet();
    Path interlaced = TestVideos.woven(dir.resolve("interlaced.ts"), true, 128, 96);
    Path progressive = TestVideos.woven(dir.resolve("progressive.ts"), false, 128, 96);
    long[] times = {40_000, 80_000, 120_000, 160_000, 200_000, 240_000, 280_000, 320_000, 360_000, 400_000};

    assertThat(combs(interlaced, Deinterlace.AUTO, "its stream says interlaced, bottom field first", times)).allMatch(c -> c < 3);
    assertThat(combs(interlaced, Deinterlace.ON, "--deinterlace on; its stream says interlaced, bottom field first", times))
        .allMatch(c -> c < 3);
    assertThat(combs(interlaced, Deinterlace.OFF, null, times)).allMatch(c -> c > 15);
    assertThat(combs(progressive, Deinterlace.AUTO, null, times)).allMatch(c -> c > 15);
    assertThat(combs(progressive, Deinterlace.ON, "--deinterlace on", times)).allMatch(c -> c < 3);

    Path joined = dir.resolve("joined.ts");
    Files.write(joined, Files.readAllBytes(interlaced));
    Files.write(joined, Files.readAllBytes(TestVideos.woven(dir.resolve("larger.ts"), true, 192, 144)),
        java.nio.file.StandardOpenOption.APPEND);
    try (FrameSource s = Sources.open(joined.toString(), new Sources.Options(25, 5000, 0, 0, Deinterlace.AUTO), ms -> {})) {
      java.util.List<String> seen = new java.util.ArrayList<>();
      for (FrameSource.Picture p; (p = s.next()) != null; ) {
        seen.add(p.image().getWidth() + (comb(p.image()) < 3 ? " even" : " combed"));
      }
      // FFmpeg's decoder gives 19 of the 20 as they are (the first recording's last is lost at the
      // join, deinterlaced or not): all of those, and none combed.
      java.util.List<String> expected = new java.util.ArrayList<>(java.util.Collections.nCopies(9, "128 even"));
      expected.addAll(java.util.Collections.nCopies(10, "192 even"));
      assertThat(seen).containsExactlyElementsOf(expected);
      assertThat(count(joined, Deinterlace.OFF)).isEqualTo(19);
    }
  }

  /** Each picture's {@link #comb}, checking what the source says of deinterlacing and the pictures' times. */
  private static java.util.List<Double> combs(Path file, Deinterlace mode, String said, long[] times) throws Exception {
    java.util.List<Double> combs = new java.util.ArrayList<>();
    java.util.List<Long> seen = new java.util.ArrayList<>();
    try (FrameSource s = Sources.open(file.toString(), new Sources.Options(25, 5000, 0, 0, mode), ms -> {})) {
      assertThat(s.deinterlaced()).as(mode.toString()).isEqualTo(said);
      for (FrameSource.Picture p; (p = s.next()) != null; ) {
        combs.add(comb(p.image()));
        seen.add(p.timestampMicros());
      }
    }
    assertThat(seen).as(mode + ": every picture, at its time").containsExactly(java.util.Arrays.stream(times).boxed()
        .toArray(Long[]::new));
    return combs;
  }

  private static int count(Path file, Deinterlace mode) throws Exception {
    int n = 0;
    try (FrameSource s = Sources.open(file.toString(), new Sources.Options(25, 5000, 0, 0, mode), ms -> {})) {
      while (s.next() != null) {
        n++;
      }
    }
    return n;
  }

  /** How far each odd line is from the mean of the lines above and below it (blue, 0-255): the comb. */
  private static double comb(BufferedImage picture) {
    double sum = 0;
    int n = 0;
    for (int y = 1; y < picture.getHeight() - 1; y += 2) {
      for (int x = 0; x < picture.getWidth(); x++) {
        int above = picture.getRGB(x, y - 1) & 0xff;
        int line = picture.getRGB(x, y) & 0xff;
        int below = picture.getRGB(x, y + 1) & 0xff;
        sum += Math.abs(line - (above + below) / 2.0);
        n++;
      }
    }
    return sum / n;
  }

  /** A 25 fps video of black 64x48 pictures at the given times (the recorder keeps them in 1/25 s ticks). */
  private static Path video(Path file, String format, int codec, long... timesMicros) throws Exception {
    try (var recorder = new org.bytedeco.javacv.FFmpegFrameRecorder(file.toFile(), 64, 48)) {
      recorder.setFormat(format);
      recorder.setVideoCodec(codec);
      recorder.setFrameRate(25);
      recorder.start();
      var converter = new org.bytedeco.javacv.Java2DFrameConverter();
      for (long t : timesMicros) {
        recorder.setTimestamp(t);
        recorder.record(converter.convert(new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR)));
      }
    }
    return file;
  }

  /** The timestamps of a source's next {@code n} pictures. */
  private static long[] times(FrameSource s, int n) throws IngestException {
    long[] times = new long[n];
    for (int i = 0; i < n; i++) {
      times[i] = s.next().timestampMicros();
    }
    return times;
  }
}
