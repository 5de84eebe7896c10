package org.endowatch.replay;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.endowatch.contract.Frame;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.Pacer;

/**
 * Plays a recorded procedure from a topic back into a topic. As a new procedure (a review or a
 * demo), frames are renumbered from 0, stamped with the time they are re-sent and released with
 * their original spacing, and the recording is told as ingest tells it (started before the first
 * frame, then ended or failed), so consoles show its end as an end and scorers close an alert open at
 * its last frame at once. As a copy for re-scoring, they keep id, index and capture time and go as
 * fast as possible; the live procedure's word on its recording stands for the copy.
 */
public final class TopicReplay {
  /** How the copies look: {@link #asNewProcedure} or {@link #identical}. */
  public record Mode(String newProcedureId, boolean paced, boolean keepIdentity) {
    public static Mode asNewProcedure(String newId, boolean paced) {
      return new Mode(newId, paced, false);
    }

    public static Mode identical() {
      return new Mode(null, false, true);
    }
  }

  /**
   * What was replayed: frames, the first and last original index, their capture-time span, and
   * whether it was stopped before the range's end.
   */
  public record Summary(long frames, long firstIndex, long lastIndex, long spanMs, boolean stopped) {}

  /** Thrown through the read to leave it at once when asked to stop. */
  private static final class Stopped extends RuntimeException {
    Stopped() {
      super(null, null, false, false);
    }
  }

  private TopicReplay() {}

  /** As below, telling nothing of the recording (a copy for re-scoring). */
  public static Summary run(Properties client, Producer<String, Frame> producer, String from, String to,
      String procedure, TimeRange range, Mode mode, Pacer pacer, LongSupplier clockMs, LongConsumer progress) {
    return run(client, producer, from, to, procedure, range, mode, pacer, clockMs, progress, e -> {}, () -> false);
  }

  /**
   * @param events told of the new procedure's recording (asNewProcedure only): started before its
   *     first frame, ended after the last once Kafka has them all (or once stopped), failed when it
   *     did not take one
   * @param stop asked before each frame: true ends the replay there, as the range's end would
   */
  public static Summary run(Properties client, Producer<String, Frame> producer, String from, String to,
      String procedure, TimeRange range, Mode mode, Pacer pacer, LongSupplier clockMs, LongConsumer progress,
      Consumer<ProcedureEvent> events, BooleanSupplier stop) {
    String source = "kafka:" + from + "/" + procedure;
    AtomicLong first = new AtomicLong(Long.MIN_VALUE);
    AtomicLong sent = new AtomicLong();
    java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
    long[] span = {-1, -1, Long.MAX_VALUE, Long.MIN_VALUE};   // first index, last index, min ts, max ts
    boolean stopped = false;
    try {
      ProcedureRecords.forEach(client, from, procedure, Topics.FRAMES.valueSerde().deserializer(), range.seekFromMs(), r -> {
        if (stop.getAsBoolean()) {
          throw new Stopped();
        }
        Frame f = r.value();
        first.compareAndSet(Long.MIN_VALUE, f.captureTimestampMs());
        if (!range.contains(f.captureTimestampMs(), first.get())) {
          return;
        }
        if (sent.get() == 0 && !mode.keepIdentity()) {
          // Before the pacer's first wait, which sets the copies' time base: the first copy is not late.
          events.accept(ProcedureEvent.started(mode.newProcedureId(), clockMs.getAsLong(), source, 0));
        }
        if (mode.paced()) {
          pacer.await(f.captureTimestampMs() * 1000);
        }
        Frame copy;
        String key;
        if (mode.keepIdentity()) {
          copy = f;
          key = r.key();
        } else {
          key = mode.newProcedureId();
          copy = new Frame(key, sent.get(), clockMs.getAsLong(), f.width(), f.height(), f.contentType(),
              source + "#" + f.frameIndex(), f.image());
        }
        producer.send(new ProducerRecord<>(to, null, copy.captureTimestampMs(), key, copy), (md, e) -> {
          if (e != null) {
            failure.compareAndSet(null, "frame " + f.frameIndex() + ": " + e.getMessage());
          }
        });
        if (span[0] < 0) {
          span[0] = f.frameIndex();
        }
        span[1] = f.frameIndex();
        span[2] = Math.min(span[2], f.captureTimestampMs());
        span[3] = Math.max(span[3], f.captureTimestampMs());
        progress.accept(sent.incrementAndGet());
      });
    } catch (Stopped s) {
      stopped = true;
    }
    producer.flush();
    if (failure.get() != null) {
      String why = "replay to " + to + " failed, Kafka did not take " + failure.get();
      if (!mode.keepIdentity()) {
        events.accept(ProcedureEvent.failed(mode.newProcedureId(), clockMs.getAsLong(), source, sent.get(), why));
      }
      throw new IllegalStateException(why);
    }
    if (sent.get() > 0 && !mode.keepIdentity()) {
      events.accept(ProcedureEvent.ended(mode.newProcedureId(), clockMs.getAsLong(), source, sent.get(),
          stopped ? ProcedureEvent.STOPPED : ProcedureEvent.SOURCE_ENDED));
    }
    return new Summary(sent.get(), span[0], span[1], sent.get() == 0 ? 0 : span[3] - span[2], stopped);
  }
}
