package org.endowatch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.endowatch.ingest.GroundTruth;
import org.endowatch.ingest.IngestException;
import org.endowatch.ingest.ProcedureVideo;
import org.endowatch.ingest.VirtualCamera;
import javax.imageio.ImageIO;
import org.endowatch.ingest.SyntheticColon;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "synth", description = "Generate synthetic colonoscopy-like frames and procedure videos.",
    subcommands = {SynthCommand.Frames.class, SynthCommand.Procedure.class})
public final class SynthCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: frames or procedure");
  }

  /** What {@code synth frames} wrote. */
  public record Written(int normal, int anomalous, Path out) {}

  @Command(name = "frames", description = "Write normal/, anomalous/ and masks/ PNG folders (the eval layout).")
  public static final class Frames implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR",
        description = "Where normal/, anomalous/ and masks/ go (eval's layout); made if missing, refused when they hold files.")
    Path out;
    @Option(names = "--count", paramLabel = "N", defaultValue = "200", description = "Normal frames (default ${DEFAULT-VALUE}).") int count;
    @Option(names = "--anomalous", paramLabel = "N", defaultValue = "-1", description = "Frames with a lesion (default: count / 4).")
    int anomalous;
    @Option(names = "--size", paramLabel = "N", defaultValue = "256",
        description = "Frame side in px (default ${DEFAULT-VALUE}).") int size;
    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Scenes and lesions; the same seed gives the same frames "
        + "(default ${DEFAULT-VALUE}).") long seed;
    @Spec CommandSpec spec;

    public Written run() {
      int lesions = anomalous < 0 ? count / 4 : anomalous;
      OptionRange.of(spec).atLeast("--count", count, 0).atLeast("--anomalous", lesions, 0).atLeast("--size", size, 32);
      if (count + lesions == 0) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "nothing to write: 0 normal and 0 anomalous frames (give --count or --anomalous above 0)");
      }
      // Frames of another run left there would mix with these (a smaller --count overwrites only the
      // first ones), and eval would score both without a word.
      for (String sub : List.of("normal", "anomalous", "masks")) {
        Path d = out.resolve(sub);
        try (var files = Files.isDirectory(d) ? Files.list(d) : java.util.stream.Stream.<Path>empty()) {
          if (files.findAny().isPresent()) {
            throw new IllegalArgumentException(d + " already holds files: name a new --out folder (frames of two runs "
                + "would mix)");
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + d + ": " + e.getMessage(), e);
        }
      }
      SyntheticColon colon = new SyntheticColon(size, size, seed);
      try {
        Path normalDir = Files.createDirectories(out.resolve("normal"));
        Path anomalousDir = Files.createDirectories(out.resolve("anomalous"));
        Path masksDir = Files.createDirectories(out.resolve("masks"));
        for (int i = 0; i < count; i++) {
          ImageIO.write(colon.frame(i, false).image(), "png", normalDir.resolve(String.format("n%05d.png", i)).toFile());
        }
        for (int i = 0; i < lesions; i++) {
          // Lesion frames use indices after the normal ones, so no normal frame reappears with a lesion.
          SyntheticColon.Sample s = colon.frame(count + i, true);
          ImageIO.write(s.image(), "png", anomalousDir.resolve(String.format("a%05d.png", i)).toFile());
          ImageIO.write(s.mask(), "png", masksDir.resolve(String.format("a%05d.png", i)).toFile());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write to " + out + ": " + e.getMessage(), e);
      }
      return new Written(count, lesions, out);
    }

    @Override
    public Integer call() {
      Written w = run();
      spec.commandLine().getOut().printf("wrote %d normal and %d anomalous frames (+ masks) to %s%n", w.normal(), w.anomalous(), w.out());
      return 0;
    }
  }

  @Command(name = "procedure", description = {"Write a procedure video (camera moving across stills) and its ground truth.",
      "Synthetic scenes by default; --from-images films real stills (e.g. ../shared/data/kvasir-seg/images) instead.",
      "The ground truth (frame intervals showing a lesion) goes to FILE.truth.json."})
  public static final class Procedure implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Video file: .mp4, .mkv or .avi.") Path out;
    @Option(names = "--seconds", paramLabel = "S", defaultValue = "20",
        description = "Length (default ${DEFAULT-VALUE}); with --from-images: stills x --segment-seconds.")
    double seconds;
    @Option(names = "--fps", paramLabel = "FPS", defaultValue = "25", description = "Frame rate (default ${DEFAULT-VALUE}).") double fps;
    @Option(names = "--size", defaultValue = "384x256", paramLabel = "WxH",
        description = "Video size (default ${DEFAULT-VALUE}).") String size;
    @Option(names = "--segment-seconds", paramLabel = "S", defaultValue = "2",
        description = "Seconds per still (default ${DEFAULT-VALUE}).")
    double segmentSeconds;
    @Option(names = "--anomalies", paramLabel = "N",
        description = "Segments showing a polyp (default: a third of them).")
    Integer anomalies;
    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
        description = "Scenes, lesions and camera path; the same seed gives the "
        + "same video (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--from-images", paramLabel = "DIR", description = "Film these stills instead of synthetic scenes.") Path images;
    @Option(names = "--masks", paramLabel = "DIR", description = "Lesion masks for --from-images (same file stem).") Path masks;
    @Option(names = "--normal-images", paramLabel = "DIR",
        description = "With --from-images: normal stills shown between them (e.g. ../shared/data/hyperkvasir-ileum).") Path normals;
    @Option(names = "--stills", paramLabel = "N", defaultValue = "10",
        description = "With --from-images: how many stills (default ${DEFAULT-VALUE}).")
    int stills;
    @Spec CommandSpec spec;

    public GroundTruth run() throws IngestException {
      int[] wh = IngestCommand.parseSize(spec, size);
      int segmentFrames = (int) Math.round(segmentSeconds * fps);
      OptionRange range = OptionRange.of(spec).above("--fps", fps, 0).above("--seconds", seconds, 0).atLeast("--stills", stills, 1);
      if (anomalies != null) {
        range.atLeast("--anomalies", anomalies, 0);
      }
      if (segmentFrames < 2) {
        throw new CommandLine.ParameterException(spec.commandLine(), "a segment must hold at least 2 frames: --segment-seconds "
            + OptionRange.number(segmentSeconds) + " at --fps " + OptionRange.number(fps) + " holds " + segmentFrames);
      }
      if ((masks != null || normals != null) && images == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--masks and --normal-images need --from-images");
      }
      VirtualCamera camera;
      if (images != null) {
        camera = ProcedureVideo.fromImages(images, masks, normals, stills, wh[0], wh[1], segmentFrames, seed);
      } else {
        int segments = Math.max(1, (int) Math.round(seconds * fps / segmentFrames));
        int lesions = anomalies == null ? segments / 3 : anomalies;
        try {
          camera = ProcedureVideo.synthetic(segments, lesions, wh[0], wh[1], segmentFrames, seed);
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
      }
      PrintWriter err = spec.commandLine().getErr();
      int total = camera.frameCount();
      long start = System.nanoTime();
      long[] last = {0};
      return ProcedureVideo.write(camera, wh[0], wh[1], fps, seed, out, done -> {
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (ms - last[0] >= 2000 || done == total) {
          last[0] = ms;
          err.printf(Locale.ROOT, "synth: %d/%d frames (%.0f%%)%n", done, total, 100.0 * done / total);
          err.flush();
        }
      });
    }

    @Override
    public Integer call() throws IngestException {
      GroundTruth t = run();
      spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: %d frames at %.0f fps, %dx%d, %d anomalous frames in %d interval(s) %s; ground truth %s%n",
          out, t.frames(), t.fps(), t.width(), t.height(), t.anomalousFrames(), t.anomalyIntervals().size(),
          t.anomalyIntervals().stream().map(i -> i.start() + "-" + i.end()).toList(), GroundTruth.pathFor(out));
      return 0;
    }
  }
}
