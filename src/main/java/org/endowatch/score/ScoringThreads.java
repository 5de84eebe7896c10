package org.endowatch.score;

import ai.djl.pytorch.jni.JniUtils;

/**
 * How many threads each PyTorch operator uses in a live scorer. PyTorch's default is every core;
 * a scorer also needs a core for Kafka (poll, exactly-once commits), JPEG decoding and the JVM, and
 * when those take one of the operator's threads the whole operator waits for it. Measured on 2 cores
 * (docs/BENCHMARKS.md, "One operator thread"): with 1 thread instead of 2 the scorer's slowest frame
 * fell from ~280 to ~100 ms and p99 latency halved, at equal or better frames/s. The default is
 * therefore all cores but one.
 *
 * <p>The count is read by the engine when it starts (DJL's {@code ai.djl.pytorch.num_threads}), so it
 * must be requested before the first model loads; in a JVM whose engine already runs (tests that
 * call several commands) a request changes nothing, and {@link #current} says what is in effect.
 */
public final class ScoringThreads {
  static final String PROPERTY = "ai.djl.pytorch.num_threads";

  private ScoringThreads() {}

  /** All cores but one, at least one. */
  public static int defaultCount() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
  }

  /**
   * Requests {@code n} threads per operator ({@code n <= 0}: the default, unless the JVM was started
   * with {@code -Dai.djl.pytorch.num_threads}, which then stands).
   */
  public static void request(int n) {
    if (n > 0) {
      System.setProperty(PROPERTY, Integer.toString(n));
    } else if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, Integer.toString(defaultCount()));
    }
  }

  /**
   * Threads that score the frames of one call side by side ({@link ModelFrameScorer}), for a scorer
   * whose calls hold at most {@code framesPerCall} frames (a stream thread's backlog batch, times
   * the stream threads sharing the model): 1 when calls hold one frame; otherwise {@code requested}
   * if above 0, else on a CPU as many as the cores hold at the operator threads in effect (2 on 2
   * cores with 1 thread per operator), and 1 on a GPU, which runs one pass at a time. Never more
   * than a call's frames.
   */
  public static int frameWorkers(int requested, boolean gpu, int framesPerCall) {
    if (framesPerCall <= 1) {
      return 1;
    }
    int n = requested > 0 ? requested : gpu ? 1 : frameWorkers(Runtime.getRuntime().availableProcessors(), current());
    return Math.min(n, framesPerCall);
  }

  /** A CPU's frame workers: as many passes as the cores hold side by side, at least one. */
  static int frameWorkers(int cores, int operatorThreads) {
    return Math.max(1, cores / Math.max(1, operatorThreads));
  }

  /** The engine's threads per operator now (the engine must be running: call after a model loaded). */
  public static int current() {
    return JniUtils.getNumThreads();
  }
}
