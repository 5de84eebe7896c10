package org.endowatch.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.bytedeco.javacpp.Loader;

/**
 * Lets MKL use an AMD CPU's vector units. libtorch's CPU matrix products run in Intel's MKL, which
 * picks its kernels by vendor before features: on AMD it takes a generic path at about half the
 * speed (dev-2c, an AVX-512 AMD EPYC: 1024^3 float32 products at ~100 GFLOP/s on one thread against
 * 200-240 with the shim; the micro network's forward 25-40 % faster, eval scores within 3e-6;
 * docs/BENCHMARKS.md, "MKL on AMD"). The jar carries a one-function library
 * ({@code src/main/native}) whose {@code mkl_serv_intel_cpu_true} answers yes; loaded into the
 * global symbol scope before the engine makes its first product, it is what libtorch's call binds
 * to. Kernels are still chosen by the features the CPU reports.
 *
 * <p>Once per process, before the first model loads: a product already made has bound MKL to its own
 * answer, and a later load changes nothing. {@code ENDOWATCH_MKL_AMD=stock} keeps MKL's own choice.
 */
public final class MklVendorCheck {
  /** The opt-out: {@code stock} leaves MKL's vendor check alone. */
  public static final String ENV = "ENDOWATCH_MKL_AMD";
  static final String SHIM = "/org/endowatch/model/native/libendowatch-mkl-amd.so";
  /** The symbol the shim defines (and libtorch's MKL asks). */
  static final String SYMBOL = "mkl_serv_intel_cpu_true";

  /** What {@link #bypassOnAmd} did. */
  public enum Status {
    /** The shim is loaded: MKL takes the CPU's vector kernels. */
    BYPASSED("MKL vector kernels on this AMD CPU (vendor check bypassed)"),
    /** Not an AMD CPU (or not Linux): MKL's own choice is already the fast one. */
    NOT_AMD("MKL's own kernel choice (not an AMD CPU)"),
    /** {@code ENDOWATCH_MKL_AMD=stock}. */
    DISABLED("MKL's generic path on this AMD CPU (ENDOWATCH_MKL_AMD=stock)"),
    /** An AMD CPU, but the jar was built without a C compiler. */
    UNAVAILABLE("MKL's generic path on this AMD CPU: the jar has no vendor shim (build it with gcc installed)"),
    /** An AMD CPU and a shim that would not load (a noexec temporary folder, for one); {@link #failure} says why. */
    FAILED("MKL's generic path on this AMD CPU: the vendor shim did not load (a java.io.tmpdir that forbids "
        + "executables is the usual cause: point -Djava.io.tmpdir elsewhere)");

    private final String description;

    Status(String description) {
      this.description = description;
    }

    /** One line for logs and bench output. */
    public String description() {
      return description;
    }
  }

  private static Status status;
  private static String failure = "";

  private MklVendorCheck() {}

  /**
   * Loads the shim on a Linux AMD CPU unless {@code env} opts out; idempotent (the first call decides).
   *
   * @return what is in effect
   */
  public static synchronized Status bypassOnAmd(Map<String, String> env) {
    if (status == null) {
      status = decide(readCpuInfo(), env, Path.of(System.getProperty("java.io.tmpdir")));
    }
    return status;
  }

  /**
   * Writes one note line when this AMD CPU runs MKL's generic path although the user did not ask for
   * it (the shim missing or not loading: both fixable, and the note says how). Nothing otherwise.
   */
  public static void noteIfSlow(java.io.PrintWriter out) {
    Status now = current();
    if (now == Status.UNAVAILABLE || now == Status.FAILED) {
      out.println("note: " + summary());
    }
  }

  /** What is in effect, in one line with the reason of a failure; "" before {@link #bypassOnAmd} ran. */
  public static synchronized String summary() {
    return status == null ? "" : status.description() + failure;
  }

  /** Why the shim did not load, as ": reason", or "" when it did not fail. */
  public static synchronized String failure() {
    return failure;
  }

  /** What the first {@link #bypassOnAmd} decided, or {@code null} before it ran. */
  public static synchronized Status current() {
    return status;
  }

  /** The decision for a CPU described by {@code cpuInfo}; loads the shim, copied into {@code tempDir}, when it says so. */
  static Status decide(String cpuInfo, Map<String, String> env, Path tempDir) {
    if (!isAmd(cpuInfo)) {
      return Status.NOT_AMD;
    }
    if ("stock".equalsIgnoreCase(env.getOrDefault(ENV, "").strip())) {
      return Status.DISABLED;
    }
    try (InputStream in = MklVendorCheck.class.getResourceAsStream(SHIM)) {
      if (in == null) {
        return Status.UNAVAILABLE;
      }
      Path file = Files.createTempFile(tempDir, "endowatch-mkl-amd", ".so");
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        Loader.loadGlobal(file.toString());
      } finally {
        // Once mapped, the library no longer needs its file. (deleteOnExit left one behind for every
        // JVM that ended without running its shutdown hooks: 78 in /tmp on the development machine.)
        Files.deleteIfExists(file);
      }
      return Status.BYPASSED;
    } catch (IOException | LinkageError e) {
      // LinkageError: JavaCPP's natives or classes missing too (a trimmed runtime such as
      // bench/djl-jni-min's bundle): the engine then runs as it would have, never a crash at startup.
      synchronized (MklVendorCheck.class) {
        failure = ": " + (e.getClass().getSimpleName() + " " + e.getMessage()).replaceAll("\\s+", " ").strip();
      }
      return Status.FAILED;
    }
  }

  /** Whether /proc/cpuinfo's text names AMD as the vendor. */
  static boolean isAmd(String cpuInfo) {
    for (String line : cpuInfo.split("\n")) {
      if (line.startsWith("vendor_id")) {
        return line.substring(line.indexOf(':') + 1).strip().equals("AuthenticAMD");
      }
    }
    return false;
  }

  private static String readCpuInfo() {
    try {
      return Files.readString(Path.of("/proc/cpuinfo"));
    } catch (IOException e) {
      return "";   // not Linux: the jar's natives are Linux-only, and there is nothing to bypass
    }
  }
}
