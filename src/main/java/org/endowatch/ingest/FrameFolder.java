package org.endowatch.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * Prepared frames written to a folder instead of Kafka: how a unit turns its own recorded normal
 * procedures into training images that look exactly like what the scorer will see live (the same
 * field-of-view crop, size and JPEG quality).
 */
public final class FrameFolder {
  private FrameFolder() {}

  /**
   * Writes every {@code every}-th picture of {@code source} as {@code <prefix>-<index>.jpg}.
   *
   * @param maxFrames stop after this many written (0 = all)
   * @return how many files were written
   */
  public static long write(FrameSource source, FramePreparer preparer, Path dir, String prefix, int every,
      long maxFrames, LongConsumer progress) throws IngestException {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IngestException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    long index = 0;
    long written = 0;
    FrameSource.Picture p;
    while ((maxFrames == 0 || written < maxFrames) && (p = source.next()) != null) {
      if (index % every == 0) {
        Path file = dir.resolve(String.format("%s-%06d.jpg", prefix, index));
        try {
          Files.write(file, preparer.prepare(p.image()));
        } catch (IOException e) {
          throw new IngestException("cannot write " + file + ": " + e.getMessage(), e);
        }
        written++;
        progress.accept(written);
      } else {
        preparer.observe(p.image());
      }
      index++;
    }
    return written;
  }
}
