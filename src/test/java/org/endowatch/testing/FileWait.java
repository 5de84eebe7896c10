package org.endowatch.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Waiting on what a command started as its own process writes to a file. */
public final class FileWait {
  private FileWait() {}

  /** Waits up to a minute for {@code file} to contain {@code text}; fails with what it holds. */
  public static void until(Path file, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(file).contains(text)) {
      assertThat(System.nanoTime()).as("%s says '%s'; it holds: %s", file.getFileName(), text, Files.readString(file))
          .isLessThan(deadline);
      Thread.sleep(200);
    }
  }
}
