package org.endowatch.score;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.endowatch.contract.Frame;
import org.endowatch.score.FrameScorer.UnscorableFrameException;

/**
 * Decodes a frame's image, hostile input included: the size the image declares is read and
 * checked against the frame's headers before any pixel is decoded, so a record claiming a 65,000
 * px side costs nothing instead of gigabytes. Every failure is an {@link UnscorableFrameException}
 * (the record is dead-lettered with the reason), never another exception.
 */
public final class FrameImages {
  /** The largest side a frame may have (the frames topic's 4 MiB limit holds no more as JPEG). */
  public static final int MAX_SIDE = 4096;

  private FrameImages() {}

  public static BufferedImage decode(Frame frame) {
    if (!frame.contentType().equals(Frame.JPEG) && !frame.contentType().equals("image/png")) {
      throw new UnscorableFrameException("content type " + frame.contentType() + " is not image/jpeg or image/png");
    }
    if (frame.width() > MAX_SIDE || frame.height() > MAX_SIDE) {
      throw new UnscorableFrameException("headers say " + frame.width() + "x" + frame.height() + ", over the " + MAX_SIDE
          + " px limit");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(frame.image()))) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new UnscorableFrameException("undecodable image: not a JPEG/PNG (" + frame.image().length + " bytes)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w != frame.width() || h != frame.height()) {
          throw new UnscorableFrameException("image is " + w + "x" + h + " but headers say " + frame.width() + "x" + frame.height());
        }
        BufferedImage img = reader.read(0);
        if (img == null) {
          throw new UnscorableFrameException("undecodable image: the decoder returned nothing");
        }
        return img;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof UnscorableFrameException u) {
        throw u;
      }
      // ImageIO throws IOException, IndexOutOfBounds, IllegalArgument, NegativeArraySize... on mutated input.
      throw new UnscorableFrameException("undecodable image: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()));
    }
  }
}
