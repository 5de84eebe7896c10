package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Topics;
import org.junit.jupiter.api.Test;

class ConsoleFeedTest {
  @Test
  void aRejectedFrameCountsAtItsCaptureTimeWhereItsRecordCanBeRead() {
    Frame f = new Frame("room-1", 7, 123_456, 8, 8, Frame.JPEG, "t", new byte[] {1, 2, 3});
    RecordHeaders headers = new RecordHeaders();
    byte[] value = Topics.FRAMES.valueSerde().serializer().serialize(Topics.FRAMES.name(), headers, f);
    List<DeadLetter.RawHeader> raw = new ArrayList<>();
    headers.forEach(h -> raw.add(new DeadLetter.RawHeader(h.key(), h.value())));

    assertThat(ConsoleFeed.captureOf(new DeadLetter("bad image", "frames", 0, 7, 999_999, raw, value))).isEqualTo(123_456);
    // Its headers lost or mangled: when the scorer rejected it.
    assertThat(ConsoleFeed.captureOf(new DeadLetter("bad header", "frames", 0, 7, 999_999, List.of(), new byte[] {9})))
        .isEqualTo(999_999);
    // A record of a suffixed frames topic (a bench's, a re-scoring's) is read as a frame too.
    assertThat(ConsoleFeed.captureOf(new DeadLetter("bad image", "frames.bench-1", 0, 7, 999_999, raw, value))).isEqualTo(123_456);
  }
}
