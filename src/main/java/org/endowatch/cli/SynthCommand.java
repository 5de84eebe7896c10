package org.endowatch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
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
    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;
    @Option(names = "--count", defaultValue = "200", description = "Normal frames (default ${DEFAULT-VALUE}).") int count;
    @Option(names = "--anomalous", defaultValue = "-1", description = "Frames with a lesion (default: count / 4).")
    int anomalous;
    @Option(names = "--size", defaultValue = "256", description = "Frame side in px (default ${DEFAULT-VALUE}).") int size;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Spec CommandSpec spec;

    public Written run() {
      int lesions = anomalous < 0 ? count / 4 : anomalous;
      if (count < 0 || lesions < 0 || size < 32) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--count and --anomalous must be >= 0, --size >= 32");
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

  @Command(name = "procedure", description = "Write a procedure video with ground truth (not implemented yet).")
  public static final class Procedure extends NotImplementedYet {
    @Override
    String plannedIn() {
      return "issue 5: ingest and replay";
    }
  }
}
