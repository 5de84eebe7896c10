package org.endowatch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.utils.Utils;

/**
 * A command's working folder (an embedded broker's data, a generated video): the one the user named,
 * kept for a look afterwards, or a temporary one deleted when the command ends. Without the deletion
 * every {@code bench pipeline} and {@code demo} left its broker's log behind (67 folders, 2 GB in /tmp on the
 * development machine after fifteen sessions).
 */
record WorkDir(Path path, boolean temporary) implements AutoCloseable {
  /** {@code given} when not null (created if missing, kept), else a fresh temporary folder named {@code prefix...}. */
  static WorkDir of(Path given, String prefix) throws IOException {
    return given != null ? new WorkDir(Files.createDirectories(given), false)
        : new WorkDir(Files.createTempDirectory(prefix), true);
  }

  @Override
  public void close() throws IOException {
    if (temporary) {
      Utils.delete(path.toFile());
    }
  }
}
