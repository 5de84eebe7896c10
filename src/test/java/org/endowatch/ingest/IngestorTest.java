package org.endowatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.contract.Frame;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;
import org.junit.jupiter.api.Test;

/**
 * What the ingest loop tells {@code procedures} of each way a recording can stop; the frames' own
 * delivery is IngestIT's, against a real broker.
 */
class IngestorTest {
  private final List<String> told = new ArrayList<>();

  /** {@code pictures} pictures, then the end; or, with {@code failure}, that thrown instead of the next one. */
  private static FrameSource source(int pictures, RuntimeException failure) {
    return new FrameSource() {
      int given;

      @Override
      public Picture next() {
        if (given == pictures) {
          if (failure != null) {
            throw failure;
          }
          return null;
        }
        return new Picture(new BufferedImage(32, 32, BufferedImage.TYPE_3BYTE_BGR), 40_000L * given++);
      }

      @Override
      public boolean live() {
        return false;
      }

      @Override
      public String describe() {
        return "file:/v.mp4";
      }

      @Override
      public void close() {}
    };
  }

  private Ingestor ingestor(MockProducer<String, Frame> producer, long maxFrames) {
    return new Ingestor(new Ingestor.Options("frames", "room-1", false, 5, 0, maxFrames, 1 << 20),
        new FramePreparer(32, 32, 0.9f), producer, e -> told.add(e.type() + " " + e.nextIndex() + " " + e.reason() + " @" + e.atMs()),
        new SimpleMeterRegistry(), () -> 1_000L, Pacer.system());
  }

  private static MockProducer<String, Frame> producer(boolean answers) {
    return new MockProducer<>(answers, null, new StringSerializer(), Topics.FRAMES.valueSerde().serializer());
  }

  @Test
  void aSourceThatEndsAFrameLimitAndAStopEachEndTheRecordingWithTheirReason() throws Exception {
    ingestor(producer(true), 0).run(source(3, null), () -> false, n -> {});
    ingestor(producer(true), 2).run(source(3, null), () -> false, n -> {});
    ingestor(producer(true), 0).run(source(3, null), () -> true, n -> {});

    // Numbering continues from the resumed index 5: ended says one past the last frame sent.
    assertThat(told).containsExactly("started 5 null @1000", "ended 8 source ended @1000",
        "started 5 null @1000", "ended 7 frame limit reached @1000",
        "started 5 null @1000", "ended 5 stopped @1000");
  }

  @Test
  void aFailingSourceFailsTheRecordingWithItsErrorOrItsKindWhenItHasNone() {
    IllegalStateException silent = new IllegalStateException();
    assertThatThrownBy(() -> ingestor(producer(true), 0).run(source(2, silent), () -> false, n -> {})).isSameAs(silent);
    IllegalStateException said = new IllegalStateException("decoder gave up");
    assertThatThrownBy(() -> ingestor(producer(true), 0).run(source(1, said), () -> false, n -> {})).isSameAs(said);

    assertThat(told).containsExactly("started 5 null @1000", "failed 7 IllegalStateException @1000",
        "started 5 null @1000", "failed 6 decoder gave up @1000");
  }

  @Test
  void framesKafkaDidNotAcknowledgeFailTheRecordingAsIngestSaysIt() throws Exception {
    // Kafka answers each frame with a delivery timeout when ingest flushes at the end.
    MockProducer<String, Frame> producer = new MockProducer<>(false, null, new StringSerializer(),
        Topics.FRAMES.valueSerde().serializer()) {
      @Override
      public synchronized void flush() {
        while (errorNext(new org.apache.kafka.common.errors.TimeoutException("Expiring 1 record(s)"))) {
          // the next one
        }
      }
    };
    Ingestor.Summary s = ingestor(producer, 0).run(source(2, null), () -> false, n -> {});

    assertThat(s.failed()).isEqualTo(2);
    assertThat(told).containsExactly("started 5 null @1000",
        "failed 7 " + Ingestor.notAcknowledged(2, "frame 5: Expiring 1 record(s)") + " @1000");
  }
}
