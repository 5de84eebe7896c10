package org.endowatch.score;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Topics;

/**
 * One task's {@link ScoringProcessor} on a {@link MockProcessorContext}, over the in-memory stores
 * {@link ScoringTopology} gives it: the alert store, the pending store with a backlog batch above 1,
 * the recordings store with a recordings topic. For what a {@link TopologyFixture} cannot show: a
 * commit requested, stores seeded before {@link #init}, init() again on a revived task, a stream
 * thread replaced. Frames of procedure "proc" carry their score as their first byte, in percent
 * ({@link ScoringTopologyTest#byteScorer}).
 */
final class MockTask {
  final MockProcessorContext<String, Object> context = new MockProcessorContext<>();
  final KeyValueStore<String, AlertRule.State> alerts = store(ScoringTopology.alertStore());
  /** Null without a backlog batch. */
  final KeyValueStore<String, ScoringTopology.Pending> pending;
  /** Null without a recordings topic. */
  final KeyValueStore<String, byte[]> recordings;
  final ScoringProcessor processor;
  private final Map<Long, ScoringTopology.Pending> seen = new HashMap<>();

  /** Not initialised yet: seed the stores, then {@link #init}. The scorer's clock stands at {@code now}. */
  MockTask(ScoringTopology.Settings settings, Supplier<FrameScorer> model, long now, FailedFrames failed) {
    context.setCurrentSystemTimeMs(now);
    pending = settings.backlogBatch() > 1 ? store(ScoringTopology.pendingStore()) : null;
    recordings = settings.recordings() != null ? store(ScoringTopology.recordingsStore()) : null;
    processor = new ScoringProcessor(settings, model, () -> now, new SimpleMeterRegistry(), failed);
  }

  private <V> KeyValueStore<String, V> store(StoreBuilder<KeyValueStore<String, V>> builder) {
    KeyValueStore<String, V> store = builder.withLoggingDisabled().build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    return store;
  }

  /** As Kafka Streams starts the task, or revives it. */
  MockTask init() {
    processor.init(context);
    return this;
  }

  /** Frame {@code index} as it arrives at offset {@code index} of frames-0, not yet processed. */
  Record<String, byte[]> arrived(long index, int scorePercent, long capturedMs) {
    Frame f = new Frame("proc", index, capturedMs, 64, 48, Frame.JPEG, "test", new byte[] {(byte) scorePercent, 1, 2});
    RecordHeaders headers = new RecordHeaders();
    Record<String, byte[]> r = new Record<>("proc", Topics.FRAMES.valueSerde().serializer().serialize("frames", headers, f),
        capturedMs, headers);
    context.setRecordMetadata("frames", 0, index);
    seen.put(index, ScoringTopology.Pending.of(r, context.recordMetadata().orElseThrow(), "frames"));
    return r;
  }

  void process(long index, int scorePercent, long capturedMs) {
    processor.process(arrived(index, scorePercent, capturedMs));
  }

  /** Runs every scheduled punctuation (the backlog's wait, the stopped-alert check, the idle sweep) at {@code nowMs}. */
  void punctuate(long nowMs) {
    context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(nowMs));
  }

  /** What the processor forwarded of one kind, in order. */
  <T> List<T> outcomes(Class<T> kind) {
    return context.forwarded().stream().map(f -> f.record().value()).filter(kind::isInstance).map(kind::cast).toList();
  }

  /** The frame that {@link #arrived} at that index, as the pending store keeps it. */
  ScoringTopology.Pending frame(long index) {
    return seen.get(index);
  }

  /** As a waiting frame restored with the pending store. */
  void waiting(ScoringTopology.Pending p) {
    pending.put(p.storeKey(), p);
  }
}
