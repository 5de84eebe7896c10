package org.endowatch.model;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Which masks a frame is scored under. Same schedule, same masks, always: a schedule is a pure
 * function of its parameters.
 *
 * <ul>
 *   <li>{@code random(K, seed)}: the paper's protocol, K independent random masks (K = 10).
 *   <li>{@code complementary(K)}: K masks whose visible sets partition the patches, so every patch
 *       is reconstructed in K-1 of K passes (4 passes at 75 %).
 * </ul>
 */
public record MaskSchedule(String kind, int passes, long seed) {
  public static final MaskSchedule PAPER = new MaskSchedule("random", 10, 0);

  public MaskSchedule {
    if (!kind.equals("random") && !kind.equals("complementary")) {
      throw new IllegalArgumentException("mask schedule must be random or complementary, got '" + kind + "'");
    }
    if (passes < 1 || passes > 64) {
      throw new IllegalArgumentException("mask schedule needs 1..64 passes, got " + passes);
    }
  }

  /**
   * Parses {@code random-10}, {@code random-10-seed7}, {@code complementary-4}.
   */
  public static MaskSchedule parse(String text) {
    String[] parts = text.trim().toLowerCase(Locale.ROOT).split("-");
    try {
      if (parts.length < 2 || parts.length > 3) {
        throw new IllegalArgumentException();
      }
      long seed = parts.length == 3 && parts[2].startsWith("seed") ? Long.parseLong(parts[2].substring(4)) : 0;
      if (parts.length == 3 && !parts[2].startsWith("seed")) {
        throw new IllegalArgumentException();
      }
      return new MaskSchedule(parts[0], Integer.parseInt(parts[1]), seed);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("mask schedule")) {
        throw e;
      }
      throw new IllegalArgumentException("mask schedule '" + text
          + "' is not of the form random-K[-seedS] or complementary-K (e.g. random-10, complementary-4)");
    }
  }

  /** The masks for one frame under this schedule. */
  public Masks masks(MemMcMaeConfig config) {
    if (kind.equals("complementary")) {
      if (Math.abs(config.visible() * passes - config.patches()) > 0) {
        throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
            "complementary-%d shows L/%d = %.1f patches per pass, but the model's mask ratio %.2f shows %d",
            passes, passes, config.patches() / (double) passes, config.maskRatio(), config.visible()));
      }
      return Masks.complementary(passes, config.patches(), seed);
    }
    return Masks.random(passes, config.patches(), config.visible(), new SplittableRandom(seed));
  }

  @Override
  public String toString() {
    return kind + "-" + passes + (seed != 0 ? "-seed" + seed : "");
  }
}
