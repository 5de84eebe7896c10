package org.endowatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.config.KafkaSettings;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;

/**
 * Where ingest (and the demo's players, and {@code replay topic}) tells the {@code procedures} topic
 * that a recording started, ended or failed. Never in the frames' way: events are sent from a thread
 * of their own (a producer's send can block up to {@code max.block.ms} for a partition's metadata,
 * and the first frame must not wait on that), a send that fails is said on stderr and the frames go
 * on, and on a cluster set up before the topic was in the catalog the command says once that
 * consoles cannot tell this recording's end from frames that stopped, and sends nothing.
 */
final class RecordingEvents implements Consumer<ProcedureEvent>, AutoCloseable {
  /** How long the end of a run waits for its events to be delivered, and a send for metadata. */
  static final Duration DELIVERY_WAIT = Duration.ofSeconds(10);

  private final Producer<String, ProcedureEvent> producer;
  private final ExecutorService sender;
  private final PrintWriter err;
  /** The command that tells, as its lines on stderr start ("ingest", "replay topic"). */
  private final String who;

  /** @param producer where the events go; null to send nothing */
  RecordingEvents(Producer<String, ProcedureEvent> producer, PrintWriter err, String who) {
    this.producer = producer;
    this.err = err;
    this.who = who;
    this.sender = producer == null ? null : Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "recording-events");
      t.setDaemon(true);
      return t;
    });
  }

  /** @param topicExists whether {@code procedures} exists (else a note, and nothing is sent) */
  static RecordingEvents open(KafkaSettings settings, boolean topicExists, PrintWriter err, String who) {
    if (!topicExists) {
      err.println("note: topic " + Topics.PROCEDURES.name() + " does not exist: consoles cannot tell this recording's end "
          + "from frames that stopped ('endowatch topics apply' creates it)");
      err.flush();
      return new RecordingEvents(null, err, who);
    }
    var p = settings.clientProps();
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("linger.ms", "0");
    // As ingest's frames producer, and for the same reason: on a just-created topic a first batch can
    // fail NOT_LEADER while the next is accepted, and the retried first is then refused as out of
    // sequence for ever. One event at a time is plenty.
    p.put("max.in.flight.requests.per.connection", "1");
    p.put("max.block.ms", Long.toString(DELIVERY_WAIT.toMillis()));
    return new RecordingEvents(new KafkaProducer<>(p, new StringSerializer(), Topics.PROCEDURES.valueSerde().serializer()), err,
        who);
  }

  @Override
  public void accept(ProcedureEvent e) {
    if (producer == null) {
      return;
    }
    sender.execute(() -> {
      try {
        producer.send(new ProducerRecord<>(Topics.PROCEDURES.name(), null, e.atMs(), e.procedureId(), e), (md, ex) -> {
          if (ex != null) {
            cannotTell(e, ex);
          }
        });
      } catch (RuntimeException ex) {
        cannotTell(e, ex);
      }
    });
  }

  private void cannotTell(ProcedureEvent e, Exception ex) {
    synchronized (err) {
      err.println(who + ": could not tell " + Topics.PROCEDURES.name() + " that " + e.procedureId() + " " + e.type()
          + ": " + ex.getMessage());
      err.flush();
    }
  }

  /** Delivers what was told, within {@link #DELIVERY_WAIT} (before a stopping JVM may exit). */
  void flush() {
    if (producer == null) {
      return;
    }
    try {
      sender.submit(producer::flush).get(DELIVERY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
      synchronized (err) {
        err.println(who + ": " + Topics.PROCEDURES.name() + " did not take this recording's events within "
            + DELIVERY_WAIT.toSeconds() + " s; consoles may show its frames as stopped rather than ended");
        err.flush();
      }
    }
  }

  /**
   * Hands over what is still queued and closes the producer, which delivers it within 5 s. Not a
   * second {@link #flush}: after ingest's own, one that timed out would wait and warn again.
   */
  @Override
  public void close() {
    if (producer != null) {
      sender.shutdown();
      try {
        sender.awaitTermination(DELIVERY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
      producer.close(Duration.ofSeconds(5));
    }
  }
}
