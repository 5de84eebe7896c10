package org.endowatch.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.imageio.IIOException;
import org.junit.jupiter.api.Test;

class ImagesTest {
  static final Path FILE = Path.of("/data/normal/n02508.png");

  @Test
  void aFileNoDecoderReadsIsUnreadableWithTheFileNamed() {
    assertThatThrownBy(() -> Images.read(FILE, "not an image".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class).hasMessage(FILE + " is not a readable image (unknown or corrupt format)");
    IOException broken = Images.unreadable(FILE, new IIOException("Error reading PNG image data"));
    assertThat(broken).hasMessage(FILE + " is not a readable image: Error reading PNG image data");
  }

  /** As ImageIO's PNG reader reports a heap too small for the picture: an error of the heap, not of the file. */
  @Test
  void anOutOfMemoryErrorInsideTheDecoderIsNotTakenForACorruptFile() {
    IIOException wrapped = new IIOException("Error reading PNG image data", new OutOfMemoryError("Java heap space"));
    assertThatThrownBy(() -> Images.unreadable(FILE, wrapped)).isInstanceOf(OutOfMemoryError.class)
        .hasMessage("out of memory decoding " + FILE + " (Java heap space): give Java a larger heap (java -Xmx<size> -jar ...)")
        .hasCause(wrapped);
  }
}
