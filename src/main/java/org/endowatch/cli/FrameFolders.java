package org.endowatch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The folders train and calibrate extract video and procedure frames into. */
final class FrameFolders {
  private FrameFolders() {}

  /**
   * Deletes the JPEG frames an earlier run left in {@code folder} (nothing else), so that it comes to
   * hold only what this run extracts; {@code what} names them in an error.
   */
  static void clear(Path folder, String what) {
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".jpg")).toList()) {
        Files.delete(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clear " + folder + " of " + what + ": " + e.getMessage(), e);
    }
  }
}
