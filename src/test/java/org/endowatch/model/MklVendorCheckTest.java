package org.endowatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MklVendorCheckTest {
  private static final String AMD = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n";
  private static final String INTEL = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n";
  private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

  @Test
  void readsTheVendorFromCpuInfo() {
    assertTrue(MklVendorCheck.isAmd(AMD));
    assertFalse(MklVendorCheck.isAmd(INTEL));
    assertFalse(MklVendorCheck.isAmd(""));
    assertFalse(MklVendorCheck.isAmd("processor\t: 0\n"));
  }

  @Test
  void leavesMklAloneOffAmdAndWhenToldTo() {
    assertEquals(MklVendorCheck.Status.NOT_AMD, MklVendorCheck.decide(INTEL, Map.of(), TMP));
    assertEquals(MklVendorCheck.Status.DISABLED, MklVendorCheck.decide(AMD, Map.of(MklVendorCheck.ENV, "stock"), TMP));
    assertEquals(MklVendorCheck.Status.DISABLED, MklVendorCheck.decide(AMD, Map.of(MklVendorCheck.ENV, " STOCK "), TMP));
  }

  @Test
  void aShimThatCannotBeWrittenIsAFailureThatSaysWhy(@TempDir Path dir) {
    Assumptions.assumeTrue(MklVendorCheck.class.getResource(MklVendorCheck.SHIM) != null,
        "the jar has no shim (no C compiler at build time), so there is nothing to fail to load");

    assertEquals(MklVendorCheck.Status.FAILED, MklVendorCheck.decide(AMD, Map.of(), dir.resolve("missing")));
    assertTrue(MklVendorCheck.failure().startsWith(": NoSuchFileException " + dir.resolve("missing")), MklVendorCheck.failure());
  }

  /**
   * The mechanism, not the speed (that is docs/BENCHMARKS.md's): once loaded, the process-wide lookup
   * of MKL's vendor question (dlsym over the global scope, as libtorch's lazy binding does) finds the
   * shim's definition, in the shim's own mapping.
   */
  @Test
  void onAmdTheVendorQuestionResolvesToTheShim() throws IOException {
    if (MklVendorCheck.class.getResource(MklVendorCheck.SHIM) == null) {
      if (onPath("cc")) {
        fail("a C compiler is on the PATH but the jar's resources lack " + MklVendorCheck.SHIM
            + ": src/main/native/build.sh did not run or failed");
      }
      Assumptions.abort("no C compiler on this machine, so the build left the shim out (see src/main/native/build.sh)");
    }
    assertEquals(MklVendorCheck.Status.BYPASSED, MklVendorCheck.decide(AMD, Map.of(), TMP));

    Pointer symbol = Loader.addressof(MklVendorCheck.SYMBOL);
    assertNotNull(symbol, MklVendorCheck.SYMBOL + " is not in the global symbol scope");
    String mapping = mappingOf(symbol.address());
    assertTrue(mapping.contains("endowatch-mkl-amd"), "resolves into " + mapping);
    // Its file is gone once loaded: nothing is left in the temporary folder.
    assertTrue(mapping.endsWith(" (deleted)"), mapping);
  }

  /** The file /proc/self/maps names for the mapping that holds {@code address}. */
  private static String mappingOf(long address) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
      String[] f = line.trim().split("\\s+");
      String[] range = f[0].split("-");
      if (Long.compareUnsigned(address, Long.parseUnsignedLong(range[0], 16)) >= 0
          && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0) {
        return f.length > 5 ? String.join(" ", Arrays.copyOfRange(f, 5, f.length)) : "(anonymous)";
      }
    }
    return "(unmapped)";
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
