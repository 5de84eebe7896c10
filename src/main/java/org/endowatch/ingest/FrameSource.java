package org.endowatch.ingest;

import java.awt.image.BufferedImage;

/** Where decoded pictures come from: a video file, a network stream, a capture device or an image folder. */
public interface FrameSource extends AutoCloseable {
  /**
   * One decoded picture, owned by the caller (never a buffer the decoder reuses).
   *
   * @param timestampMicros its presentation time in the source, from the source's start
   */
  record Picture(BufferedImage image, long timestampMicros) {}

  /** The next picture, or null at the end of the input. */
  Picture next() throws IngestException;

  /** Live sources (cameras, network streams) deliver in real time by themselves and are never paced. */
  boolean live();

  /** The source as a URI without credentials, for the frames' {@code source} header and messages. */
  String describe();

  /** Why its pictures are deinterlaced ("its stream says interlaced, top field first"); null when they are not. */
  default String deinterlaced() {
    return null;
  }

  @Override
  void close();
}
