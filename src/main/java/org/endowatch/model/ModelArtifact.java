package org.endowatch.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A model on disk: a directory with {@code manifest.json} and {@code parameters.bin} (DJL's
 * parameter stream). Writes go to temporary files renamed into place, so a crash never leaves a
 * half-written artifact; loads verify the sha256 before a single parameter is read, so a damaged
 * or swapped file is refused, never half-loaded.
 */
public final class ModelArtifact {
  public static final int FORMAT = 1;
  public static final String MANIFEST = "manifest.json";
  public static final String PARAMETERS = "parameters.bin";

  public static final ObjectMapper JSON = JsonMapper.builder()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private ModelArtifact() {}

  /** A loaded, verified model: the network with its parameters, on a device, and its manifest. */
  public record Loaded(MemMcMae network, ModelManifest manifest, NDManager manager, Device device) implements AutoCloseable {
    @Override
    public void close() {
      manager.close();
    }
  }

  /** Writes the network's parameters and the manifest (with checksum and versions) into {@code dir}. */
  public static ModelManifest save(Path dir, MemMcMae network, ModelManifest manifest) {
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(PARAMETERS + ".tmp");
      Files.deleteIfExists(tmp);
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
        network.saveParameters(out);
      }
      String sha = sha256(tmp);
      Files.move(tmp, dir.resolve(PARAMETERS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      ModelManifest complete = manifest.withParameters(PARAMETERS, sha, Engine.getDjlVersion(),
          Engine.getInstance().getVersion(), Instant.now().toString());
      writeManifest(dir, complete);
      return complete;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write model to " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Rewrites only the manifest (calibration changes thresholds, not parameters). */
  public static void writeManifest(Path dir, ModelManifest manifest) {
    try {
      Path tmp = dir.resolve(MANIFEST + ".tmp");
      Files.deleteIfExists(tmp);   // a new file, never one written through whatever else may link to it
      JSON.writeValue(tmp.toFile(), manifest);
      Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(MANIFEST) + ": " + e.getMessage(), e);
    }
  }

  /** Reads and checks a manifest without loading parameters. */
  public static ModelManifest readManifest(Path dir) {
    Path file = dir.resolve(MANIFEST);
    if (!Files.isDirectory(dir)) {
      throw new ModelException("model directory " + dir + " does not exist");
    }
    try {
      ModelManifest m = JSON.readValue(file.toFile(), ModelManifest.class);
      if (m.format() != FORMAT) {
        throw new ModelException(file + " has format " + m.format() + "; this build reads format " + FORMAT);
      }
      if (m.config() == null || m.parametersFile() == null || m.parametersSha256() == null) {
        throw new ModelException(file + " lacks config, parametersFile or parametersSha256: not a complete model");
      }
      return m;
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new ModelException(dir + " has no " + MANIFEST + ": not a model directory (train one with 'endowatch train')");
    } catch (IOException e) {
      throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new ModelException(file + " describes an invalid network: " + e.getMessage(), e);
    }
  }

  /**
   * Loads as {@link #load(Path, String)} and sets what inference computes in ({@link MemMcMae#inferIn}):
   * {@code precision}, or when null the precision the model was calibrated in.
   */
  public static Loaded load(Path dir, String device, DataType precision) {
    Loaded loaded = load(dir, device);
    loaded.network().inferIn(precision != null ? precision : loaded.manifest().calibratedPrecision());
    return loaded;
  }

  /** {@code --precision}: fp32 or fp16 (half precision for GPUs); null when not given (the manifest's). */
  public static DataType precision(String choice) {
    if (choice == null) {
      return null;
    }
    return switch (choice.toLowerCase(Locale.ROOT)) {
      case "fp32" -> DataType.FLOAT32;
      case "fp16" -> DataType.FLOAT16;
      default -> throw new ModelException("--precision must be fp32 or fp16, got '" + choice + "'");
    };
  }

  /** fp32 or fp16, as the reports and the JSON write it. */
  public static String precisionName(DataType type) {
    return type == DataType.FLOAT16 ? "fp16" : "fp32";
  }

  /**
   * The precision a loaded model infers in, as reports write it; says on {@code out} when it will run
   * slowly for a reason the user can change: fp16 on a CPU, or MKL's generic path on an AMD CPU
   * because the vendor shim is missing from the jar or did not load ({@link MklVendorCheck#noteIfSlow}).
   */
  public static String noteHowItRuns(Loaded loaded, java.io.PrintWriter out) {
    DataType type = loaded.network().inferenceType();
    if (type == DataType.FLOAT16 && !loaded.device().isGpu()) {
      out.println("note: --precision fp16 on the CPU runs, but slower than fp32 (no fast float16 kernels here: micro scores"
          + " 2-3x slower, docs/BENCHMARKS.md); it is meant for GPUs");
    }
    if (!loaded.device().isGpu()) {
      MklVendorCheck.noteIfSlow(out);
    }
    return precisionName(type);
  }

  /**
   * Loads and verifies a model.
   *
   * @param device {@code auto} (GPU if PyTorch sees one), {@code cpu} or {@code gpu}
   */
  public static Loaded load(Path dir, String device) {
    ModelManifest m = readManifest(dir);
    Path params = dir.resolve(m.parametersFile());
    if (!Files.isRegularFile(params)) {
      throw new ModelException("model " + dir + " is missing its parameters file " + m.parametersFile());
    }
    String actual = sha256(params);
    if (!actual.equals(m.parametersSha256())) {
      throw new ModelException("model " + dir + ": " + m.parametersFile() + " has sha256 " + actual
          + " but the manifest says " + m.parametersSha256() + " (file damaged or replaced); refusing to load");
    }
    Device d = device(device);
    NDManager manager = NDManager.newBaseManager(d);
    try {
      MemMcMae network = new MemMcMae(m.config());
      network.initialize(manager, DataType.FLOAT32, network.inputShapes(1));
      try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(params)))) {
        network.loadParameters(manager, in);
        if (in.read() != -1) {
          throw new ModelException("model " + dir + ": " + m.parametersFile() + " has trailing bytes after the "
              + m.config().preset() + " parameters (manifest of another preset?)");
        }
      }
      return new Loaded(network, m, manager, d);
    } catch (IOException | MalformedModelException | IllegalArgumentException | IllegalStateException e) {
      manager.close();
      throw new ModelException("model " + dir + ": parameters do not match the manifest's "
          + m.config().preset() + " network: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Picks the device: {@code auto}, {@code cpu} or {@code gpu} (an error when no CUDA device exists). */
  public static Device device(String choice) {
    int gpus = Engine.getInstance().getGpuCount();
    return switch (choice.toLowerCase(Locale.ROOT)) {
      case "cpu" -> Device.cpu();
      case "gpu" -> {
        if (gpus == 0) {
          Engine e = Engine.getInstance();
          // Two different fixes: CPU-only natives (the default build) or a CUDA build that sees no device.
          throw new ModelException("--device gpu: PyTorch finds no CUDA device on this machine (" + (e.hasCapability("CUDA")
              ? "PyTorch " + e.getVersion() + " with CUDA sees none: check the driver and CUDA_VISIBLE_DEVICES"
              : "CPU natives " + e.getVersion() + "; a GPU node needs CUDA natives: DJL's pytorch-native-cu128"
                  + " or bench/djl-jni-min on the node's PyTorch, see docs/OPERATIONS.md")
              + "); use --device cpu or auto");
        }
        yield Device.gpu();
      }
      case "auto" -> gpus > 0 ? Device.gpu() : Device.cpu();
      default -> throw new ModelException("--device must be auto, cpu or gpu, got '" + choice + "'");
    };
  }

  /** The file's SHA-256, as manifests give it (lower-case hex). */
  public static String sha256(Path file) {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) != -1) {
        // digesting
      }
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A model that cannot be used; the message names the directory and what is wrong. */
  public static final class ModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
      super(message);
    }

    public ModelException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
