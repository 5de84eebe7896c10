package org.endowatch.ingest;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An image folder played as a video: files sorted by name, one frame every {@code 1/fps} seconds.
 * A file that is not a readable image is skipped and named in the log, as a damaged frame of a
 * stream is; its time slot stays empty, so the frames after it keep the folder's timing. Only a
 * folder with no readable image at all is an error.
 */
final class ImageFolderSource implements FrameSource {
  private static final Logger LOG = LoggerFactory.getLogger(ImageFolderSource.class);
  private final Path dir;
  private final List<Path> files;
  private final double fps;
  private int next;
  private int played;
  private int skipped;
  private boolean summarised;

  ImageFolderSource(Path dir, double fps) throws IngestException {
    this.dir = dir;
    this.files = ProcedureVideo.imageFiles(dir);
    this.fps = fps;
    if (files.isEmpty()) {
      throw new IngestException("no images (.png, .jpg, .jpeg, .bmp) in folder " + dir);
    }
  }

  @Override
  public Picture next() throws IngestException {
    while (next < files.size()) {
      Path file = files.get(next);
      long ts = Math.round(next * 1e6 / fps);
      next++;
      BufferedImage img = read(file);
      if (img != null) {
        played++;
        return new Picture(img, ts);
      }
      skipped++;
      LOG.warn("skipping {}: not a readable image (file {} of {} in the folder)", file, next, files.size());
    }
    if (played == 0) {
      throw new IngestException("no readable image in folder " + dir + " (" + skipped + " file(s) named like images, none decodes)");
    }
    if (skipped > 0 && !summarised) {
      LOG.warn("{} of {} files in {} were not readable images and were skipped", skipped, files.size(), dir);
      summarised = true;
    }
    return null;
  }

  private static BufferedImage read(Path file) {
    try {
      return ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public boolean live() {
    return false;
  }

  @Override
  public String describe() {
    return dir.toUri().toString();
  }

  @Override
  public void close() {}
}
