package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuAccountTest {
  @Test
  void threadsAreGroupedByTheNamesKafkaAndTheBenchGiveThem() {
    assertThat(CpuAccount.group("bench.bench-1764-0b1c-StreamThread-1")).isEqualTo(CpuAccount.STREAM_THREADS);
    // A stream thread's producer's I/O thread carries the stream thread's name: it is producer I/O.
    assertThat(CpuAccount.group("kafka-producer-network-thread | bench.bench-1764-StreamThread-1-producer"))
        .isEqualTo(CpuAccount.PRODUCER_IO);
    assertThat(CpuAccount.group("model-batcher")).isEqualTo(CpuAccount.MODEL_WORKERS);
    assertThat(CpuAccount.group("frame-worker-demo-micro-1")).isEqualTo(CpuAccount.MODEL_WORKERS);
    assertThat(CpuAccount.group("bench-12")).isEqualTo(CpuAccount.CAMERAS);
    assertThat(CpuAccount.group("bench-warmup")).isEqualTo(CpuAccount.OTHER_JAVA);
    assertThat(CpuAccount.group("data-plane-kafka-network-thread-1-ListenerName(PLAINTEXT)-PLAINTEXT-0"))
        .isEqualTo(CpuAccount.OTHER_JAVA);
  }

  @Test
  void perFrameSplitsTheProcessTimeAndLeavesTheRestToTheJvmAndNativeThreads() {
    var before = new CpuAccount.Snapshot(1_000_000_000L, Map.of(1L, 100_000_000L, 2L, 0L),
        Map.of(1L, "app-StreamThread-1", 2L, "kafka-request-handler-0"));
    // Thread 3 started after the first snapshot: all its time counts; thread 2 ended and reports nothing.
    var after = new CpuAccount.Snapshot(5_000_000_000L, Map.of(1L, 1_100_000_000L, 3L, 500_000_000L),
        Map.of(1L, "app-StreamThread-1", 3L, "model-batcher"));
    var usage = CpuAccount.perFrame(before, after, Map.of(CpuAccount.CAMERAS, 200_000_000L), 100, 2.0);
    // 4 s of process CPU over 100 frames = 40 ms each: 10 stream thread, 5 batcher, 2 cameras, 23 the rest.
    assertThat(usage.msPerFrame()).containsExactly(Map.entry("process", 40.0), Map.entry(CpuAccount.STREAM_THREADS, 10.0),
        Map.entry(CpuAccount.MODEL_WORKERS, 5.0), Map.entry(CpuAccount.PRODUCER_IO, 0.0), Map.entry(CpuAccount.CAMERAS, 2.0),
        Map.entry(CpuAccount.OTHER_JAVA, 0.0), Map.entry(CpuAccount.NOT_JAVA, 23.0));
    assertThat(usage.coresBusy()).isEqualTo(2.0);   // 4 CPU seconds in 2 wall seconds
  }
}
