package org.endowatch.testing;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Topics;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.endowatch.contract.Frame;

/** Small JPEG frames for stream tests (the synthetic procedure generator of issue 5 will replace it). */
public final class TestFrames {
  private TestFrames() {}

  public static Frame jpeg(String procedure, long index, long captureTs, int width, int height) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(200, 100 + (int) (index % 40), 90));
    g.fillRect(0, 0, width, height);
    g.setColor(new Color(150, 60, 70));
    g.drawLine((int) (index * 7 % width), 0, width - 1, height - 1);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "jpg", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Frame(procedure, index, captureTs, width, height, Frame.JPEG, "test", out.toByteArray());
  }

  /**
   * {@code f} as the scorer dead-letters it: its frames record (value and headers, as ingest writes
   * them) kept whole, with {@code reason}, failed at {@code failedMs}.
   */
  public static DeadLetter deadLetter(Frame f, String reason, long failedMs) {
    RecordHeaders headers = new RecordHeaders();
    byte[] value = Topics.FRAMES.valueSerde().serializer().serialize(Topics.FRAMES.name(), headers, f);
    List<DeadLetter.RawHeader> raw = new ArrayList<>();
    headers.forEach(h -> raw.add(new DeadLetter.RawHeader(h.key(), h.value())));
    return new DeadLetter(reason, Topics.FRAMES.name(), 0, f.frameIndex(), failedMs, raw, value);
  }
}
