package org.endowatch.ingest;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** An image folder played as a video: files sorted by name, one frame every {@code 1/fps} seconds. */
final class ImageFolderSource implements FrameSource {
  private final Path dir;
  private final List<Path> files;
  private final double fps;
  private int next;

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
    if (next >= files.size()) {
      return null;
    }
    Path file = files.get(next);
    BufferedImage img;
    try {
      img = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new IngestException("cannot read image " + file + ": " + e.getMessage(), e);
    }
    if (img == null) {
      throw new IngestException("not a readable image: " + file + " (frame " + next + " of folder " + dir + ")");
    }
    long ts = Math.round(next * 1e6 / fps);
    next++;
    return new Picture(img, ts);
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
