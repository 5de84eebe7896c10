package org.endowatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RecordingEventsTest {
  private final StringWriter said = new StringWriter();

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)   // a guard: accept() blocking on the send would hang here
  void aSendThatBlocksOnMetadataDoesNotHoldUpTheFramesAndIsDeliveredByTheFlush() {
    CountDownLatch metadata = new CountDownLatch(1);
    MockProducer<String, ProcedureEvent> producer = new MockProducer<>(true, null, new StringSerializer(),
        Topics.PROCEDURES.valueSerde().serializer()) {
      @Override
      public Future<RecordMetadata> send(ProducerRecord<String, ProcedureEvent> r, Callback cb) {
        try {
          // As KafkaProducer.send waits for a partition's metadata, up to max.block.ms (without the
          // mock's lock, which history() below takes).
          metadata.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return super.send(r, cb);
      }
    };
    RecordingEvents events = new RecordingEvents(producer, new PrintWriter(said, true), "ingest");

    events.accept(ProcedureEvent.started("room-1", 1, "rtsp://cam", 0));
    // Here while the send still waits: the ingest loop goes on to its first frame.
    assertThat(producer.history()).isEmpty();
    metadata.countDown();
    events.accept(ProcedureEvent.ended("room-1", 2, "rtsp://cam", 9, ProcedureEvent.STOPPED));
    events.flush();

    assertThat(producer.history()).extracting(ProducerRecord::value).extracting(ProcedureEvent::type)
        .containsExactly("started", "ended");
    assertThat(producer.history()).allMatch(r -> r.key().equals("room-1") && r.topic().equals("procedures"));
    assertThat(said.toString()).isEmpty();
  }

  @Test
  void aRefusedSendIsSaidAndNothingElseStops() {
    MockProducer<String, ProcedureEvent> producer = new MockProducer<>(false, null, new StringSerializer(),
        Topics.PROCEDURES.valueSerde().serializer()) {
      @Override
      public synchronized void flush() {
        while (errorNext(new org.apache.kafka.common.errors.TopicAuthorizationException("Not authorized to access topics: [procedures]"))) {
          // the next one
        }
      }
    };
    try (RecordingEvents events = new RecordingEvents(producer, new PrintWriter(said, true), "ingest")) {
      events.accept(ProcedureEvent.started("room-2", 1, "v4l2:/dev/video0", 0));
      events.flush();
    }
    assertThat(said.toString().strip()).isEqualTo(
        "ingest: could not tell procedures that room-2 started: Not authorized to access topics: [procedures]");
  }

  @Test
  void withoutTheTopicItSaysSoOnceAndSendsNothing() {
    try (RecordingEvents events = RecordingEvents.open(null, false, new PrintWriter(said, true), "ingest")) {
      events.accept(ProcedureEvent.started("room-3", 1, "s", 0));
      events.flush();
    }
    assertThat(said.toString().strip()).isEqualTo("note: topic procedures does not exist: consoles cannot tell this "
        + "recording's end from frames that stopped ('endowatch topics apply' creates it)");
  }
}
