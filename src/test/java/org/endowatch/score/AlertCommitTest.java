package org.endowatch.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Topics;
import org.junit.jupiter.api.Test;

/**
 * The scorer asks for a commit when an alert starts or ends, so read-committed consumers (the
 * consoles) see it without waiting for the commit interval; scores and alert updates do not.
 * TopologyTestDriver commits after every record, so the request is only visible on a mock context.
 */
class AlertCommitTest {
  @Test
  void alertStartAndEndRequestACommitNothingElseDoes() {
    MockProcessorContext<String, Object> context = new MockProcessorContext<>();
    KeyValueStore<String, AlertRule.State> store = ScoringTopology.alertStore().withLoggingDisabled().build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    long now = 10_000;
    var processor = new ScoringProcessor(ScoringTopology.Settings.live(0), ScoringTopologyTest::byteScorer,
        () -> now, new SimpleMeterRegistry(), new FailedFrames());
    processor.init(context);

    // 3 of 5 over the threshold raise the alert at frame 4; the rising peak at frame 5 is an update;
    // five quiet frames after it end the alert at frame 10.
    int[] percents = {10, 10, 90, 90, 90, 95, 10, 10, 10, 10, 10, 10, 10};
    List<Long> commitsAt = new ArrayList<>();
    List<String> events = new ArrayList<>();
    for (int i = 0; i < percents.length; i++) {
      Frame f = new Frame("proc", i, now - 40, 64, 48, Frame.JPEG, "test", new byte[] {(byte) percents[i], 1, 2});
      RecordHeaders headers = new RecordHeaders();
      byte[] value = Topics.FRAMES.valueSerde().serializer().serialize("frames", headers, f);
      context.setRecordMetadata("frames", 0, i);
      context.resetCommit();
      context.resetForwards();
      processor.process(new Record<>("proc", value, f.captureTimestampMs(), headers));
      if (context.committed()) {
        commitsAt.add((long) i);
      }
      for (var forward : context.forwarded()) {
        if (forward.record().value() instanceof AlertEvent e) {
          events.add(i + ":" + e.type());
        }
      }
    }

    assertThat(events).containsExactly("4:" + AlertEvent.START, "5:" + AlertEvent.UPDATE, "10:" + AlertEvent.END);
    assertThat(commitsAt).containsExactly(4L, 10L);
  }
}
