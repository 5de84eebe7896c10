package org.endowatch.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a bench process's CPU went between two moments, by kind of thread: the whole process from
 * the operating system's count, and its Java threads grouped by name. What the Java threads do not
 * account for is the JVM's own (JIT compiler, GC) and native threads (PyTorch's operator workers),
 * which the JVM cannot name. A thread that ends between the two snapshots takes its time with it
 * unless it reports it ({@link #currentThreadNanos}, as the bench's cameras do).
 */
final class CpuAccount {
  /** The groups, in the order they are reported. */
  static final String STREAM_THREADS = "scorer_stream_threads";
  static final String MODEL_WORKERS = "model_batcher_and_frame_workers";
  static final String PRODUCER_IO = "producer_network_threads";
  static final String CAMERAS = "bench_cameras";
  static final String OTHER_JAVA = "broker_and_other_java_threads";
  static final String NOT_JAVA = "jvm_and_native_threads";

  /** One moment: the process's CPU nanoseconds and each live Java thread's, by thread id. */
  record Snapshot(long processNanos, Map<Long, Long> threadNanos, Map<Long, String> threadNames) {}

  private CpuAccount() {}

  static Snapshot snapshot() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> nanos = new TreeMap<>();
    Map<Long, String> names = new TreeMap<>();
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;   // ended since the ids were read
      }
      long t = threads.getThreadCpuTime(info.getThreadId());
      if (t >= 0) {
        nanos.put(info.getThreadId(), t);
        names.put(info.getThreadId(), info.getThreadName());
      }
    }
    return new Snapshot(processCpuNanos(), nanos, names);
  }

  /**
   * Between two snapshots: CPU milliseconds per frame, "process" (everything) first, then by group (the
   * keys above, in that order); and the process's CPU seconds per wall second.
   */
  record Usage(Map<String, Double> msPerFrame, double coresBusy) {}

  static Usage perFrame(Snapshot before, Snapshot after, Map<String, Long> ended, long frames, double wallSeconds) {
    Map<String, Long> nanos = new LinkedHashMap<>();
    for (String g : new String[] {STREAM_THREADS, MODEL_WORKERS, PRODUCER_IO, CAMERAS, OTHER_JAVA, NOT_JAVA}) {
      nanos.put(g, 0L);
    }
    long java = 0;
    for (var e : after.threadNanos().entrySet()) {
      long spent = e.getValue() - before.threadNanos().getOrDefault(e.getKey(), 0L);
      java += spent;
      nanos.merge(group(after.threadNames().get(e.getKey())), spent, Long::sum);
    }
    for (var e : ended.entrySet()) {
      java += e.getValue();
      nanos.merge(e.getKey(), e.getValue(), Long::sum);
    }
    long process = after.processNanos() - before.processNanos();
    nanos.put(NOT_JAVA, Math.max(0, process - java));
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("process", process / 1e6 / Math.max(1, frames));
    nanos.forEach((g, n) -> out.put(g, n / 1e6 / Math.max(1, frames)));
    return new Usage(out, process / 1e9 / wallSeconds);
  }

  /** The group of a thread, by the names Kafka and the bench give their threads. */
  static String group(String name) {
    if (name.startsWith("kafka-producer-network-thread")) {
      return PRODUCER_IO;   // before the stream threads: a stream thread's producer's I/O thread carries its name
    }
    if (name.contains("StreamThread")) {
      return STREAM_THREADS;
    }
    if (name.equals("model-batcher") || name.startsWith("frame-worker-")) {
      return MODEL_WORKERS;   // the scorer's own threads besides the stream threads (ModelFrameScorer, BatchingFrameScorer)
    }
    if (name.matches("bench-\\d+")) {
      return CAMERAS;
    }
    return OTHER_JAVA;
  }

  /** The calling thread's CPU nanoseconds so far: what a thread about to end reports for {@code perFrame}'s {@code ended}. */
  static long currentThreadNanos() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    throw new IllegalStateException("this JVM does not report its process CPU time (needs com.sun.management)");
  }
}
