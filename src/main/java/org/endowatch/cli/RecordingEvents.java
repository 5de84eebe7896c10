package org.endowatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;

/**
 * Where ingest tells the {@code procedures} topic that a recording started, ended or failed. Never
 * in the frames' way: a send that fails is said on stderr and the frames go on, and on a cluster
 * set up before the topic was in the catalog ingest says once that consoles cannot tell this
 * recording's end from frames that stopped, and sends nothing.
 */
final class RecordingEvents implements Consumer<ProcedureEvent>, AutoCloseable {
  private final Producer<String, ProcedureEvent> producer;
  private final PrintWriter err;

  private RecordingEvents(Producer<String, ProcedureEvent> producer, PrintWriter err) {
    this.producer = producer;
    this.err = err;
  }

  /** @param topicExists whether {@code procedures} exists (else a note, and nothing is sent) */
  static RecordingEvents open(KafkaSettings settings, boolean topicExists, PrintWriter err) {
    if (!topicExists) {
      err.println("note: topic " + Topics.PROCEDURES.name() + " does not exist: consoles cannot tell this recording's end "
          + "from frames that stopped ('endowatch topics apply' creates it)");
      err.flush();
      return new RecordingEvents(null, err);
    }
    var p = settings.clientProps();
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("linger.ms", "0");
    return new RecordingEvents(new KafkaProducer<>(p, new StringSerializer(), Topics.PROCEDURES.valueSerde().serializer()), err);
  }

  @Override
  public void accept(ProcedureEvent e) {
    if (producer == null) {
      return;
    }
    producer.send(new ProducerRecord<>(Topics.PROCEDURES.name(), null, e.atMs(), e.procedureId(), e), (md, ex) -> {
      if (ex != null) {
        synchronized (err) {
          err.println("ingest: could not tell " + Topics.PROCEDURES.name() + " that " + e.procedureId() + " " + e.type()
              + ": " + ex.getMessage());
          err.flush();
        }
      }
    });
  }

  /** Delivers what was told (before a stopping JVM may exit). */
  void flush() {
    if (producer != null) {
      producer.flush();
    }
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
