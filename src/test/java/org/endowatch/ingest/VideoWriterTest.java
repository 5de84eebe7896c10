package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a video cannot go is said in words before any work, not in ffmpeg's. */
class VideoWriterTest {
  @Test
  void aTargetItCannotWriteIsSaidWithWhatToDo(@TempDir Path dir) throws Exception {
    assertThat(VideoWriter.checkTarget(dir.resolve("review.MP4"))).isEqualTo("mp4");
    assertThat(VideoWriter.checkTarget(dir.resolve("review.mkv"))).isEqualTo("matroska");
    assertThatThrownBy(() -> VideoWriter.checkTarget(dir.resolve("review.mov"))).isInstanceOf(IngestException.class)
        .hasMessage("cannot write video " + dir.resolve("review.mov") + ": unknown extension, use .mp4, .mkv or .avi");
    Path missing = dir.resolve("no-such-folder").resolve("review.mp4");
    assertThatThrownBy(() -> VideoWriter.checkTarget(missing)).isInstanceOf(IngestException.class)
        .hasMessage("cannot write video " + missing + ": folder " + dir.resolve("no-such-folder") + " does not exist (create it first)");
    Path folder = java.nio.file.Files.createDirectory(dir.resolve("odd.mp4"));
    assertThatThrownBy(() -> VideoWriter.checkTarget(folder)).isInstanceOf(IngestException.class)
        .hasMessage("cannot write video " + folder + ": it is a folder; give a file name in it");
    // The constructor checks the same, before ffmpeg is asked.
    assertThatThrownBy(() -> new VideoWriter(missing, 64, 48, 25)).isInstanceOf(IngestException.class)
        .hasMessageEndingWith("does not exist (create it first)");
  }
}
