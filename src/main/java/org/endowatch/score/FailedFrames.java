package org.endowatch.score;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The frames whose scoring threw, remembered by input coordinates across the failed stream thread's
 * replacement (ScorerApp). The new thread reads them again from the last commit; a frame found here
 * is tried once more on its own and goes to the dead-letter topic with the reason if it fails again
 * (a frame that breaks the model would otherwise fail every thread that reads it, and then the
 * scorer, and then every instance the group moves its partition to), or if it is too old by then to
 * be scored live. Shared by every stream thread of one topology; only the newest are kept.
 */
final class FailedFrames {
  static final int KEPT = 1_000;
  private final Map<String, String> reasons = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > KEPT;
    }
  };

  /** Notes that scoring {@code frames} (one call) threw {@code e}. */
  synchronized void remember(List<ScoringTopology.Pending> frames, RuntimeException e) {
    String reason = oneLine(e) + (frames.size() > 1 ? " (scoring " + frames.size() + " frames together)" : "");
    frames.forEach(p -> reasons.put(key(p), reason));
  }

  /**
   * Why scoring this frame failed before; null if it did not. Kept after it is asked: a thread that
   * fails before committing reads the frame yet again.
   */
  synchronized String reasonFor(ScoringTopology.Pending p) {
    return reasons.get(key(p));
  }

  /** An exception as one line: its class and the first line of its message. */
  static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
    return e.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
  }

  private static String key(ScoringTopology.Pending p) {
    return p.topic() + "/" + p.partition() + "/" + p.offset();
  }
}
