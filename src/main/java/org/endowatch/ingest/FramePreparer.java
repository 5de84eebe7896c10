package org.endowatch.ingest;

import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Turns a decoded picture into what travels on {@code frames}: cropped to the field of view,
 * resized, JPEG-encoded. The field of view is found once per source, on the first picture bright
 * enough to show it (the border does not move during a procedure); until then the whole picture
 * is used. A picture of another size than those before (the processor switched its output, a
 * camera link renegotiated, recordings joined) is another layout: the field of view is looked for
 * again on it, as at the start; the old one, where it fitted, cropped a corner of the new picture.
 * Not thread-safe: one per ingest loop.
 */
public final class FramePreparer {
  /** Pictures looked at for a field of view before giving up and keeping the whole picture. */
  static final int FOV_ATTEMPTS = 50;

  private final int width;
  private final int height;
  private final ImageWriter jpeg;
  private final ImageWriteParam param;
  private Rectangle view;
  private int attempts;
  /** The size of the pictures the field of view is looked for and used on; null before the first. */
  private java.awt.Dimension pictures;

  /** @param quality JPEG quality, 0..1 */
  public FramePreparer(int width, int height, float quality) {
    if (width < 16 || height < 16) {
      throw new IllegalArgumentException("frame size must be at least 16x16, got " + width + "x" + height);
    }
    if (!(quality > 0 && quality <= 1)) {
      throw new IllegalArgumentException("JPEG quality must be in (0, 1], got " + quality);
    }
    this.width = width;
    this.height = height;
    this.jpeg = ImageIO.getImageWritersByFormatName("jpeg").next();
    this.param = jpeg.getDefaultWriteParam();
    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    param.setCompressionQuality(quality);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The field of view found so far (null: none yet, the whole picture is used). */
  public Rectangle fieldOfView() {
    return view;
  }

  /** Crop, resize and encode one picture. */
  public byte[] prepare(BufferedImage picture) {
    return encode(resize(picture));
  }

  /** Looks for the field of view in a picture that is not sent (a resumed source's skipped start). */
  public void observe(BufferedImage picture) {
    java.awt.Dimension size = new java.awt.Dimension(picture.getWidth(), picture.getHeight());
    if (!size.equals(pictures)) {
      pictures = size;
      view = null;
      attempts = 0;
    }
    if (view == null && attempts < FOV_ATTEMPTS) {
      attempts++;
      view = FieldOfView.detect(picture);
    }
  }

  /** Crop to the field of view and resize. */
  public BufferedImage resize(BufferedImage picture) {
    observe(picture);
    Rectangle r = view != null && view.x + view.width <= picture.getWidth() && view.y + view.height <= picture.getHeight()
        ? view : new Rectangle(0, 0, picture.getWidth(), picture.getHeight());
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(picture, 0, 0, width, height, r.x, r.y, r.x + r.width, r.y + r.height, null);
    g.dispose();
    return out;
  }

  /** JPEG at the configured quality. */
  public byte[] encode(BufferedImage image) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(width * height / 4);
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      jpeg.setOutput(out);
      jpeg.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException("JPEG encoding failed in memory: " + e.getMessage(), e);
    }
    return bytes.toByteArray();
  }
}
