import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.endowatch.score.Pixels;

/**
 * "Another hospital" we do not have, imitated: copies of a validation set (normal and anomalous
 * folders) under the image differences a second endoscopy unit plausibly brings — another light
 * source or white balance, another exposure, a processor that saturates less, an older or
 * lower-resolution scope, harder video compression. Each shift is one fixed transform applied to
 * every image alike, so an AUC measured on a shifted copy tells how far the model's ranking of
 * normal against anomalous depends on that property of the images. It is a stand-in for real
 * images from another unit, not a substitute: real differences come mixed and with other tissue.
 *
 * <p>Output: OUT/SHIFT/normal and OUT/SHIFT/anomalous (PNG, except the JPEG shift), for SHIFT in
 * warm, cool, dark, bright, desaturated, soft, jpeg.
 *
 * <p>Run: {@code java -cp target/endowatch.jar bench/ShiftedCopies.java NORMAL_DIR ANOMALOUS_DIR OUT}
 */
public final class ShiftedCopies {
  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: ShiftedCopies NORMAL_DIR ANOMALOUS_DIR OUT");
      System.exit(2);
    }
    Map<String, UnaryOperator<BufferedImage>> shifts = new LinkedHashMap<>();
    // White balance: a warmer (halogen-like) or cooler (LED/xenon-like) light source.
    shifts.put("warm", img -> perChannel(img, v -> v * 1.12, v -> v, v -> v * 0.85));
    shifts.put("cool", img -> perChannel(img, v -> v * 0.88, v -> v, v -> v * 1.12));
    // Exposure: gamma on every channel, midtones darker (1.5) or brighter (0.7).
    shifts.put("dark", img -> perChannel(img, v -> gamma(v, 1.5), v -> gamma(v, 1.5), v -> gamma(v, 1.5)));
    shifts.put("bright", img -> perChannel(img, v -> gamma(v, 0.7), v -> gamma(v, 0.7), v -> gamma(v, 0.7)));
    shifts.put("desaturated", ShiftedCopies::desaturate);
    // An older or lower-resolution scope: half the resolution, scaled back up.
    shifts.put("soft", ShiftedCopies::soften);
    shifts.put("jpeg", img -> img); // written at JPEG quality 0.3 below
    Path out = Path.of(args[2]);
    for (var shift : shifts.entrySet()) {
      for (String side : List.of("normal", "anomalous")) {
        Path src = Path.of(args[side.equals("normal") ? 0 : 1]);
        Path dst = out.resolve(shift.getKey()).resolve(side);
        Files.createDirectories(dst);
        int n = 0;
        try (Stream<Path> files = Files.list(src)) {
          for (Path f : files.sorted().toList()) {
            BufferedImage img = ImageIO.read(f.toFile());
            if (img == null) {
              throw new IOException("not an image: " + f);
            }
            BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(img, 0, 0, null);
            String stem = f.getFileName().toString().replaceFirst("\\.[^.]+$", "");
            BufferedImage shifted = shift.getValue().apply(rgb);
            if (shift.getKey().equals("jpeg")) {
              writeJpeg(shifted, dst.resolve(stem + ".jpg"), 0.3f);
            } else {
              ImageIO.write(shifted, "png", dst.resolve(stem + ".png").toFile());
            }
            n++;
          }
        }
        System.out.printf("%s/%s: %d images%n", shift.getKey(), side, n);
      }
    }
  }

  interface Channel {
    double map(double v);
  }

  static double gamma(double v, double g) {
    return 255 * Math.pow(v / 255, g);
  }

  static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }

  static BufferedImage perChannel(BufferedImage img, Channel r, Channel g, Channel b) {
    BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int p = img.getRGB(x, y);
        int nr = clamp(r.map((p >> 16) & 255));
        int ng = clamp(g.map((p >> 8) & 255));
        int nb = clamp(b.map(p & 255));
        out.setRGB(x, y, (nr << 16) | (ng << 8) | nb);
      }
    }
    return out;
  }

  /** Saturation to 60 %: each channel moved 40 % of the way to the pixel's luma. */
  static BufferedImage desaturate(BufferedImage img) {
    BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int p = img.getRGB(x, y);
        int r = (p >> 16) & 255;
        int g = (p >> 8) & 255;
        int b = p & 255;
        double luma = 0.299 * r + 0.587 * g + 0.114 * b;
        out.setRGB(x, y, (clamp(luma + 0.6 * (r - luma)) << 16) | (clamp(luma + 0.6 * (g - luma)) << 8)
            | clamp(luma + 0.6 * (b - luma)));
      }
    }
    return out;
  }

  /** Half the resolution and back, with the scorer's own bilinear resize (the crops are square). */
  static BufferedImage soften(BufferedImage img) {
    int side = img.getWidth();
    if (img.getHeight() != side) {
      throw new IllegalArgumentException("expected square crops, got " + side + " x " + img.getHeight());
    }
    return Pixels.resize(Pixels.resize(img, side / 2), side);
  }

  static void writeJpeg(BufferedImage img, Path file, float quality) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    param.setCompressionQuality(quality);
    try (ImageOutputStream os = ImageIO.createImageOutputStream(file.toFile())) {
      writer.setOutput(os);
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
  }
}
