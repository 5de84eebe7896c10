package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.endowatch.testing.Cli;
import org.endowatch.testing.TestVideos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest --out-dir}: a unit's recorded videos turned into a training folder, every n-th frame
 * prepared as live ingest prepares it (how the demo's model was trained); no broker involved.
 */
class IngestToFolderTest {
  @Test
  void everyNthPreparedFrameIsWrittenUnderTheProcedurePrefix(@TempDir Path dir) throws Exception {
    Path video = dir.resolve("normal.mp4");
    assertThat(Cli.run("synth", "procedure", "--out", video.toString(), "--seconds", "2", "--anomalies", "0", "--seed", "3")
        .exitCode()).isZero();
    Path out = dir.resolve("train");

    Cli.Result r = Cli.run("ingest", "--source", video.toString(), "--procedure", "n1", "--out-dir", out.toString(), "--every", "5");
    Cli.Result badId = Cli.run("ingest", "--source", video.toString(), "--procedure", "n 1", "--out-dir", out.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().strip()).isEqualTo("wrote 10 frames of " + video.toUri() + " to " + out);
    List<String> files;
    try (Stream<Path> s = Files.list(out)) {
      files = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(files).hasSize(10).startsWith("n1-000000.jpg", "n1-000005.jpg").endsWith("n1-000045.jpg");
    BufferedImage first = ImageIO.read(out.resolve("n1-000000.jpg").toFile());
    assertThat(List.of(first.getWidth(), first.getHeight())).containsExactly(256, 256);
    assertThat(badId.exitCode()).isEqualTo(2);
    assertThat(badId.err().strip()).isEqualTo("endowatch ingest: --procedure (the frames' file name prefix) must be letters, "
        + "digits, '.', '_' or '-', got 'n 1' (see 'endowatch ingest --help')");
  }

  /** An interlaced recording is deinterlaced by default and says so first; {@code off} keeps its fields. */
  @Test
  void anInterlacedRecordingIsSaidDeinterlacedUnlessTurnedOff(@TempDir Path dir) throws Exception {
    Path video = TestVideos.woven(dir.resolve("sd.ts"), true, 128, 96);

    Cli.Result auto = Cli.run("ingest", "--source", video.toString(), "--procedure", "sd", "--out-dir", dir.resolve("a").toString());
    Cli.Result off = Cli.run("ingest", "--source", video.toString(), "--procedure", "sd", "--out-dir", dir.resolve("o").toString(),
        "--deinterlace", "off");
    Cli.Result bad = Cli.run("ingest", "--source", video.toString(), "--procedure", "sd", "--out-dir", dir.resolve("b").toString(),
        "--deinterlace", "yes");

    assertThat(auto.exitCode()).as(auto.err()).isZero();
    assertThat(auto.err().lines().findFirst().orElseThrow()).isEqualTo("deinterlacing " + video.toUri() + " (its stream says "
        + "interlaced, bottom field first; --deinterlace off takes the pictures as decoded)");
    assertThat(auto.out().strip()).isEqualTo("wrote 10 frames of " + video.toUri() + " to " + dir.resolve("a"));
    assertThat(off.exitCode()).as(off.err()).isZero();
    assertThat(off.err()).doesNotContain("deinterlacing");
    assertThat(off.out().strip()).isEqualTo("wrote 10 frames of " + video.toUri() + " to " + dir.resolve("o"));
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err().strip()).isEqualTo("endowatch ingest: Invalid value for option '--deinterlace': deinterlace must be "
        + "auto, on or off, got 'yes' (see 'endowatch ingest --help')");
  }
}
